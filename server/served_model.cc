#include "server/served_model.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "engine/search/score_windows.h"
#include "engine/search/sentence_jobs.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

absl::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kLiteTransformer:
      return "lite_transformer";
    case Arch::kTransformer:
      return "transformer";
    case Arch::kLiteTransformerLm:
      return "lite_transformer_lm";
  }
  return "unknown";
}

}  // namespace

long MacsFor30Tokens(const Model& model) {
  constexpr int kTokens = 30;
  const int source_length = model.is_encoder_decoder() ? kTokens : 0;
  long macs = 0;
  if (model.is_encoder_decoder()) {
    macs += model.encoder()->Macs(source_length) + model.decoder().MemoryMacs(source_length);
  }
  for (int step = 0; step < kTokens; ++step) {
    macs += model.decoder().StepMacs(step, source_length, false);
  }
  return macs;
}

namespace {

absl::StatusOr<int> ResolveContextWindow(const ServedModelConfig& config, const Model& model) {
  const int positions = model.config().max_target_positions;
  if (!config.context_window) return DefaultContextWindow(positions);
  if (model.is_encoder_decoder()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", config.name,
                     "': context_window is for language models, and this is an encoder-decoder "
                     "model"));
  }
  if (absl::Status status = CheckContextWindow(*config.context_window, positions, "context_window");
      !status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", config.name, "': ", status.message()));
  }
  return static_cast<int>(*config.context_window);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServedModel>> ServedModel::Load(const ServedModelConfig& config,
                                                               SchedulerMetrics metrics) {
  std::unique_ptr<ServedModel> served(new ServedModel());
  served->name_ = config.name;
  served->path_ = config.path;
  ASSIGN_OR_RETURN(served->model_, Model::Load(config.path, {.compute_type = config.compute_type}));
  ASSIGN_OR_RETURN(served->codec_, TextCodec::ForModel(*served->model_));
  const ModelConfig& model_config = served->model_->config();
  ASSIGN_OR_RETURN(served->context_window_, ResolveContextWindow(config, *served->model_));
  v1::ModelInfo& info = served->info_;
  info.set_name(config.name);
  info.set_task(std::string(TaskName(model_config.task)));
  info.set_source_language(model_config.source_lang);
  info.set_target_language(model_config.target_lang);
  info.set_version(model_config.version);
  info.set_architecture(std::string(ArchName(model_config.arch)));
  info.set_parameters(served->model_->parameter_count());
  info.set_macs_30_tokens(MacsFor30Tokens(*served->model_));
  info.set_batching(config.scheduler.step_level ? "step_level" : "request_level");
  info.set_compute_type(std::string(ComputeTypeName(config.compute_type)));
  served->scheduler_ =
      std::make_unique<Scheduler>(served->model_, config.scheduler, metrics, config.name);
  return served;
}

absl::Status ServedModel::Warm() {
  DecodingOptions options;
  options.beam_size = 1;
  options.max_len_b = 4;
  options.max_tokens = 4;
  // The first id after the special ones (<s> <pad> </s> <unk>).
  const std::vector<int> ids = {4};
  absl::StatusOr<SentenceJob> sentence = model_->is_encoder_decoder()
                                             ? MakeTranslationJob(*model_, ids, options, "warm-up")
                                             : MakeGenerationJob(*model_, ids, options, "warm-up");
  if (!sentence.ok()) return sentence.status();
  std::promise<absl::Status> done;
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(std::make_unique<Job>());
  jobs[0]->sentence = *std::move(sentence);
  jobs[0]->length = static_cast<int>(ids.size()) + 1;
  jobs[0]->client = "warm-up";
  jobs[0]->done = [&done](absl::StatusOr<FinishedSentence> result, const JobTimes&) {
    done.set_value(result.status());
  };
  RETURN_IF_ERROR(scheduler_->Submit(jobs));
  return done.get_future().get();
}

}  // namespace liteformer

// ServedModel: one loaded model with what serving it takes — its text codec,
// its scheduler, and the ModelInfo that ListModels reports.
#ifndef LITEFORMER_SERVER_SERVED_MODEL_H_
#define LITEFORMER_SERVER_SERVED_MODEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/models/model.h"
#include "engine/text/text_codec.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/config/server_config.h"
#include "server/scheduler/scheduler.h"

namespace liteformer {

class ServedModel {
 public:
  // Loads the model directory; errors name the file and the problem (and a
  // context_window the model cannot take).
  static absl::StatusOr<std::unique_ptr<ServedModel>> Load(const ServedModelConfig& config,
                                                           SchedulerMetrics metrics);

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }
  Task task() const { return model_->config().task; }
  const Model& model() const { return *model_; }
  const TextCodec& codec() const { return *codec_; }
  Scheduler& scheduler() { return *scheduler_; }
  const v1::ModelInfo& info() const { return info_; }
  // Score's context window (engine/search/score_windows.h); language models.
  int context_window() const { return context_window_; }

  // Decodes one short sentence through the scheduler, so that a new version
  // has its primitives made and its memory touched before it takes traffic.
  absl::Status Warm();

 private:
  ServedModel() = default;

  std::string name_;
  std::string path_;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<TextCodec> codec_;
  std::unique_ptr<Scheduler> scheduler_;
  v1::ModelInfo info_;
  int context_window_ = 0;
};

// Multiply-adds to translate a 30-token source into 30 tokens, greedy (one
// row; beam search multiplies the decoder's share by the beam size).
long MacsFor30Tokens(const Model& model);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVED_MODEL_H_

#include "server/config/server_config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "server/request/model_name.h"

namespace liteformer {
namespace {

// Collects the parser's errors so the message can name line and column.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    errors_.push_back(absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  std::string Text() const { return absl::StrJoin(errors_, "; "); }

 private:
  std::vector<std::string> errors_;
};

// Values beyond this are surely mistakes (and would overflow int arithmetic).
constexpr std::uint32_t kMaxSetting = 1u << 24;
// About one short sentence's decoding time on one core (models/en-de, beam 4:
// 9–15 ms), so that below saturation a sentence waits for a free worker
// rather than slowing a busy one; see SchedulerOptions::join_delay.
constexpr std::uint32_t kDefaultJoinDelayMs = 10;

int OrDefault(std::uint32_t value, int fallback) {
  return value == 0 ? fallback : static_cast<int>(value);
}

absl::Status CheckRange(const google::protobuf::Message& message, const std::string& source_name) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_UINT32 &&
        !field->is_repeated() && reflection->GetUInt32(message, field) > kMaxSetting) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ": ", field->full_name(), " = ", reflection->GetUInt32(message, field),
          " is out of range (at most ", kMaxSetting, ")"));
    }
  }
  return absl::OkStatus();
}

// `over` field by field over `base` (zero = not set).
v1::BatchingConfig Merge(const v1::BatchingConfig& base, const v1::BatchingConfig& over) {
  v1::BatchingConfig merged = base;
  if (over.mode() != v1::BatchingConfig::MODE_UNSPECIFIED) merged.set_mode(over.mode());
  if (over.max_batch_tokens() != 0) merged.set_max_batch_tokens(over.max_batch_tokens());
  if (over.max_batch_size() != 0) merged.set_max_batch_size(over.max_batch_size());
  if (over.max_queue_delay_ms() != 0) merged.set_max_queue_delay_ms(over.max_queue_delay_ms());
  if (over.max_queue_size() != 0) merged.set_max_queue_size(over.max_queue_size());
  if (over.workers() != 0) merged.set_workers(over.workers());
  if (over.threads_per_worker() != 0) merged.set_threads_per_worker(over.threads_per_worker());
  if (over.has_join_delay_ms()) merged.set_join_delay_ms(over.join_delay_ms());
  if (over.max_queue_wait_ms() != 0) merged.set_max_queue_wait_ms(over.max_queue_wait_ms());
  if (over.max_held_batches() != 0) merged.set_max_held_batches(over.max_held_batches());
  if (over.max_batch_rows() != 0) merged.set_max_batch_rows(over.max_batch_rows());
  for (auto [field, merged_field] :
       {std::pair{&over.interactive(), merged.mutable_interactive()},
        std::pair{&over.normal(), merged.mutable_normal()},
        std::pair{&over.bulk(), merged.mutable_bulk()}}) {
    if (field->max_batch_size() != 0) merged_field->set_max_batch_size(field->max_batch_size());
    if (field->max_queue_size() != 0) merged_field->set_max_queue_size(field->max_queue_size());
  }
  return merged;
}

SchedulerOptions ToSchedulerOptions(const v1::BatchingConfig& batching, int cores) {
  SchedulerOptions options;
  options.step_level = batching.mode() != v1::BatchingConfig::REQUEST_LEVEL;
  options.max_batch_tokens = OrDefault(batching.max_batch_tokens(), 8192);
  // 16, not more: a CPU step costs about the same per sentence whatever the
  // batch (bench/run_server_bench.py: 8.7 vs 12.3 ms per short sentence at
  // batch 16 vs 1), so bigger batches add little throughput but make every
  // sentence in them share its steps with more company. By hand with
  // liteformer-load on bench/'s mix (not a bench/ row): 71.4 vs 71.9 texts/s
  // at 16 vs 32, short texts' p99 at 60 texts/s 167 vs 199 ms.
  options.max_batch_size = OrDefault(batching.max_batch_size(), 16);
  // 64: 16 sentences at the bundled models' beam 4. A beam-16 request runs 4
  // sentences a batch: its steps then take about as long as anyone else's,
  // so another client or class waits no longer for the step it preempts
  // after (README "Priorities and fair queuing").
  options.max_batch_rows = OrDefault(batching.max_batch_rows(), 64);
  options.max_queue_delay = absl::Milliseconds(batching.max_queue_delay_ms());
  options.max_queue_size = OrDefault(batching.max_queue_size(), 1024);
  // 500 ms: under a burst the queue then holds half a second of work, which
  // drains within a second of the burst's end (bench/run_overload_bench.py).
  options.max_queue_wait = absl::Milliseconds(OrDefault(batching.max_queue_wait_ms(), 500));
  options.join_delay = absl::Milliseconds(batching.has_join_delay_ms() ? batching.join_delay_ms()
                                                                       : kDefaultJoinDelayMs);
  // One single-threaded worker per core by default: the worker's serial part
  // (search bookkeeping, admitting sentences, answering RPCs) then overlaps
  // with the other workers' math. With models/en-de on 2 cores and
  // liteformer-load at 64 in flight (by hand, README "The server under
  // load"): 2 workers x 1 thread served 33.5 texts/s, 1 worker x 2 threads 17.7.
  options.workers = OrDefault(batching.workers(), cores);
  // 3: a bulk batch, a normal one set aside for an interactive one, and no
  // more, so that a worker's caches stay bounded.
  options.max_held_batches = OrDefault(batching.max_held_batches(), 3);
  for (Priority priority : kPriorities) {
    const v1::PriorityClassConfig& own = priority == Priority::kInteractive ? batching.interactive()
                                         : priority == Priority::kNormal    ? batching.normal()
                                                                            : batching.bulk();
    options.classes[PriorityIndex(priority)] = {.max_batch_size = static_cast<int>(own.max_batch_size()),
                                                .max_queue_size = static_cast<int>(own.max_queue_size())};
  }
  options.threads_per_worker =
      OrDefault(batching.threads_per_worker(), std::max(1, cores / options.workers));
  return options;
}

}  // namespace

std::string ModelNameForPath(const std::string& path) {
  std::string name = std::filesystem::path(path).lexically_normal().filename().string();
  if (name.empty())
    name = std::filesystem::path(path).lexically_normal().parent_path().filename().string();
  return name;
}

absl::StatusOr<v1::ServerConfig> ReadServerConfig(const std::string& path) {
  v1::ServerConfig config;
  if (path.empty()) return config;
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the config file"));
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a valid liteformer.v1.ServerConfig: ", errors.Text()));
  }
  return config;
}

absl::StatusOr<ResolvedServerConfig> ResolveServerConfig(const v1::ServerConfig& config,
                                                         const std::string& source_name,
                                                         int cores) {
  namespace fs = std::filesystem;
  ResolvedServerConfig resolved;
  for (const google::protobuf::Message* message :
       std::initializer_list<const google::protobuf::Message*>{
           &config, &config.batching(), &config.batching().interactive(),
           &config.batching().normal(), &config.batching().bulk(), &config.limits(),
           &config.connections()}) {
    if (absl::Status status = CheckRange(*message, source_name); !status.ok()) return status;
  }
  for (const v1::ModelEntry& entry : config.models()) {
    for (const google::protobuf::Message* message : std::initializer_list<const google::protobuf::Message*>{
             &entry.batching(), &entry.batching().interactive(), &entry.batching().normal(),
             &entry.batching().bulk()}) {
      if (absl::Status status = CheckRange(*message, source_name); !status.ok()) return status;
    }
  }
  if (!config.listen().empty()) resolved.listen = config.listen();
  if (!config.metrics_listen().empty()) resolved.metrics_listen = config.metrics_listen();
  if (config.drain_grace_seconds() != 0) {
    resolved.drain_grace = absl::Seconds(config.drain_grace_seconds());
  }
  const v1::ConnectionsConfig& connections = config.connections();
  auto seconds_or = [](std::uint32_t value, absl::Duration fallback) {
    return value == 0 ? fallback : absl::Seconds(value);
  };
  ConnectionSettings& settings = resolved.connections;
  settings.max_idle = seconds_or(connections.max_idle_seconds(), settings.max_idle);
  settings.max_age = seconds_or(connections.max_age_seconds(), settings.max_age);
  settings.max_age_grace = seconds_or(connections.max_age_grace_seconds(), settings.max_age_grace);
  settings.keepalive_time =
      seconds_or(connections.keepalive_time_seconds(), settings.keepalive_time);
  settings.keepalive_timeout =
      seconds_or(connections.keepalive_timeout_seconds(), settings.keepalive_timeout);
  if (config.cache().has_size_mb()) {
    // 64 GB: past any machine this serves on, and no overflow below.
    constexpr std::uint32_t kMaxCacheMb = 65536;
    if (config.cache().size_mb() > kMaxCacheMb) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_name, ": cache.size_mb = ", config.cache().size_mb(), " exceeds ", kMaxCacheMb));
    }
    resolved.cache_bytes = std::size_t{config.cache().size_mb()} << 20;
  }
  absl::StatusOr<QuotaSettings> quotas = ResolveQuotas(config.quotas(), source_name);
  if (!quotas.ok()) return quotas.status();
  resolved.quotas = *std::move(quotas);
  const v1::Limits& limits = config.limits();
  resolved.limits.max_texts_per_request = OrDefault(limits.max_texts_per_request(), 64);
  resolved.limits.max_chars_per_text = OrDefault(limits.max_chars_per_text(), 10000);
  resolved.limits.max_tokens_per_sentence = OrDefault(limits.max_tokens_per_sentence(), 0);
  resolved.limits.max_beam_size = OrDefault(limits.max_beam_size(), 16);
  resolved.limits.max_length = OrDefault(limits.max_length(), 0);
  resolved.limits.max_sentences_per_request = OrDefault(limits.max_sentences_per_request(), 256);

  resolved.default_scheduler = ToSchedulerOptions(config.batching(), cores);
  std::vector<v1::ModelEntry> entries(config.models().begin(), config.models().end());
  if (entries.empty()) {
    const std::string dir = config.models_dir().empty() ? "models" : config.models_dir();
    std::error_code error;
    if (!fs::is_directory(dir, error)) {
      return absl::NotFoundError(
          absl::StrCat(source_name, ": models_dir '", dir, "' is not a directory"));
    }
    std::vector<std::string> paths;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
      if (fs::exists(entry.path() / "config.json")) paths.push_back(entry.path().string());
    }
    std::sort(paths.begin(), paths.end());
    for (const std::string& path : paths) entries.emplace_back().set_path(path);
    if (entries.empty()) {
      return absl::NotFoundError(
          absl::StrCat(source_name, ": no model directory (with a config.json) under '", dir, "'"));
    }
  }
  for (const v1::ModelEntry& entry : entries) {
    if (entry.path().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": model '", entry.name(), "' has no path"));
    }
    ServedModelConfig model;
    model.path = entry.path();
    model.name = entry.name().empty() ? ModelNameForPath(entry.path()) : entry.name();
    if (absl::Status status = CheckModelName(model.name); !status.ok()) {
      // A name clients could not ask for (a directory named "my model", say).
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": model '", absl::CHexEscape(model.name.substr(0, 200)),
                       "' (path ", entry.path(), "): ", status.message()));
    }
    for (const ServedModelConfig& other : resolved.models) {
      if (other.name == model.name) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_name, ": two models are named '", model.name, "'"));
      }
    }
    model.is_default = entry.default_();
    if (entry.has_context_window()) model.context_window = entry.context_window();
    switch (entry.compute_type()) {
      case v1::COMPUTE_TYPE_UNSPECIFIED:
      case v1::FLOAT32:
        model.compute_type = ComputeType::kFloat32;
        break;
      case v1::INT8:
        model.compute_type = ComputeType::kInt8;
        break;
      default:  // a number the text format took for an enum value
        return absl::InvalidArgumentError(absl::StrCat(source_name, ": model '", model.name,
                                                       "': unknown compute_type ",
                                                       static_cast<int>(entry.compute_type())));
    }
    model.scheduler = ToSchedulerOptions(Merge(config.batching(), entry.batching()), cores);
    resolved.models.push_back(std::move(model));
  }
  return resolved;
}

}  // namespace liteformer

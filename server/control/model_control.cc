#include "server/control/model_control.h"

#include <algorithm>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/control/model_files.h"
#include "server/request/model_name.h"
#include "spdlog/spdlog.h"

namespace liteformer {
namespace {

constexpr std::size_t kMaxPathBytes = 1024;
// A deployment's rename of a model directory takes microseconds.
constexpr absl::Duration kMissingRecheck = absl::Seconds(1);

}  // namespace

absl::StatusOr<ModelControlMode> ParseModelControlMode(const std::string& text) {
  if (text == "none") return ModelControlMode::kNone;
  if (text == "explicit") return ModelControlMode::kExplicit;
  if (text == "poll") return ModelControlMode::kPoll;
  return absl::InvalidArgumentError(
      absl::StrCat("--model_control=", text.substr(0, 40), " is not one of none, explicit, poll"));
}

ModelControl::ModelControl(ModelRegistry& registry, ServerMetrics& metrics, ModelControlMode mode,
                           absl::Duration poll_interval, ReadConfig read_config)
    : registry_(registry),
      metrics_(metrics),
      mode_(mode),
      poll_interval_(poll_interval),
      read_config_(std::move(read_config)) {}

void ModelControl::set_health(SetHealth set_health) {
  std::lock_guard<std::mutex> lock(mu_);
  set_health_ = std::move(set_health);
}

absl::Status ModelControl::LoadAll(const ResolvedServerConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  default_scheduler_ = config.default_scheduler;
  for (const ServedModelConfig& model : config.models) {
    absl::StatusOr<bool> loaded = LoadLocked(model, /*by_path=*/false, /*retry_refused=*/false);
    if (!loaded.ok()) return loaded.status();
  }
  warm_up_ = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> ModelControl::LoadLocked(const ServedModelConfig& config, bool by_path,
                                              bool retry_refused) {
  const auto refuse = [&](const absl::Status& status, const std::string& listing) {
    const absl::Status named(status.code(),
                             absl::StrCat("model '", config.name, "': ", status.message()));
    registry_.RecordFailure(config.name, config.path, std::string(named.message()));
    // The same files are not tried again until they change (or LoadModel
    // asks for it).
    Known& known = known_[config.name];
    known.config = config;
    known.listing = listing;
    known.refused = true;
    known.by_path = by_path;
    return named;
  };
  absl::StatusOr<std::string> listing = ModelFilesListing(config.path);
  if (!listing.ok()) return refuse(listing.status(), "");
  auto known = known_.find(config.name);
  const bool serving = registry_.Serving(config.name) != nullptr;
  if (known != known_.end() && known->second.config == config &&
      known->second.listing == *listing && !(known->second.refused && retry_refused)) {
    return false;  // Unchanged since it was loaded, or refused.
  }
  absl::StatusOr<std::string> checksum = ModelFilesChecksum(config.path);
  if (!checksum.ok()) return refuse(checksum.status(), *listing);
  if (serving && known != known_.end() && known->second.config == config &&
      known->second.checksum == *checksum) {
    // Touched, not changed (or back to what serves after a refused version).
    known->second.listing = *listing;
    known->second.refused = false;
    registry_.RecordFailure(config.name, config.path, "");
    return false;
  }
  // On a thread of its own, whose OpenMP team (oneDNN reorders weights in
  // parallel) ends with it: see main.cc.
  absl::StatusOr<std::unique_ptr<ServedModel>> model;
  absl::Status warmed;
  const absl::Time start = absl::Now();
  std::thread loader([&] {
    model = ServedModel::Load(config, metrics_.ForModel(config.name));
    if (model.ok() && warm_up_) warmed = (*model)->Warm();
  });
  loader.join();
  const absl::Duration took = absl::Now() - start;
  if (!model.ok()) return refuse(model.status(), *listing);
  if (!warmed.ok()) {
    return refuse(
        absl::Status(warmed.code(), absl::StrCat("the warm-up decode failed: ", warmed.message())),
        *listing);
  }
  const std::string version = (*model)->info().version();
  registry_.Serve(std::shared_ptr<ServedModel>(*std::move(model)), config.is_default);
  known_[config.name] = Known{config, *listing, *checksum, false, by_path};
  if (set_health_) set_health_(config.name, true);
  spdlog::info("model {}: version {} (sha256 {}) from {} serves (loaded and warmed in {} ms){}",
               config.name, version, checksum->substr(0, 12), config.path,
               absl::ToInt64Milliseconds(took),
               serving ? "; the version before finishes the requests it holds" : "");
  return true;
}

absl::Status ModelControl::UnloadLocked(const std::string& name, const char* reason) {
  known_.erase(name);
  if (absl::Status status = registry_.Remove(name); !status.ok()) return status;
  if (set_health_) set_health_(name, false);
  spdlog::info("{}: model {} unloaded; requests in flight finish", reason, name);
  return absl::OkStatus();
}

void ModelControl::Reload(const char* reason) {
  absl::StatusOr<ResolvedServerConfig> config = read_config_();
  std::lock_guard<std::mutex> lock(mu_);
  if (!config.ok()) {
    spdlog::error("{}: keeping the models as they are: {}", reason,
                  std::string(config.status().message()));
    return;
  }
  default_scheduler_ = config->default_scheduler;
  int loaded = 0;
  int failed = 0;
  for (const ServedModelConfig& model : config->models) {
    absl::StatusOr<bool> changed = LoadLocked(model, /*by_path=*/false, /*retry_refused=*/false);
    if (!changed.ok()) {
      ++failed;
      metrics_.RecordModelLoad(model.name, false);
      spdlog::error(
          "{}: {}{}", reason, std::string(changed.status().message()),
          registry_.Serving(model.name) != nullptr ? "; the version before keeps serving" : "");
    } else if (*changed) {
      ++loaded;
      metrics_.RecordModelLoad(model.name, true);
    }
  }
  const auto not_listed = [&](const ResolvedServerConfig& listing) {
    std::vector<std::string> gone;
    for (const std::string& name : registry_.names()) {
      const auto known = known_.find(name);
      if (known != known_.end() && known->second.by_path) continue;
      bool listed = false;
      for (const ServedModelConfig& model : listing.models) listed |= model.name == name;
      if (!listed) gone.push_back(name);
    }
    return gone;
  };
  if (std::vector<std::string> gone = not_listed(*config); !gone.empty()) {
    // A directory being replaced (renamed away, the new one renamed in) is
    // missing from a models_dir scan for a moment: only a model still
    // missing a while later is unloaded.
    absl::SleepFor(kMissingRecheck);
    absl::StatusOr<ResolvedServerConfig> again = read_config_();
    if (again.ok()) {
      for (const std::string& name : not_listed(*again)) {
        if (std::find(gone.begin(), gone.end(), name) != gone.end()) {
          UnloadLocked(name, reason).IgnoreError();
        }
      }
    }
  }
  if (loaded > 0 || failed > 0) {
    spdlog::info("{}: {} model version(s) loaded, {} refused", reason, loaded, failed);
  }
}

absl::StatusOr<ModelControl::Loaded> ModelControl::Load(const std::string& name,
                                                        const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  ServedModelConfig config;
  bool by_path = !path.empty();
  if (path.empty()) {
    if (name.empty()) return absl::InvalidArgumentError("LoadModel needs a name or a path");
    if (absl::Status status = CheckModelName(name); !status.ok()) return status;
    const auto known = known_.find(name);
    if (known == known_.end()) {
      return absl::NotFoundError(absl::StrCat(
          "model '", name, "' is not known: give its directory as the path to load it"));
    }
    config = known->second.config;
    by_path = known->second.by_path;
  } else {
    // Echoed in errors: bounded, and no bytes a log or terminal would act on.
    if (path.size() > kMaxPathBytes || std::any_of(path.begin(), path.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20;
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat("path '", absl::CHexEscape(path.substr(0, 200)), "' (", path.size(),
                       " bytes) is not a usable directory path: at most ", kMaxPathBytes,
                       " bytes, no control characters"));
    }
    config.name = name.empty() ? ModelNameForPath(path) : name;
    if (absl::Status status = CheckModelName(config.name); !status.ok()) return status;
    const auto known = known_.find(config.name);
    if (known != known_.end()) {
      config = known->second.config;  // Its batching, context window and default flag stay.
    } else {
      config.scheduler = default_scheduler_;
    }
    config.path = path;
  }
  absl::StatusOr<bool> changed = LoadLocked(config, by_path, /*retry_refused=*/true);
  metrics_.RecordModelLoad(config.name, changed.ok());
  if (!changed.ok()) {
    spdlog::error("LoadModel: {}", std::string(changed.status().message()));
    return changed.status();
  }
  Loaded loaded;
  loaded.changed = *changed;
  for (v1::ModelInfo& info : registry_.List()) {
    if (info.name() == config.name) loaded.info = std::move(info);
  }
  return loaded;
}

absl::Status ModelControl::Unload(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return UnloadLocked(name, "UnloadModel");
}

void ModelControl::Tick(absl::Time now) {
  if (mode_ == ModelControlMode::kPoll && now >= next_poll_) {
    next_poll_ = now + poll_interval_;
    Reload("poll");
  }
  registry_.Reap();
  metrics_.SetRetiredVersions(registry_.retired());
}

}  // namespace liteformer

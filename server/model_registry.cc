#include "server/model_registry.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/util/status_macros.h"
#include "server/request/model_name.h"

namespace liteformer {

void ModelRegistry::Serve(std::shared_ptr<ServedModel> model, bool is_default) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& entry) { return entry.name == model->name(); });
  if (it == entries_.end()) {
    it = entries_.insert(entries_.end(), Entry());
    it->name = model->name();
  } else if (it->serving != nullptr) {
    retired_.push_back(std::move(it->serving));
  }
  it->path = model->path();
  it->serving = std::move(model);
  it->is_default = is_default;
  it->error.clear();
}

void ModelRegistry::RecordFailure(const std::string& name, const std::string& path,
                                  const std::string& error) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& entry) { return entry.name == name; });
  if (it == entries_.end()) {
    it = entries_.insert(entries_.end(), Entry());
    it->name = name;
    it->path = path;
  }
  it->error = error;
}

absl::Status ModelRegistry::Remove(const std::string& name) {
  RETURN_IF_ERROR(CheckModelName(name));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& entry) { return entry.name == name; });
  if (it == entries_.end()) {
    return absl::NotFoundError(
        absl::StrCat("model '", name, "' is not served; served models: ", ServedNamesLocked()));
  }
  if (it->serving != nullptr) retired_.push_back(std::move(it->serving));
  entries_.erase(it);
  return absl::OkStatus();
}

std::string ModelRegistry::ServedNamesLocked() const {
  std::vector<std::string> names;
  for (const Entry& entry : entries_) {
    if (entry.serving == nullptr) continue;
    names.push_back(absl::StrCat(entry.name, " (", entry.serving->info().task(), ")"));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

const ModelRegistry::Entry* ModelRegistry::DefaultLocked(Task task) const {
  const Entry* first = nullptr;
  for (const Entry& entry : entries_) {
    if (entry.serving == nullptr || entry.serving->task() != task) continue;
    if (entry.is_default) return &entry;
    if (first == nullptr) first = &entry;
  }
  return first;
}

absl::StatusOr<std::shared_ptr<ServedModel>> ModelRegistry::Find(const std::string& name,
                                                                 Task task) const {
  // Checked before the name is compared or echoed in the NOT_FOUND below.
  if (!name.empty()) RETURN_IF_ERROR(CheckModelName(name));
  std::lock_guard<std::mutex> lock(mu_);
  if (name.empty()) {
    if (const Entry* entry = DefaultLocked(task); entry != nullptr) return entry->serving;
    return absl::NotFoundError(absl::StrCat(
        "no ", TaskName(task), " model is served; served models: ", ServedNamesLocked()));
  }
  for (const Entry& entry : entries_) {
    if (entry.name != name || entry.serving == nullptr) continue;
    if (entry.serving->task() != task) {
      return absl::InvalidArgumentError(absl::StrCat("model '", name, "' is a ",
                                                     entry.serving->info().task(), " model, not a ",
                                                     TaskName(task), " model"));
    }
    return entry.serving;
  }
  return absl::NotFoundError(
      absl::StrCat("model '", name, "' is not served; served models: ", ServedNamesLocked()));
}

std::shared_ptr<ServedModel> ModelRegistry::Serving(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Entry& entry : entries_) {
    if (entry.name == name) return entry.serving;
  }
  return nullptr;
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::models() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<ServedModel>> models;
  for (const Entry& entry : entries_) {
    if (entry.serving != nullptr) models.push_back(entry.serving);
  }
  return models;
}

std::vector<std::string> ModelRegistry::names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const Entry& entry : entries_) names.push_back(entry.name);
  return names;
}

std::vector<v1::ModelInfo> ModelRegistry::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<v1::ModelInfo> list;
  for (const Entry& entry : entries_) {
    v1::ModelInfo& info = list.emplace_back();
    if (entry.serving != nullptr) {
      info = entry.serving->info();
      info.set_state(v1::MODEL_SERVING);
      info.set_is_default(DefaultLocked(entry.serving->task()) == &entry);
    } else {
      info.set_name(entry.name);
      info.set_state(v1::MODEL_FAILED);
    }
    info.set_path(entry.path);
    info.set_error(entry.error);
  }
  return list;
}

void ModelRegistry::Reap() {
  std::vector<std::shared_ptr<ServedModel>> freed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto unused = std::stable_partition(
        retired_.begin(), retired_.end(),
        [](const std::shared_ptr<ServedModel>& model) { return model.use_count() > 1; });
    freed.assign(std::make_move_iterator(unused), std::make_move_iterator(retired_.end()));
    retired_.erase(unused, retired_.end());
  }
  // Destroyed here, outside the lock: each joins its scheduler's workers.
}

int ModelRegistry::retired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(retired_.size());
}

void ModelRegistry::Drain(absl::Duration grace) {
  std::vector<std::shared_ptr<ServedModel>> all = models();
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.insert(all.end(), retired_.begin(), retired_.end());
  }
  std::vector<std::thread> drains;
  for (std::shared_ptr<ServedModel>& model : all) {
    drains.emplace_back([&model, grace] { model->scheduler().Drain(grace); });
  }
  for (std::thread& drain : drains) drain.join();
}

}  // namespace liteformer

#include "server/model_registry.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/util/status_macros.h"
#include "server/request/model_name.h"

namespace liteformer {

void ModelRegistry::Add(std::unique_ptr<ServedModel> model, bool is_default) {
  bool task_has_default = false;
  for (std::unique_ptr<ServedModel>& other : models_) {
    if (other->task() != model->task() || !other->info().is_default()) continue;
    if (is_default) {
      other->set_default(false);
    } else {
      task_has_default = true;
    }
  }
  model->set_default(is_default || !task_has_default);
  models_.push_back(std::move(model));
}

std::string ModelRegistry::ServedNames() const {
  std::vector<std::string> names;
  for (const std::unique_ptr<ServedModel>& model : models_) {
    names.push_back(absl::StrCat(model->name(), " (", model->info().task(), ")"));
  }
  return names.empty() ? "none" : absl::StrJoin(names, ", ");
}

absl::StatusOr<ServedModel*> ModelRegistry::Find(const std::string& name, Task task) const {
  // Checked before the name is compared or echoed in the NOT_FOUND below.
  if (!name.empty()) RETURN_IF_ERROR(CheckModelName(name));
  for (const std::unique_ptr<ServedModel>& model : models_) {
    if (name.empty() ? (model->task() == task && model->info().is_default())
                     : model->name() == name) {
      if (model->task() != task) {
        return absl::InvalidArgumentError(absl::StrCat("model '", name, "' is a ",
                                                       model->info().task(), " model, not a ",
                                                       TaskName(task), " model"));
      }
      return model.get();
    }
  }
  if (name.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no ", TaskName(task), " model is served; served models: ", ServedNames()));
  }
  return absl::NotFoundError(
      absl::StrCat("model '", name, "' is not served; served models: ", ServedNames()));
}

void ModelRegistry::Drain(absl::Duration grace) {
  std::vector<std::thread> drains;
  for (std::unique_ptr<ServedModel>& model : models_) {
    drains.emplace_back([&model, grace] { model->scheduler().Drain(grace); });
  }
  for (std::thread& drain : drains) drain.join();
}

}  // namespace liteformer

// ModelRegistry: the models this server serves, by name, and the default
// model of each task.
#ifndef LITEFORMER_SERVER_MODEL_REGISTRY_H_
#define LITEFORMER_SERVER_MODEL_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/served_model.h"

namespace liteformer {

class ModelRegistry {
 public:
  // The first model of a task is its default unless another is marked so.
  void Add(std::unique_ptr<ServedModel> model, bool is_default);

  // `name` empty: the task's default. NOT_FOUND lists the models served;
  // a model of another task is INVALID_ARGUMENT naming both tasks.
  absl::StatusOr<ServedModel*> Find(const std::string& name, Task task) const;

  const std::vector<std::unique_ptr<ServedModel>>& models() const { return models_; }

  // Stops every scheduler, letting work finish for up to `grace` (all
  // models drain at once, so the grace is shared, not summed).
  void Drain(absl::Duration grace);

 private:
  std::string ServedNames() const;

  std::vector<std::unique_ptr<ServedModel>> models_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_MODEL_REGISTRY_H_

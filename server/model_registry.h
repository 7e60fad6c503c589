// ModelRegistry: the models this server serves, by name, the default model
// of each task, and the versions a reload replaced that still finish work.
// Thread-safe: requests look models up while reloads swap them.
#ifndef LITEFORMER_SERVER_MODEL_REGISTRY_H_
#define LITEFORMER_SERVER_MODEL_REGISTRY_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/served_model.h"

namespace liteformer {

class ModelRegistry {
 public:
  // Serves `model` under its name, in place of any version of that name:
  // new requests get `model`; the old version finishes what it holds and is
  // freed by Reap once no request holds it. `is_default`: the default of its
  // task (else the first of the task listed is).
  void Serve(std::shared_ptr<ServedModel> model, bool is_default);

  // A load of `name` from `path` failed: a version that serves keeps
  // serving, and ListModels shows `error` beside it; with none, the name is
  // listed as MODEL_FAILED. Serve clears it.
  void RecordFailure(const std::string& name, const std::string& path, const std::string& error);

  // New requests for `name` get NOT_FOUND; its work in flight finishes.
  absl::Status Remove(const std::string& name);

  // `name` empty: the task's default. NOT_FOUND lists the models served;
  // a model of another task is INVALID_ARGUMENT naming both tasks. The
  // request holds the version it got until it ends.
  absl::StatusOr<std::shared_ptr<ServedModel>> Find(const std::string& name, Task task) const;

  // The version serving `name`, or null.
  std::shared_ptr<ServedModel> Serving(const std::string& name) const;
  // Every version that serves.
  std::vector<std::shared_ptr<ServedModel>> models() const;
  // Every name listed (serving or failed), in order.
  std::vector<std::string> names() const;
  // ListModels: every name, its state and last error.
  std::vector<v1::ModelInfo> List() const;

  // Frees the replaced versions no request holds any more (their workers
  // stop). Not on a worker thread of theirs.
  void Reap();
  // Replaced versions still finishing work.
  int retired() const;

  // Stops every scheduler, replaced versions' too, letting work finish for
  // up to `grace` (all drain at once, so the grace is shared, not summed).
  void Drain(absl::Duration grace);

 private:
  struct Entry {
    std::string name;
    std::string path;
    std::shared_ptr<ServedModel> serving;  // Null: none serves (failed).
    bool is_default = false;
    std::string error;  // The last failed load's, until a load succeeds.
  };

  // Under mu_.
  std::string ServedNamesLocked() const;
  const Entry* DefaultLocked(Task task) const;

  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  std::vector<std::shared_ptr<ServedModel>> retired_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_MODEL_REGISTRY_H_

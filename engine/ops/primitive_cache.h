// PrimitiveCache: oneDNN primitives keyed by shape, created on first use and
// shared by all workers (they execute with a user scratchpad). Creation costs
// ~0.2 ms, so each shape pays it once per process, never per step.
#ifndef LITEFORMER_ENGINE_OPS_PRIMITIVE_CACHE_H_
#define LITEFORMER_ENGINE_OPS_PRIMITIVE_CACHE_H_

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace liteformer {

template <typename Key, typename Value>
class PrimitiveCache {
 public:
  // Returns the cached value for `key`, creating it with `make()` if absent.
  // The reference stays valid for the cache's lifetime.
  template <typename Make>
  const Value& Get(const Key& key, Make&& make) const {
    {
      absl::ReaderMutexLock lock(&mutex_);
      if (auto it = values_.find(key); it != values_.end()) return *it->second;
    }
    auto value = std::make_unique<Value>(make());
    absl::MutexLock lock(&mutex_);
    auto [it, inserted] = values_.try_emplace(key, std::move(value));
    return *it->second;
  }

 private:
  mutable absl::Mutex mutex_;
  mutable absl::flat_hash_map<Key, std::unique_ptr<Value>> values_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_PRIMITIVE_CACHE_H_

// ResponseCache: finished sentences by what determines them, so a repeated
// sentence is answered without decoding. Results are batch-invariant (a
// sentence's result does not depend on its batch), so a cached result is the
// one decoding would give again.
//
// Least recently used entries go first once the entries' bytes pass the
// budget. Thread-safe. What goes into a key (the model instance, the
// effective options, the source ids) is the caller's: see CacheKey in
// server/service/text_requests.cc.
#ifndef LITEFORMER_SERVER_CACHE_RESPONSE_CACHE_H_
#define LITEFORMER_SERVER_CACHE_RESPONSE_CACHE_H_

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "engine/search/decoding_batch.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace liteformer {

// Where the cache reports; any pointer may be null.
struct ResponseCacheMetrics {
  prometheus::Gauge* bytes = nullptr;
  prometheus::Gauge* entries = nullptr;
  prometheus::Counter* evictions = nullptr;
};

class ResponseCache {
 public:
  // `max_bytes` 0: every Find misses and Insert keeps nothing.
  explicit ResponseCache(std::size_t max_bytes, ResponseCacheMetrics metrics = {});
  ResponseCache(const ResponseCache&) = delete;
  ResponseCache& operator=(const ResponseCache&) = delete;

  bool enabled() const { return max_bytes_ > 0; }

  // A copy of the entry (now the most recently used), or nothing.
  std::optional<FinishedSentence> Find(const std::string& key);
  // Keeps `sentence` under `key` (replacing an entry with the same key), then
  // drops the least recently used entries until the budget holds. An entry
  // larger than the whole budget is not kept.
  void Insert(const std::string& key, const FinishedSentence& sentence);

  std::size_t bytes() const;
  std::size_t size() const;

  // What an entry is charged: its key, its hypotheses' tokens and scores,
  // and the containers' own overhead.
  static std::size_t EntryBytes(const std::string& key, const FinishedSentence& sentence);

 private:
  struct Entry {
    std::string key;
    FinishedSentence sentence;
    std::size_t bytes;
  };
  void EvictLocked(std::size_t budget);
  void ReportLocked();

  const std::size_t max_bytes_;
  const ResponseCacheMetrics metrics_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // Most recently used first.
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_CACHE_RESPONSE_CACHE_H_

#include "server/cache/response_cache.h"

namespace liteformer {
namespace {

// A list node, a hash slot and the strings' and vectors' headers.
constexpr std::size_t kEntryOverhead = 160;

}  // namespace

ResponseCache::ResponseCache(std::size_t max_bytes, ResponseCacheMetrics metrics)
    : max_bytes_(max_bytes), metrics_(metrics) {}

std::size_t ResponseCache::EntryBytes(const std::string& key, const FinishedSentence& sentence) {
  std::size_t bytes = kEntryOverhead + 2 * key.size();  // The entry's key and the index's.
  for (const Hypothesis& h : sentence.hypotheses) {
    bytes +=
        sizeof(Hypothesis) + h.tokens.size() * sizeof(int) + h.token_scores.size() * sizeof(float);
  }
  return bytes;
}

std::optional<FinishedSentence> ResponseCache::Find(const std::string& key) {
  if (!enabled()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  const auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->sentence;
}

void ResponseCache::Insert(const std::string& key, const FinishedSentence& sentence) {
  const std::size_t bytes = EntryBytes(key, sentence);
  if (!enabled() || bytes > max_bytes_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (const auto found = index_.find(key); found != index_.end()) {
    bytes_ -= found->second->bytes;
    lru_.erase(found->second);
    index_.erase(found);
  }
  EvictLocked(max_bytes_ - bytes);
  lru_.push_front(Entry{key, sentence, bytes});
  index_[key] = lru_.begin();
  bytes_ += bytes;
  ReportLocked();
}

void ResponseCache::EvictLocked(std::size_t budget) {
  while (bytes_ > budget && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().key);
    lru_.pop_back();
    if (metrics_.evictions != nullptr) metrics_.evictions->Increment();
  }
}

void ResponseCache::ReportLocked() {
  if (metrics_.bytes != nullptr) metrics_.bytes->Set(static_cast<double>(bytes_));
  if (metrics_.entries != nullptr) metrics_.entries->Set(static_cast<double>(lru_.size()));
}

std::size_t ResponseCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

std::size_t ResponseCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace liteformer

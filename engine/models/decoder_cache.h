// DecoderCache: the decoding state of a running batch, one row per live
// hypothesis. Each row owns its layers' caches and shares its source's
// encoder-decoder keys/values with the other beams of that source. Between
// steps the search reorders rows by beam (repeating or dropping rows), and
// the scheduler appends rows of newly arrived sentences (step-level
// batching).
#ifndef LITEFORMER_ENGINE_MODELS_DECODER_CACHE_H_
#define LITEFORMER_ENGINE_MODELS_DECODER_CACHE_H_

#include <memory>
#include <span>
#include <vector>

#include "engine/layers/layer_cache.h"

namespace liteformer {

// Encoder-decoder keys/values of one source, for every decoder layer.
struct SourceMemory {
  int length = 0;
  std::vector<CrossAttentionMemory> layers;
};

struct DecoderRow {
  std::shared_ptr<const SourceMemory> source;  // Null for a language model.
  int steps = 0;                               // Tokens consumed so far.
  std::vector<LayerCache> layers;
};

class DecoderCache {
 public:
  int size() const { return static_cast<int>(rows_.size()); }
  bool empty() const { return rows_.empty(); }
  DecoderRow& row(int i) { return rows_[i]; }
  const DecoderRow& row(int i) const { return rows_[i]; }

  void Append(DecoderRow row) { rows_.push_back(std::move(row)); }

  // New row i becomes old row indices[i]; rows not named are dropped, rows
  // named twice are copied. The last use of each old row is moved, not copied.
  void Reorder(std::span<const int> indices) {
    std::vector<int> last_use(rows_.size(), -1);
    for (int i = 0; i < static_cast<int>(indices.size()); ++i) last_use[indices[i]] = i;
    std::vector<DecoderRow> reordered;
    reordered.reserve(indices.size());
    for (int i = 0; i < static_cast<int>(indices.size()); ++i) {
      DecoderRow& old = rows_[indices[i]];
      if (last_use[indices[i]] == i) {
        reordered.push_back(std::move(old));
      } else {
        reordered.push_back(old);
      }
    }
    rows_ = std::move(reordered);
  }

 private:
  std::vector<DecoderRow> rows_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_DECODER_CACHE_H_

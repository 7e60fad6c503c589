// The per-sequence decoding state of one decoder layer: self-attention keys
// and values of every step so far, and the convolution branch's last K−1
// inputs. Owned by the running batch (models/decoder_cache.h), never by the
// model, so one loaded model serves any number of concurrent sequences.
#ifndef LITEFORMER_ENGINE_LAYERS_LAYER_CACHE_H_
#define LITEFORMER_ENGINE_LAYERS_LAYER_CACHE_H_

#include <vector>

namespace liteformer {

struct SelfAttentionCache {
  std::vector<float> keys;    // [length, width]
  std::vector<float> values;  // [length, width]
  int length = 0;
};

struct ConvCache {
  // The last K−1 inputs, [K−1, channels], a ring whose slot `oldest` holds
  // the oldest (zeros before the start): a step overwrites one slot instead
  // of sliding the whole window.
  std::vector<float> history;
  int oldest = 0;
};

struct LayerCache {
  SelfAttentionCache attention;
  ConvCache conv;
};

// Encoder-decoder attention keys and values of one source for one layer,
// computed once per source and shared by all its beams.
struct CrossAttentionMemory {
  // Keys transposed, [width, source_length]: a query's scores against every
  // source position are then one vectorized pass over contiguous memory.
  std::vector<float> keys_transposed;
  std::vector<float> values;  // [source_length, width]
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_LAYERS_LAYER_CACHE_H_

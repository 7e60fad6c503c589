// The tensors a model directory must store, by fairseq name, with their
// shapes: the single C++ source of truth for what config.json implies
// (docs/model-format.md; mirrors tools/liteformer_ref's tensor layout).
#ifndef LITEFORMER_ENGINE_MODELS_TENSOR_LAYOUT_H_
#define LITEFORMER_ENGINE_MODELS_TENSOR_LAYOUT_H_

#include <vector>

#include "engine/models/model_config.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

TensorShapes ExpectedTensorShapes(const ModelConfig& config);

// Vocabulary band sizes and widths of an adaptive input/softmax.
struct AdaptiveBand {
  int begin = 0;  // First token id of the band.
  int size = 0;   // Number of tokens.
  int dim = 0;    // Embedding width of the band.
};
std::vector<AdaptiveBand> AdaptiveBands(const AdaptiveInputConfig& adaptive, int vocab_size,
                                        int embed_dim);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_TENSOR_LAYOUT_H_

// Shared construction of an encoder or decoder stack: the layer shapes that
// config.json implies, and the layers loaded from the weights.
#ifndef LITEFORMER_ENGINE_MODELS_STACK_H_
#define LITEFORMER_ENGINE_MODELS_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layers/transformer_layer.h"
#include "engine/models/model_config.h"
#include "engine/ops/layer_norm.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

struct Stack {
  std::vector<std::unique_ptr<TransformerLayer>> layers;
  std::unique_ptr<LayerNorm> final_norm;  // Null without a final LayerNorm.
};

// `name` is "encoder" or "decoder".
absl::StatusOr<Stack> LoadStack(const WeightReader& weights, const std::string& name,
                                const StackConfig& config);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_STACK_H_

#include "engine/models/stack.h"

#include "absl/strings/str_cat.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<Stack> LoadStack(const WeightReader& weights, const std::string& name,
                                const StackConfig& config) {
  Stack stack;
  for (int i = 0; i < config.layers; ++i) {
    LayerShape shape;
    shape.width = config.embed_dim;
    shape.ffn_width = config.ffn_dim;
    shape.normalize_before = config.normalize_before;
    shape.attention_heads = config.attention_heads;
    shape.cross_attention_heads = config.cross_attention_heads;
    if (config.conv) {
      if (!config.conv->weight_softmax) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ".conv.weight_softmax = false is not supported by the engine"));
      }
      shape.conv =
          ConvBranchShape{config.embed_dim / 2, config.conv->heads, config.conv->kernel_sizes[i],
                          config.conv->type == ConvType::kDynamic, config.conv->glu};
    }
    ASSIGN_OR_RETURN(auto layer,
                     TransformerLayer::Load(weights, absl::StrCat(name, ".layers.", i), shape));
    stack.layers.push_back(std::move(layer));
  }
  if (config.final_layer_norm) {
    ASSIGN_OR_RETURN(stack.final_norm, LoadLayerNorm(weights, name + ".layer_norm"));
  }
  return stack;
}

}  // namespace liteformer

#include "engine/models/tensor_layout.h"

#include "absl/strings/str_cat.h"

namespace liteformer {
namespace {

void AddLinear(TensorShapes& shapes, const std::string& name, std::int64_t out, std::int64_t in,
               bool bias = true) {
  shapes[name + ".weight"] = {out, in};
  if (bias) shapes[name + ".bias"] = {out};
}

void AddLayerNorm(TensorShapes& shapes, const std::string& name, std::int64_t dim) {
  shapes[name + ".weight"] = {dim};
  shapes[name + ".bias"] = {dim};
}

void AddAttention(TensorShapes& shapes, const std::string& name, std::int64_t dim) {
  for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
    AddLinear(shapes, absl::StrCat(name, ".", proj), dim, dim);
  }
}

void AddLayer(TensorShapes& shapes, const std::string& prefix, const StackConfig& stack,
              int layer) {
  const std::int64_t c = stack.embed_dim;
  if (stack.self_attention == SelfAttentionType::kMultihead) {
    AddAttention(shapes, prefix + "self_attn", c);
  } else {
    const std::int64_t cb = c / 2;
    const ConvConfig& conv = *stack.conv;
    const std::int64_t k = conv.kernel_sizes[layer];
    AddAttention(shapes, prefix + "self_attn.branches.0", cb);
    const std::string branch = prefix + "self_attn.branches.1";
    AddLinear(shapes, branch + ".linear1", conv.glu ? 2 * cb : cb, cb);
    if (conv.type == ConvType::kDynamic) {
      AddLinear(shapes, branch + ".weight_linear", conv.heads * k, cb, /*bias=*/false);
    } else {
      shapes[branch + ".weight"] = {conv.heads, 1, k};
    }
    AddLinear(shapes, branch + ".linear2", cb, cb);
  }
  AddLayerNorm(shapes, prefix + "self_attn_layer_norm", c);
  if (stack.cross_attention_heads > 0) {
    AddAttention(shapes, prefix + "encoder_attn", c);
    AddLayerNorm(shapes, prefix + "encoder_attn_layer_norm", c);
  }
  AddLinear(shapes, prefix + "fc1", stack.ffn_dim, c);
  AddLinear(shapes, prefix + "fc2", c, stack.ffn_dim);
  AddLayerNorm(shapes, prefix + "final_layer_norm", c);
}

void AddStack(TensorShapes& shapes, const std::string& name, const StackConfig& stack) {
  for (int i = 0; i < stack.layers; ++i) {
    AddLayer(shapes, absl::StrCat(name, ".layers.", i, "."), stack, i);
  }
  if (stack.final_layer_norm) AddLayerNorm(shapes, name + ".layer_norm", stack.embed_dim);
}

}  // namespace

std::vector<AdaptiveBand> AdaptiveBands(const AdaptiveInputConfig& adaptive, int vocab_size,
                                        int embed_dim) {
  std::vector<AdaptiveBand> bands;
  int begin = 0;
  int dim = embed_dim;
  std::vector<int> ends = adaptive.cutoffs;
  ends.push_back(vocab_size);
  for (int end : ends) {
    bands.push_back({begin, end - begin, dim});
    begin = end;
    dim /= adaptive.factor;
  }
  return bands;
}

TensorShapes ExpectedTensorShapes(const ModelConfig& config) {
  TensorShapes shapes;
  const StackConfig& decoder = config.decoder;
  if (config.encoder) {
    shapes["encoder.embed_tokens.weight"] = {config.vocab.source_size, config.encoder->embed_dim};
    AddStack(shapes, "encoder", *config.encoder);
  }
  if (config.adaptive_input) {
    const auto bands =
        AdaptiveBands(*config.adaptive_input, config.vocab.target_size, decoder.embed_dim);
    for (std::size_t b = 0; b < bands.size(); ++b) {
      const std::string band = absl::StrCat("decoder.embed_tokens.embeddings.", b);
      shapes[band + ".0.weight"] = {bands[b].size, bands[b].dim};
      shapes[band + ".1.weight"] = {decoder.embed_dim, bands[b].dim};
    }
    shapes["decoder.adaptive_softmax.head.class_proj.weight"] = {
        static_cast<std::int64_t>(bands.size() - 1), decoder.embed_dim};
  } else if (!config.share_all_embeddings) {
    shapes["decoder.embed_tokens.weight"] = {config.vocab.target_size, decoder.embed_dim};
    if (!config.share_decoder_input_output_embed) {
      shapes["decoder.embed_out"] = {config.vocab.target_size, decoder.embed_dim};
    }
  }
  AddStack(shapes, "decoder", decoder);
  return shapes;
}

}  // namespace liteformer

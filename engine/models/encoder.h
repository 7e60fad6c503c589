// The encoder: embeds and runs whole sources, packed without padding.
#ifndef LITEFORMER_ENGINE_MODELS_ENCODER_H_
#define LITEFORMER_ENGINE_MODELS_ENCODER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/layers/sequence_layout.h"
#include "engine/models/embeddings.h"
#include "engine/models/model_config.h"
#include "engine/models/stack.h"
#include "engine/tensor/aligned_buffer.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

class Encoder {
 public:
  static absl::StatusOr<std::unique_ptr<Encoder>> Load(
      const WeightReader& weights, const ModelConfig& config,
      std::shared_ptr<const TokenEmbedding> embedding);

  int dim() const { return config_.embed_dim; }

  // sources: token ids, each ending with </s>. Fills `out` with the packed
  // [total tokens, C] encoder output and `layout` with where each source is.
  void Encode(ComputeContext& ctx, const std::vector<std::vector<int>>& sources,
              AlignedBuffer<float>& out, SequenceLayout& layout) const;

  long Macs(int source_length) const;

 private:
  Encoder(const StackConfig& config, int max_positions)
      : config_(config), positions_(config.embed_dim, max_positions + 1) {}

  StackConfig config_;
  std::shared_ptr<const TokenEmbedding> embedding_;
  SinusoidalPositions positions_;
  Stack stack_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_ENCODER_H_

#include "engine/models/encoder.h"

#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<Encoder>> Encoder::Load(
    const WeightReader& weights, const ModelConfig& config,
    std::shared_ptr<const TokenEmbedding> embedding) {
  std::unique_ptr<Encoder> encoder(new Encoder(*config.encoder, config.max_source_positions));
  encoder->embedding_ = std::move(embedding);
  ASSIGN_OR_RETURN(encoder->stack_, LoadStack(weights, "encoder", *config.encoder));
  return encoder;
}

void Encoder::Encode(ComputeContext& ctx, const std::vector<std::vector<int>>& sources,
                     AlignedBuffer<float>& out, SequenceLayout& layout) const {
  std::vector<int> lengths;
  std::vector<int> tokens;
  std::vector<int> positions;
  for (const std::vector<int>& source : sources) {
    lengths.push_back(static_cast<int>(source.size()));
    for (std::size_t i = 0; i < source.size(); ++i) {
      tokens.push_back(source[i]);
      positions.push_back(static_cast<int>(i) + 2);  // fairseq positions start after pad (1).
    }
  }
  layout = SequenceLayout::FromLengths(lengths);
  out.EnsureSize(static_cast<std::size_t>(layout.total) * dim());
  embedding_->Embed(ctx, tokens, positions, positions_, out.data());
  for (const auto& layer : stack_.layers) {
    layer->ForwardSequences(ctx, out.data(), layout, /*causal=*/false);
  }
  if (stack_.final_norm) stack_.final_norm->Apply(ctx, out.data(), layout.total);
}

long Encoder::Macs(int source_length) const {
  long macs = 0;
  for (const auto& layer : stack_.layers) {
    // Every token attends to every source token.
    macs += static_cast<long>(source_length) * layer->MacsPerToken(source_length, 0);
  }
  return macs;
}

}  // namespace liteformer

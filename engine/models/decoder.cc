#include "engine/models/decoder.h"

#include <vector>

#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<Decoder>> Decoder::Load(
    const WeightReader& weights, const ModelConfig& config,
    std::shared_ptr<const TokenEmbedding> embedding) {
  std::unique_ptr<Decoder> decoder(new Decoder(config.decoder, config.max_target_positions));
  decoder->embedding_ = std::move(embedding);
  ASSIGN_OR_RETURN(decoder->stack_, LoadStack(weights, "decoder", config.decoder));
  const int vocab = config.vocab.target_size;
  const int dim = config.decoder.embed_dim;
  if (config.adaptive_input) {
    ASSIGN_OR_RETURN(decoder->output_,
                     OutputLayer::LoadAdaptive(weights, *config.adaptive_input, vocab, dim));
  } else if (config.share_all_embeddings || config.share_decoder_input_output_embed) {
    decoder->output_ = OutputLayer::FromProjection(decoder->embedding_->tied_projection());
  } else {
    ASSIGN_OR_RETURN(std::vector<float> embed_out, weights.Read("decoder.embed_out"));
    ASSIGN_OR_RETURN(decoder->output_,
                     OutputLayer::CreatePlain(embed_out, vocab, dim, weights.compute_type()));
  }
  return decoder;
}

std::shared_ptr<const SourceMemory> Decoder::ProjectMemory(ComputeContext& ctx,
                                                           const float* encoder_out,
                                                           int length) const {
  auto memory = std::make_shared<SourceMemory>();
  memory->length = length;
  for (const auto& layer : stack_.layers) {
    memory->layers.push_back(layer->cross_attention()->ProjectMemory(ctx, encoder_out, length));
  }
  return memory;
}

DecoderRow Decoder::NewRow(std::shared_ptr<const SourceMemory> source) const {
  DecoderRow row;
  row.source = std::move(source);
  for (const auto& layer : stack_.layers) row.layers.push_back(layer->NewCache());
  return row;
}

void Decoder::Step(ComputeContext& ctx, std::span<const int> tokens, DecoderCache& cache,
                   float* log_probs) const {
  const int rows = cache.size();
  const int c = dim();
  std::vector<int> positions(rows);
  std::vector<const CrossAttentionMemory*> memories(rows);
  std::vector<int> memory_lengths(rows);
  std::vector<LayerCache*> layer_caches(rows);
  for (int r = 0; r < rows; ++r) positions[r] = cache.row(r).steps + 2;
  float* x = ctx.Buffer(ComputeContext::kEmbedding, static_cast<std::size_t>(rows) * c);
  embedding_->Embed(ctx, tokens, positions, positions_, x);
  for (std::size_t l = 0; l < stack_.layers.size(); ++l) {
    for (int r = 0; r < rows; ++r) {
      DecoderRow& row = cache.row(r);
      layer_caches[r] = &row.layers[l];
      if (row.source) {
        memories[r] = &row.source->layers[l];
        memory_lengths[r] = row.source->length;
      }
    }
    stack_.layers[l]->ForwardStep(ctx, x, rows, layer_caches, memories, memory_lengths);
  }
  if (stack_.final_norm) stack_.final_norm->Apply(ctx, x, rows);
  output_->LogProbs(ctx, x, rows, log_probs);
  for (int r = 0; r < rows; ++r) ++cache.row(r).steps;
}

long Decoder::StepMacs(int steps, int source_length, bool with_output_projection) const {
  long macs = with_output_projection ? output_->MacsPerToken() : 0;
  for (const auto& layer : stack_.layers) macs += layer->MacsPerToken(steps + 1, source_length);
  return macs;
}

long Decoder::MemoryMacs(int source_length) const {
  if (!has_cross_attention()) return 0;
  const long c = dim();
  return static_cast<long>(stack_.layers.size()) * 2 * c * c * source_length;
}

}  // namespace liteformer

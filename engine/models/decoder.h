// The decoder, run one step at a time over the rows of a DecoderCache: each
// row feeds its next token at its own position and gets the log-probs of the
// token after it.
#ifndef LITEFORMER_ENGINE_MODELS_DECODER_H_
#define LITEFORMER_ENGINE_MODELS_DECODER_H_

#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "engine/models/decoder_cache.h"
#include "engine/models/embeddings.h"
#include "engine/models/model_config.h"
#include "engine/models/output_layer.h"
#include "engine/models/stack.h"
#include "engine/tensor/aligned_buffer.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

class Decoder {
 public:
  static absl::StatusOr<std::unique_ptr<Decoder>> Load(
      const WeightReader& weights, const ModelConfig& config,
      std::shared_ptr<const TokenEmbedding> embedding);

  int dim() const { return config_.embed_dim; }
  int vocab() const { return output_->vocab(); }
  // Longest sequence the positions allow (tokens fed, the first </s> included).
  int max_steps() const { return max_positions_; }
  bool has_cross_attention() const { return config_.cross_attention_heads > 0; }

  // Encoder-decoder keys/values of one encoded source ([length, C] rows).
  std::shared_ptr<const SourceMemory> ProjectMemory(ComputeContext& ctx, const float* encoder_out,
                                                    int length) const;
  // A row that has consumed nothing yet.
  DecoderRow NewRow(std::shared_ptr<const SourceMemory> source) const;

  // Feeds tokens[i] to row i of `cache`; log_probs: [rows, vocab].
  void Step(ComputeContext& ctx, std::span<const int> tokens, DecoderCache& cache,
            float* log_probs) const;

  // Multiply-adds of one step of one row that has consumed `steps` tokens
  // (attending to steps + 1 keys), against a source of `source_length`.
  long StepMacs(int steps, int source_length, bool with_output_projection) const;
  // Multiply-adds of projecting one source's memory (once per source).
  long MemoryMacs(int source_length) const;

 private:
  Decoder(const StackConfig& config, int max_positions)
      : config_(config),
        max_positions_(max_positions),
        positions_(config.embed_dim, max_positions + 1) {}

  StackConfig config_;
  int max_positions_;
  std::shared_ptr<const TokenEmbedding> embedding_;
  SinusoidalPositions positions_;
  Stack stack_;
  std::unique_ptr<OutputLayer> output_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_DECODER_H_

// Decoder and encoder inputs: x = √C · E[token] + PE[position] with fairseq's
// sinusoidal positions (computed in float32 exactly as fairseq does, since
// the argument position·frequency amplifies any rounding difference), from a
// plain embedding matrix or an adaptive input (bands of narrower embeddings
// projected to C).
#ifndef LITEFORMER_ENGINE_MODELS_EMBEDDINGS_H_
#define LITEFORMER_ENGINE_MODELS_EMBEDDINGS_H_

#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/models/model_config.h"
#include "engine/models/tensor_layout.h"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

class SinusoidalPositions {
 public:
  // Rows for positions 0 .. max_position (row 1, the pad position, is zero).
  SinusoidalPositions(int dim, int max_position);
  const float* Row(int position) const {
    return table_.data() + static_cast<long>(position) * dim_;
  }
  int max_position() const { return max_position_; }

 private:
  int dim_;
  int max_position_;
  std::vector<float> table_;
};

class TokenEmbedding {
 public:
  // A plain [vocab, dim] matrix stored under `name`.
  static absl::StatusOr<std::unique_ptr<TokenEmbedding>> LoadPlain(const WeightReader& weights,
                                                                   const std::string& name,
                                                                   int vocab, int dim);
  // A [vocab, dim] matrix that is also the output projection: it is packed
  // once for the projection's matmuls and rows are looked up in the packed
  // copy, so the (often largest) tensor of the model is held once.
  static absl::StatusOr<std::unique_ptr<TokenEmbedding>> LoadTied(const WeightReader& weights,
                                                                  const std::string& name,
                                                                  int vocab, int dim);
  // decoder.embed_tokens.embeddings.{b}.{0,1}.
  static absl::StatusOr<std::unique_ptr<TokenEmbedding>> LoadAdaptive(
      const WeightReader& weights, const AdaptiveInputConfig& adaptive, int vocab, int dim);

  int dim() const { return dim_; }
  int vocab() const { return vocab_; }
  // The output projection sharing this matrix (LoadTied only).
  std::shared_ptr<const PackedLinear> tied_projection() const { return tied_projection_; }

  // out[i] = √C · embed(tokens[i]) + PE[positions[i]].
  void Embed(ComputeContext& ctx, std::span<const int> tokens, std::span<const int> positions,
             const SinusoidalPositions& table, float* out) const;

 private:
  TokenEmbedding(int vocab, int dim) : vocab_(vocab), dim_(dim) {}

  struct Band {
    AdaptiveBand range;
    std::vector<float> embedding;              // [size, band dim]
    std::unique_ptr<PackedLinear> projection;  // band dim → C
  };
  int vocab_;
  int dim_;
  // One row of the embedding matrix into `out` (dim values).
  void Row(int token, float* out) const;

  std::vector<float> matrix_;  // Plain rows, unless looked up in tied_projection_.
  std::shared_ptr<const PackedLinear> tied_projection_;
  std::vector<Band> bands_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_EMBEDDINGS_H_

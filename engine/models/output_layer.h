// The decoder's output distribution: log-softmax of the vocabulary
// projection (shared or separate matrix, no bias), or the tied adaptive
// softmax (a head over the first band's words plus one entry per tail band;
// a tail word's log-prob = its band's head log-prob + the band's own
// log-softmax).
#ifndef LITEFORMER_ENGINE_MODELS_OUTPUT_LAYER_H_
#define LITEFORMER_ENGINE_MODELS_OUTPUT_LAYER_H_

#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/models/model_config.h"
#include "engine/models/tensor_layout.h"
#include "engine/ops/log_softmax.h"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "engine/tensor/weight_reader.h"

namespace liteformer {

class OutputLayer {
 public:
  // The [vocab, dim] projection: a separate embed_out matrix, or a tied
  // embedding's packed projection.
  static absl::StatusOr<std::unique_ptr<OutputLayer>> CreatePlain(std::span<const float> matrix,
                                                                  int vocab, int dim,
                                                                  ComputeType compute_type);
  static std::unique_ptr<OutputLayer> FromProjection(
      std::shared_ptr<const PackedLinear> projection);
  static absl::StatusOr<std::unique_ptr<OutputLayer>> LoadAdaptive(
      const WeightReader& weights, const AdaptiveInputConfig& adaptive, int vocab, int dim);

  int vocab() const { return vocab_; }
  // h: [rows, dim] → log_probs: [rows, vocab].
  void LogProbs(ComputeContext& ctx, const float* h, int rows, float* log_probs) const;
  // Multiply-adds per token (the full projection; every tail band).
  long MacsPerToken() const;

 private:
  OutputLayer(int vocab, int dim) : vocab_(vocab), dim_(dim) {}

  struct Tail {
    AdaptiveBand range;
    std::unique_ptr<PackedLinear> down;  // C → band dim (the input band's projection, transposed)
    std::unique_ptr<PackedLinear> up;    // band dim → band words (the band's embedding)
  };
  int vocab_;
  int dim_;
  std::shared_ptr<const PackedLinear> projection_;  // Plain: C → vocab. Adaptive: the head.
  std::unique_ptr<LogSoftmax> log_softmax_;
  int head_words_ = 0;  // Adaptive: words scored by the head directly.
  std::vector<Tail> tails_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_OUTPUT_LAYER_H_

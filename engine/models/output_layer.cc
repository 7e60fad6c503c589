#include "engine/models/output_layer.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<OutputLayer>> OutputLayer::CreatePlain(std::span<const float> matrix,
                                                                      int vocab, int dim,
                                                                      ComputeType compute_type) {
  std::unique_ptr<OutputLayer> output(new OutputLayer(vocab, dim));
  ASSIGN_OR_RETURN(output->projection_,
                   PackedLinear::Create(matrix, {}, dim, vocab, "output projection", compute_type));
  output->log_softmax_ = std::make_unique<LogSoftmax>(vocab);
  return output;
}

std::unique_ptr<OutputLayer> OutputLayer::FromProjection(
    std::shared_ptr<const PackedLinear> projection) {
  std::unique_ptr<OutputLayer> output(
      new OutputLayer(projection->out_features(), projection->in_features()));
  output->log_softmax_ = std::make_unique<LogSoftmax>(output->vocab_);
  output->projection_ = std::move(projection);
  return output;
}

absl::StatusOr<std::unique_ptr<OutputLayer>> OutputLayer::LoadAdaptive(
    const WeightReader& weights, const AdaptiveInputConfig& adaptive, int vocab, int dim) {
  std::unique_ptr<OutputLayer> output(new OutputLayer(vocab, dim));
  const std::vector<AdaptiveBand> bands = AdaptiveBands(adaptive, vocab, dim);
  const int tails = static_cast<int>(bands.size()) - 1;
  output->head_words_ = bands[0].size;
  // Head rows: the first band's embedding (width C), then the class logits.
  ASSIGN_OR_RETURN(std::vector<float> head,
                   weights.Read("decoder.embed_tokens.embeddings.0.0.weight"));
  ASSIGN_OR_RETURN(std::vector<float> classes,
                   weights.Read("decoder.adaptive_softmax.head.class_proj.weight"));
  head.insert(head.end(), classes.begin(), classes.end());
  const int head_width = bands[0].size + tails;
  ASSIGN_OR_RETURN(output->projection_,
                   PackedLinear::Create(head, {}, dim, head_width, "adaptive softmax head",
                                        weights.compute_type()));
  output->log_softmax_ = std::make_unique<LogSoftmax>(head_width);
  for (int i = 1; i <= tails; ++i) {
    const AdaptiveBand& band = bands[i];
    const std::string prefix = absl::StrCat("decoder.embed_tokens.embeddings.", i);
    ASSIGN_OR_RETURN(std::vector<float> projection, weights.Read(prefix + ".1.weight"));  // [C, d]
    std::vector<float> transposed(projection.size());
    for (int c = 0; c < dim; ++c) {
      for (int j = 0; j < band.dim; ++j) {
        transposed[static_cast<long>(j) * dim + c] =
            projection[static_cast<long>(c) * band.dim + j];
      }
    }
    ASSIGN_OR_RETURN(std::vector<float> embedding,
                     weights.Read(prefix + ".0.weight"));  // [size, d]
    Tail tail;
    tail.range = band;
    ASSIGN_OR_RETURN(tail.down, PackedLinear::Create(transposed, {}, dim, band.dim,
                                                     absl::StrCat("adaptive softmax tail ", i - 1),
                                                     weights.compute_type()));
    ASSIGN_OR_RETURN(tail.up, PackedLinear::Create(embedding, {}, band.dim, band.size,
                                                   absl::StrCat("adaptive softmax tail ", i - 1),
                                                   weights.compute_type()));
    output->tails_.push_back(std::move(tail));
  }
  return output;
}

void OutputLayer::LogProbs(ComputeContext& ctx, const float* h, int rows, float* log_probs) const {
  if (tails_.empty()) {
    projection_->Apply(ctx, h, rows, log_probs);
    log_softmax_->Apply(ctx, log_probs, rows);
    return;
  }
  const int head_width = projection_->out_features();
  float* head =
      ctx.Buffer(ComputeContext::kAdaptiveHidden, static_cast<std::size_t>(rows) * head_width);
  projection_->Apply(ctx, h, rows, head);
  log_softmax_->Apply(ctx, head, rows);
  for (int r = 0; r < rows; ++r) {
    std::copy(head + static_cast<long>(r) * head_width,
              head + static_cast<long>(r) * head_width + head_words_,
              log_probs + static_cast<long>(r) * vocab_);
  }
  for (std::size_t i = 0; i < tails_.size(); ++i) {
    const Tail& tail = tails_[i];
    float* down =
        ctx.Buffer(ComputeContext::kConvHidden, static_cast<std::size_t>(rows) * tail.range.dim);
    tail.down->Apply(ctx, h, rows, down);
    float* band =
        ctx.Buffer(ComputeContext::kBranchOutput, static_cast<std::size_t>(rows) * tail.range.size);
    tail.up->Apply(ctx, down, rows, band);
    for (int r = 0; r < rows; ++r) {
      const float* logits = band + static_cast<long>(r) * tail.range.size;
      float* row = log_probs + static_cast<long>(r) * vocab_ + tail.range.begin;
      std::copy(logits, logits + tail.range.size, row);
      // Log-softmax of the band in place (strided rows: our own loop).
      float max_value = row[0];
      for (int j = 1; j < tail.range.size; ++j) max_value = std::max(max_value, row[j]);
      double sum = 0.0;
      for (int j = 0; j < tail.range.size; ++j)
        sum += std::exp(static_cast<double>(row[j] - max_value));
      const float log_sum = max_value + static_cast<float>(std::log(sum));
      const float band_log_prob = head[static_cast<long>(r) * head_width + head_words_ + i];
      for (int j = 0; j < tail.range.size; ++j) row[j] = row[j] - log_sum + band_log_prob;
    }
  }
}

long OutputLayer::MacsPerToken() const {
  long macs = static_cast<long>(projection_->in_features()) * projection_->out_features();
  for (const Tail& tail : tails_) {
    macs += static_cast<long>(dim_) * tail.range.dim +
            static_cast<long>(tail.range.dim) * tail.range.size;
  }
  return macs;
}

}  // namespace liteformer

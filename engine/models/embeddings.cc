#include "engine/models/embeddings.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/layers/attention.h"
#include "engine/util/status_macros.h"

namespace liteformer {

SinusoidalPositions::SinusoidalPositions(int dim, int max_position)
    : dim_(dim), max_position_(max_position) {
  const int half = dim / 2;
  table_.assign(static_cast<std::size_t>(max_position + 1) * dim, 0.0f);
  // fairseq: log(10000) / (half − 1) in double, then float32 throughout.
  const float step = static_cast<float>(std::log(10000.0) / (half - 1));
  std::vector<float> frequency(half);
  for (int i = 0; i < half; ++i) frequency[i] = std::exp(static_cast<float>(i) * -step);
  for (int p = 0; p <= max_position; ++p) {
    if (p == 1) continue;  // The padding position stays zero.
    float* row = table_.data() + static_cast<long>(p) * dim;
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * frequency[i];
      row[i] = std::sin(angle);
      row[half + i] = std::cos(angle);
    }
  }
}

absl::StatusOr<std::unique_ptr<TokenEmbedding>> TokenEmbedding::LoadPlain(
    const WeightReader& weights, const std::string& name, int vocab, int dim) {
  std::unique_ptr<TokenEmbedding> embedding(new TokenEmbedding(vocab, dim));
  ASSIGN_OR_RETURN(embedding->matrix_, weights.Read(name));
  return embedding;
}

absl::StatusOr<std::unique_ptr<TokenEmbedding>> TokenEmbedding::LoadTied(
    const WeightReader& weights, const std::string& name, int vocab, int dim) {
  ASSIGN_OR_RETURN(std::unique_ptr<TokenEmbedding> embedding, LoadPlain(weights, name, vocab, dim));
  ASSIGN_OR_RETURN(std::unique_ptr<PackedLinear> projection,
                   PackedLinear::Create(embedding->matrix_, {}, dim, vocab, "output projection",
                                        weights.compute_type()));
  embedding->tied_projection_ = std::move(projection);
  if (embedding->tied_projection_->has_weight_rows()) {
    embedding->matrix_ = std::vector<float>();  // Rows come from the packed copy.
  }
  return embedding;
}

void TokenEmbedding::Row(int token, float* out) const {
  if (!matrix_.empty()) {
    const float* e = matrix_.data() + static_cast<long>(token) * dim_;
    std::copy(e, e + dim_, out);
    return;
  }
  tied_projection_->WeightRow(token, out);
}

absl::StatusOr<std::unique_ptr<TokenEmbedding>> TokenEmbedding::LoadAdaptive(
    const WeightReader& weights, const AdaptiveInputConfig& adaptive, int vocab, int dim) {
  std::unique_ptr<TokenEmbedding> embedding(new TokenEmbedding(vocab, dim));
  const std::vector<AdaptiveBand> bands = AdaptiveBands(adaptive, vocab, dim);
  for (std::size_t b = 0; b < bands.size(); ++b) {
    const std::string prefix = absl::StrCat("decoder.embed_tokens.embeddings.", b);
    Band band;
    band.range = bands[b];
    ASSIGN_OR_RETURN(band.embedding, weights.Read(prefix + ".0.weight"));
    ASSIGN_OR_RETURN(band.projection,
                     LoadLinear(weights, prefix + ".1", bands[b].dim, dim, /*bias=*/false));
    embedding->bands_.push_back(std::move(band));
  }
  return embedding;
}

void TokenEmbedding::Embed(ComputeContext& ctx, std::span<const int> tokens,
                           std::span<const int> positions, const SinusoidalPositions& table,
                           float* out) const {
  const float scale = std::sqrt(static_cast<float>(dim_));
  const int n = static_cast<int>(tokens.size());
  if (bands_.empty()) {
    for (int i = 0; i < n; ++i) {
      float* o = out + static_cast<long>(i) * dim_;
      Row(tokens[i], o);
      for (int c = 0; c < dim_; ++c) o[c] *= scale;
    }
  } else {
    // Gather each band's tokens, project them together, scatter back.
    std::vector<int> rows;
    for (const Band& band : bands_) {
      rows.clear();
      for (int i = 0; i < n; ++i) {
        if (tokens[i] >= band.range.begin && tokens[i] < band.range.begin + band.range.size) {
          rows.push_back(i);
        }
      }
      if (rows.empty()) continue;
      const int d = band.range.dim;
      const int count = static_cast<int>(rows.size());
      float* gathered =
          ctx.Buffer(ComputeContext::kAdaptiveHidden, static_cast<std::size_t>(count) * (d + dim_));
      float* projected = gathered + static_cast<long>(count) * d;
      for (int r = 0; r < count; ++r) {
        const float* e =
            band.embedding.data() + static_cast<long>(tokens[rows[r]] - band.range.begin) * d;
        std::copy(e, e + d, gathered + static_cast<long>(r) * d);
      }
      band.projection->Apply(ctx, gathered, count, projected);
      for (int r = 0; r < count; ++r) {
        const float* p = projected + static_cast<long>(r) * dim_;
        float* o = out + static_cast<long>(rows[r]) * dim_;
        for (int c = 0; c < dim_; ++c) o[c] = scale * p[c];
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    const float* pe = table.Row(positions[i]);
    float* o = out + static_cast<long>(i) * dim_;
    for (int c = 0; c < dim_; ++c) o[c] += pe[c];
  }
}

}  // namespace liteformer

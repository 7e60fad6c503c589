#include "engine/search/decoding_options.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace liteformer {
namespace {

absl::Status Invalid(absl::string_view option, const auto& value, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(option, " = ", value, ": ", rule));
}

}  // namespace

absl::Status DecodingOptions::Validate() const {
  if (beam_size < 1) return Invalid("beam_size", beam_size, "must be at least 1");
  if (nbest < 1 || nbest > beam_size) {
    return Invalid("nbest", nbest, absl::StrCat("must be in [1, beam_size = ", beam_size, "]"));
  }
  // score = sum(log p) / length^length_penalty: beyond ±10, length^penalty
  // over 1,024 tokens leaves float range and the scores become 0 or -inf.
  if (!(std::abs(length_penalty) <= kMaxLengthPenalty)) {
    return Invalid("length_penalty", length_penalty,
                   absl::StrCat("must be in [-", kMaxLengthPenalty, ", ", kMaxLengthPenalty, "]"));
  }
  if (!std::isfinite(max_len_a) || max_len_a < 0)
    return Invalid("max_len_a", max_len_a, "must be ≥ 0");
  if (max_len_b < 0) return Invalid("max_len_b", max_len_b, "must be ≥ 0");
  if (min_len < 0) return Invalid("min_len", min_len, "must be ≥ 0");
  if (no_repeat_ngram_size < 0)
    return Invalid("no_repeat_ngram_size", no_repeat_ngram_size, "must be ≥ 0");
  if (top_k < 0) return Invalid("top_k", top_k, "must be ≥ 0");
  if (!(top_p > 0.0f && top_p <= 1.0f)) return Invalid("top_p", top_p, "must be in (0, 1]");
  if (!(temperature > 0.0f) || !std::isfinite(temperature)) {
    return Invalid("temperature", temperature, "must be positive");
  }
  if (max_tokens < 0) return Invalid("max_tokens", max_tokens, "must be ≥ 0");
  return absl::OkStatus();
}

DecodingOptions DecodingOptions::FromDefaults(const DecodingDefaults& d) {
  DecodingOptions options;
  options.beam_size = d.beam_size;
  options.length_penalty = d.length_penalty;
  options.max_len_a = d.max_len_a;
  options.max_len_b = d.max_len_b;
  options.min_len = d.min_len;
  options.no_repeat_ngram_size = d.no_repeat_ngram_size;
  options.nbest = d.nbest;
  options.sampling = d.sampling;
  options.top_k = d.top_k;
  options.top_p = d.top_p;
  options.temperature = d.temperature;
  options.max_tokens = d.max_tokens;
  return options;
}

int MaxLenForSource(int source_length_with_eos, const DecodingOptions& options, int max_positions) {
  // float64 then truncation toward zero, like Python's int(a * src_len + b).
  const double budget = static_cast<double>(options.max_len_a) * source_length_with_eos +
                        static_cast<double>(options.max_len_b);
  return std::min(static_cast<int>(budget), max_positions - 1);
}

}  // namespace liteformer

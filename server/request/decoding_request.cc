#include "server/request/decoding_request.h"

#include <algorithm>
#include <limits>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

absl::Status OverLimit(absl::string_view option, std::uint32_t value, absl::string_view limit,
                       int limit_value) {
  return absl::InvalidArgumentError(
      absl::StrCat(option, " = ", value, " exceeds ", limit, " = ", limit_value));
}

absl::BitGen& FreshSeeds() {
  thread_local absl::BitGen generator;
  return generator;
}

}  // namespace

int MaxTokensPerSentence(const Model& model, const RequestLimits& limits) {
  const ModelConfig& config = model.config();
  // A language model scores a long text in windows and keeps a long prompt's
  // end: its positions do not limit a text (max_chars_per_text does).
  const int positions = model.is_encoder_decoder() ? config.max_source_positions - 1
                                                   : std::numeric_limits<int>::max();
  return limits.max_tokens_per_sentence > 0 ? std::min(limits.max_tokens_per_sentence, positions)
                                            : positions;
}

absl::StatusOr<DecodingOptions> ToEngineOptions(const v1::DecodingOptions& request,
                                                std::uint32_t max_tokens, const ModelConfig& config,
                                                const RequestLimits& limits) {
  DecodingOptions options = DecodingOptions::FromDefaults(config.decoding);
  const int max_length_limit = limits.max_length > 0
                                   ? std::min(limits.max_length, config.max_target_positions - 1)
                                   : config.max_target_positions - 1;
  if (request.beam_size() > static_cast<std::uint32_t>(limits.max_beam_size)) {
    return OverLimit("beam_size", request.beam_size(), "max_beam_size", limits.max_beam_size);
  }
  if (request.max_length() > static_cast<std::uint32_t>(max_length_limit)) {
    return OverLimit("max_length", request.max_length(), "max_length", max_length_limit);
  }
  if (max_tokens > static_cast<std::uint32_t>(max_length_limit)) {
    return OverLimit("max_tokens", max_tokens, "max_length", max_length_limit);
  }
  if (request.beam_size() != 0) options.beam_size = static_cast<int>(request.beam_size());
  if (request.length_penalty() != 0.0f) options.length_penalty = request.length_penalty();
  if (request.max_length() != 0) {
    options.max_len_a = 0.0f;
    options.max_len_b = static_cast<int>(request.max_length());
  }
  if (request.min_length() != 0) options.min_len = static_cast<int>(request.min_length());
  if (request.no_repeat_ngram_size() != 0) {
    options.no_repeat_ngram_size = static_cast<int>(request.no_repeat_ngram_size());
  }
  options.nbest = request.num_hypotheses() != 0 ? static_cast<int>(request.num_hypotheses()) : 1;
  const bool sampling_options_set =
      request.top_k() != 0 || request.top_p() != 0.0f || request.temperature() != 0.0f;
  switch (request.sampling()) {
    case v1::DecodingOptions::SAMPLING_OFF:
      options.sampling = false;
      break;
    case v1::DecodingOptions::SAMPLING_ON:
      options.sampling = true;
      break;
    default:
      // Asking for a beam asks for a search: with a sampling model default
      // the beam was silently ignored (beam 1, 4 and 16 gave the same text).
      if (sampling_options_set) {
        options.sampling = true;
      } else if (request.beam_size() > 1) {
        options.sampling = false;
      }
  }
  if (options.sampling && request.beam_size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "beam_size = ", request.beam_size(),
        " with sampling: sampling draws one token per step; set sampling = SAMPLING_OFF (or "
        "leave top_k, top_p and temperature unset) for a beam search"));
  }
  if (request.top_k() != 0) options.top_k = static_cast<int>(request.top_k());
  if (request.top_p() != 0.0f) options.top_p = request.top_p();
  if (request.temperature() != 0.0f) options.temperature = request.temperature();
  // Unseeded sampling draws a fresh seed per request, so clients do not all
  // get the same text; the seed is reported back (Usage.seed) to replay it.
  if (request.seed() != 0) {
    options.seed = request.seed();
  } else if (options.sampling) {
    options.seed = absl::Uniform<std::uint64_t>(FreshSeeds());
  }
  if (max_tokens != 0) options.max_tokens = static_cast<int>(max_tokens);
  if (request.max_length() != 0 && max_tokens == 0) {
    options.max_tokens = static_cast<int>(request.max_length());
  }
  // The operator's limit holds for the model's default budget too.
  options.max_tokens = std::min(options.max_tokens, max_length_limit);
  if (options.nbest > options.rows()) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_hypotheses = ", options.nbest, " exceeds beam_size = ", options.rows()));
  }
  RETURN_IF_ERROR(options.Validate());
  return options;
}

}  // namespace liteformer

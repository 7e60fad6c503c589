// The request's DecodingOptions (liteformer.proto; zero = the model's
// default) turned into the engine's, within the server's limits.
#ifndef LITEFORMER_SERVER_REQUEST_DECODING_REQUEST_H_
#define LITEFORMER_SERVER_REQUEST_DECODING_REQUEST_H_

#include "absl/status/statusor.h"
#include "engine/models/model.h"
#include "engine/search/decoding_options.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/config/server_config.h"

namespace liteformer {

// INVALID_ARGUMENT names the option, its value and the limit it breaks.
// `max_tokens` is GenerateRequest.max_tokens (0 for the other RPCs).
absl::StatusOr<DecodingOptions> ToEngineOptions(const v1::DecodingOptions& request,
                                                std::uint32_t max_tokens, const ModelConfig& config,
                                                const RequestLimits& limits);
inline absl::StatusOr<DecodingOptions> ToEngineOptions(const v1::DecodingOptions& request,
                                                       std::uint32_t max_tokens, const Model& model,
                                                       const RequestLimits& limits) {
  return ToEngineOptions(request, max_tokens, model.config(), limits);
}

// The most tokens one sentence may have for `model` (without the </s> the
// engine appends): an encoder-decoder model's positions, a language model's
// any number; and max_tokens_per_sentence when configured.
int MaxTokensPerSentence(const Model& model, const RequestLimits& limits);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_REQUEST_DECODING_REQUEST_H_

// The decoding flags shared by liteformer-client and liteformer-load. Zero
// (the default of each) means "the model's default", as in the API.
#ifndef LITEFORMER_CLIENT_DECODING_FLAGS_H_
#define LITEFORMER_CLIENT_DECODING_FLAGS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "liteformer/v1/liteformer.pb.h"

namespace liteformer::client {

// --beam --lenpen --max_length --min_length --no_repeat_ngram --nbest
// --topk --topp --temperature --sampling --scores. The sampling seed is not
// here: liteformer-load's --seed seeds its arrival schedule instead.
// Call CheckDecodingFlags() first.
liteformer::v1::DecodingOptions DecodingOptionsFromFlags();

// A usage error for a flag value the options cannot hold (--sampling=maybe,
// --priority=urgent).
absl::Status CheckDecodingFlags();

// --priority (every request's Priority field).
liteformer::v1::Priority PriorityFromFlag();

// --max_tokens (GenerateRequest.max_tokens).
uint32_t MaxTokensFromFlag();

// The flag lines of the usage text, for both binaries.
extern const char kDecodingFlagsUsage[];

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_DECODING_FLAGS_H_

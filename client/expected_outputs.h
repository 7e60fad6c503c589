// The expected best hypotheses of liteformer-load --verify.
#ifndef LITEFORMER_CLIENT_EXPECTED_OUTPUTS_H_
#define LITEFORMER_CLIENT_EXPECTED_OUTPUTS_H_

#include <cstddef>
#include <istream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace liteformer::client {

// Input text index -> expected output text.
using ExpectedOutputs = absl::flat_hash_map<size_t, std::string>;

// JSON lines, one per input text: either a JSON string (the k-th non-blank
// line belongs to text k) or an object with "text" or "hypotheses"[0].text
// and optionally "index", so `liteformer-client translate --json` output of a
// trusted run can be used as is. Blank lines are skipped.
absl::StatusOr<ExpectedOutputs> ParseExpectedOutputs(std::istream& in);
absl::StatusOr<ExpectedOutputs> ReadExpectedOutputs(const std::string& path);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_EXPECTED_OUTPUTS_H_

// What liteformer-load does, as parsed from its command line.
#ifndef LITEFORMER_CLIENT_LOAD_OPTIONS_H_
#define LITEFORMER_CLIENT_LOAD_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/arrival_schedule.h"
#include "client/expected_outputs.h"
#include "liteformer/v1/liteformer.pb.h"

namespace liteformer::client {

enum class Method { kTranslate, kSummarize, kGenerate, kScore };

absl::StatusOr<Method> ParseMethod(absl::string_view name);
const char* MethodName(Method method);

enum class Progress { kNone, kLine, kTerminal };

struct LoadOptions {
  std::string target;
  Method method = Method::kTranslate;
  std::string model;
  std::vector<std::string> texts;  // Sent round-robin.
  size_t texts_per_request = 1;
  liteformer::v1::DecodingOptions decoding;
  liteformer::v1::Priority priority = liteformer::v1::PRIORITY_UNSPECIFIED;
  uint32_t max_tokens = 0;

  // rate == 0: closed loop, `concurrency` requests always in flight.
  // rate > 0: open loop, requests sent at `rate` per second on schedule.
  size_t concurrency = 1;
  double rate = 0;
  Arrival arrival = Arrival::kConstant;
  uint64_t seed = 1;

  // The run stops sending at the first limit reached; 0 means no limit.
  // Both count from the end of the warm-up.
  double duration_seconds = 0;
  uint64_t requests = 0;
  double warmup_seconds = 0;

  std::chrono::milliseconds deadline{60000};
  bool split_by_length = false;
  std::optional<ExpectedOutputs> expected;  // --verify
  Progress progress = Progress::kLine;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LOAD_OPTIONS_H_

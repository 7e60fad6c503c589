// liteformer-load: a load generator for liteformer servers. Prints a report
// of throughput, latency percentiles and errors. Exit status: 0 when the run
// completed (with --fail_on_error, 1 if any counted request failed), 2 bad
// usage.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/decoding_flags.h"
#include "client/default_target.h"
#include "client/flag_parser.h"
#include "client/input_texts.h"
#include "client/load_generator.h"
#include "client/load_options.h"
#include "client/load_report.h"
#include "client/security_flags.h"
#include "engine/util/status_macros.h"

ABSL_FLAG(std::string, target, "",
          "host:port, a comma-separated list of them, or a gRPC target URI (default: the address "
          "in the file $LITEFORMER_ADDRESS_FILE names when set, else localhost:50051).");
ABSL_FLAG(std::string, method, "translate", "translate | summarize | generate | score.");
ABSL_FLAG(std::string, model, "", "Model name; empty: the task's default model.");
ABSL_FLAG(std::string, input, "", "Texts, one per line, sent round-robin (required).");
ABSL_FLAG(uint32_t, texts_per_request, 1, "Texts per request (generate: 1).");
ABSL_FLAG(uint32_t, concurrency, 0, "Closed loop: requests kept in flight (default 1).");
ABSL_FLAG(double, rate, 0, "Open loop: requests per second, sent on schedule.");
ABSL_FLAG(std::string, arrival, "constant", "Open loop: constant | poisson.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the Poisson arrivals.");
ABSL_FLAG(double, duration, 0, "Seconds of sending after the warm-up.");
ABSL_FLAG(uint64_t, requests, 0, "Requests sent after the warm-up.");
ABSL_FLAG(double, warmup, 0, "Seconds of requests sent first and not counted.");
ABSL_FLAG(double, deadline, 60, "Deadline of each request, in seconds.");
ABSL_FLAG(bool, split_by_length, false, "Latency of short and long texts separately.");
ABSL_FLAG(std::string, json, "", "Also write the report as JSON to this file (\"-\": stdout).");
ABSL_FLAG(std::string, verify, "", "JSON lines of expected best outputs; others are MISMATCH.");
ABSL_FLAG(bool, quiet, false, "No progress lines on stderr.");
ABSL_FLAG(bool, fail_on_error, false, "Exit 1 if any counted request failed.");

namespace liteformer::client {
namespace {

constexpr char kUsage[] =
    R"(usage: liteformer-load --input=FILE (--duration=S | --requests=N) [flags]
  --target=HOST:PORT[,HOST:PORT...] --method=translate|summarize|generate|score --model=NAME
  --texts_per_request=N (1)  --deadline=S (60)  --warmup=S (0)
  closed loop: --concurrency=N (1)     open loop: --rate=R --arrival=constant|poisson --seed=N
  --split_by_length  --verify=FILE  --json=FILE|-  --quiet  --fail_on_error
)";

absl::Status Check(bool condition, absl::string_view message) {
  return condition ? absl::OkStatus() : absl::InvalidArgumentError(message);
}

absl::StatusOr<LoadOptions> OptionsFromFlags() {
  LoadOptions options;
  ASSIGN_OR_RETURN(options.target,
                   ResolveTarget(absl::GetFlag(FLAGS_target), std::getenv(kAddressFileEnv)));
  ASSIGN_OR_RETURN(options.method, ParseMethod(absl::GetFlag(FLAGS_method)));
  options.model = absl::GetFlag(FLAGS_model);
  const std::string input = absl::GetFlag(FLAGS_input);
  RETURN_IF_ERROR(Check(!input.empty(), "--input is required"));
  ASSIGN_OR_RETURN(options.texts, ReadTextFile(input));
  RETURN_IF_ERROR(Check(!options.texts.empty(), absl::StrCat("no texts in ", input)));
  options.texts_per_request = absl::GetFlag(FLAGS_texts_per_request);
  RETURN_IF_ERROR(Check(options.texts_per_request >= 1, "--texts_per_request must be at least 1"));
  RETURN_IF_ERROR(Check(options.method != Method::kGenerate || options.texts_per_request == 1,
                        "generate sends one prompt per request"));
  RETURN_IF_ERROR(CheckDecodingFlags());
  options.decoding = DecodingOptionsFromFlags();
  options.priority = PriorityFromFlag();
  options.max_tokens = MaxTokensFromFlag();

  options.rate = absl::GetFlag(FLAGS_rate);
  const uint32_t concurrency = absl::GetFlag(FLAGS_concurrency);
  RETURN_IF_ERROR(Check(options.rate >= 0, "--rate must not be negative"));
  RETURN_IF_ERROR(Check(options.rate == 0 || concurrency == 0,
                        "--concurrency (closed loop) and --rate (open loop) exclude each other"));
  options.concurrency = std::max<uint32_t>(concurrency, 1);
  ASSIGN_OR_RETURN(options.arrival, ParseArrival(absl::GetFlag(FLAGS_arrival)));
  options.seed = absl::GetFlag(FLAGS_seed);

  options.duration_seconds = absl::GetFlag(FLAGS_duration);
  options.requests = absl::GetFlag(FLAGS_requests);
  options.warmup_seconds = absl::GetFlag(FLAGS_warmup);
  RETURN_IF_ERROR(Check(options.duration_seconds >= 0 && options.warmup_seconds >= 0,
                        "--duration and --warmup must not be negative"));
  RETURN_IF_ERROR(
      Check(options.duration_seconds > 0 || options.requests > 0, "give --duration or --requests"));
  const double deadline = absl::GetFlag(FLAGS_deadline);
  RETURN_IF_ERROR(Check(deadline > 0, "--deadline must be positive"));
  options.deadline =
      std::chrono::milliseconds(static_cast<int64_t>(std::min(deadline, 3.2e7) * 1000));
  options.split_by_length = absl::GetFlag(FLAGS_split_by_length);

  const std::string verify = absl::GetFlag(FLAGS_verify);
  if (!verify.empty()) {
    RETURN_IF_ERROR(Check(options.method != Method::kScore, "--verify does not apply to score"));
    ASSIGN_OR_RETURN(options.expected, ReadExpectedOutputs(verify));
  }
  options.progress = absl::GetFlag(FLAGS_quiet) ? Progress::kNone
                     : isatty(STDERR_FILENO)    ? Progress::kTerminal
                                                : Progress::kLine;
  return options;
}

int UsageError(absl::string_view message) {
  std::cerr << "liteformer-load: " << message << " (see --help)\n";
  return 2;
}

int Main(int argc, char** argv) {
  absl::StatusOr<ParsedArgs> args = ParseFlags(argc, argv);
  if (!args.ok()) return UsageError(args.status().message());
  if (args->help) {
    std::cout << kUsage << kSecurityFlagsUsage << kDecodingFlagsUsage;
    return 0;
  }
  if (!args->positional.empty()) {
    return UsageError(absl::StrCat("unexpected argument '", args->positional[0], "'"));
  }
  absl::StatusOr<LoadOptions> options = OptionsFromFlags();
  if (!options.ok()) return UsageError(options.status().message());
  // Opened before the run, so a bad path does not waste it.
  const std::string json_path = absl::GetFlag(FLAGS_json);
  std::ofstream json_file;
  if (!json_path.empty() && json_path != "-") {
    json_file.open(json_path);
    if (!json_file) return UsageError(absl::StrCat("cannot write ", json_path));
  }
  absl::StatusOr<ChannelSecurity> security = ChannelSecurityFromFlags();
  if (!security.ok()) return UsageError(security.status().message());
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options->target, *security);
  if (!channel.ok()) return UsageError(channel.status().message());

  LoadGenerator generator(*channel, *options);
  const LoadReport report = generator.Run();
  // With --json=-, stdout carries only the JSON.
  (json_path == "-" ? std::cerr : std::cout) << FormatReport(report) << std::flush;
  if (!json_path.empty()) {
    std::ostream& out = json_path == "-" ? std::cout : json_file;
    out << ReportToJson(report).dump(2, ' ', false,
                                     nlohmann::ordered_json::error_handler_t::replace)
        << "\n"
        << std::flush;
  }
  return absl::GetFlag(FLAGS_fail_on_error) && report.failed() > 0 ? 1 : 0;
}

}  // namespace
}  // namespace liteformer::client

int main(int argc, char** argv) { return liteformer::client::Main(argc, argv); }

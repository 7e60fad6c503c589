// liteformer-client: one command against a liteformer server, results on
// stdout. Exit status: 0 success, 1 a failed RPC (or health not SERVING),
// 2 bad usage.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "client/client_commands.h"
#include "client/decoding_flags.h"
#include "client/default_target.h"
#include "client/flag_parser.h"
#include "client/input_texts.h"
#include "client/security_flags.h"

ABSL_FLAG(std::string, target, "",
          "host:port, a comma-separated list of them, or a gRPC target URI (default: the address "
          "in the file $LITEFORMER_ADDRESS_FILE names when set, else localhost:50051).");
ABSL_FLAG(std::string, model, "", "Model name; empty: the task's default model.");
ABSL_FLAG(std::string, input, "", "File of texts, one per line (\"-\": stdin).");
ABSL_FLAG(bool, json, false, "One JSON object per result line.");
ABSL_FLAG(bool, stream, false, "translate: TranslateStream; generate --json: one line per chunk.");
ABSL_FLAG(double, deadline, 60, "Deadline of each RPC, in seconds.");
ABSL_FLAG(uint64_t, seed, 0, "Sampling seed (the same seed gives the same text).");
ABSL_FLAG(uint32_t, texts_per_request, 32, "Texts sent per request; 0: all in one.");
ABSL_FLAG(std::string, service, "", "health: the service to check; empty: the whole server.");

namespace liteformer::client {
namespace {

constexpr char kUsage[] = R"(usage: liteformer-client COMMAND [flags] [TEXT...]
commands:
  translate | summarize | generate | score   texts from the arguments, else --input=FILE,
                                             else stdin (one per line, blank lines skipped)
  list-models                                the models the server serves
  health [--service=NAME]                    prints SERVING etc.; exit 0 only when SERVING
flags:
  --target=HOST:PORT[,HOST:PORT...]  (round-robin over the list; default: the address the
                                     server wrote to $LITEFORMER_ADDRESS_FILE, else localhost:50051)
  --model=NAME --json --stream --deadline=SECONDS (60) --texts_per_request=N (32)
  --seed=N (sampling)
)";

constexpr int kUsageError = 2;

int UsageError(absl::string_view message) {
  std::cerr << "liteformer-client: " << message << " (see --help)\n";
  return kUsageError;
}

int RpcError(const absl::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
            << "\n";
  return 1;
}

using TextCommand = absl::Status (*)(const ChannelPtr&, const ClientOptions&, const Texts&,
                                     std::ostream&);

TextCommand FindTextCommand(const std::string& name) {
  if (name == "translate") return Translate;
  if (name == "summarize") return Summarize;
  if (name == "generate") return Generate;
  if (name == "score") return Score;
  return nullptr;
}

ClientOptions OptionsFromFlags() {
  ClientOptions options;
  options.model = absl::GetFlag(FLAGS_model);
  options.json = absl::GetFlag(FLAGS_json);
  options.stream = absl::GetFlag(FLAGS_stream);
  // Capped at a year so the conversion cannot overflow.
  options.deadline = std::chrono::milliseconds(
      static_cast<int64_t>(std::min(absl::GetFlag(FLAGS_deadline), 3.2e7) * 1000));
  options.texts_per_request = absl::GetFlag(FLAGS_texts_per_request);
  options.health_service = absl::GetFlag(FLAGS_service);
  options.decoding = DecodingOptionsFromFlags();
  options.priority = PriorityFromFlag();
  options.decoding.set_seed(absl::GetFlag(FLAGS_seed));
  options.max_tokens = MaxTokensFromFlag();
  return options;
}

int Main(int argc, char** argv) {
  absl::StatusOr<ParsedArgs> args = ParseFlags(argc, argv);
  if (!args.ok()) return UsageError(args.status().message());
  if (args->help) {
    std::cout << kUsage << kSecurityFlagsUsage << kDecodingFlagsUsage;
    return 0;
  }
  if (args->positional.empty()) return UsageError("missing command");
  const std::string command = args->positional.front();
  std::vector<std::string> texts(args->positional.begin() + 1, args->positional.end());
  const TextCommand text_command = FindTextCommand(command);
  if (text_command == nullptr && command != "list-models" && command != "health") {
    return UsageError(absl::StrCat("unknown command '", command, "'"));
  }
  if (!(absl::GetFlag(FLAGS_deadline) > 0)) return UsageError("--deadline must be positive");
  if (absl::Status status = CheckDecodingFlags(); !status.ok()) {
    return UsageError(status.message());
  }
  const ClientOptions options = OptionsFromFlags();
  absl::StatusOr<ChannelSecurity> security = ChannelSecurityFromFlags();
  if (!security.ok()) return UsageError(security.status().message());
  if (options.stream && command != "translate" && command != "generate") {
    return UsageError("--stream applies to translate and generate only");
  }
  const std::string input = absl::GetFlag(FLAGS_input);
  if (text_command == nullptr) {
    if (!texts.empty() || !input.empty()) return UsageError(command + " takes no texts");
  } else if (!texts.empty() && !input.empty()) {
    return UsageError("give texts as arguments or --input, not both");
  } else if (texts.empty()) {
    absl::StatusOr<std::vector<std::string>> read = ReadTextFile(input.empty() ? "-" : input);
    if (!read.ok()) return UsageError(read.status().message());
    texts = *std::move(read);
  }
  // No --target: a missing address file means no server is up yet (for
  // health: unhealthy, exit 1), not a usage error.
  absl::StatusOr<std::string> target =
      ResolveTarget(absl::GetFlag(FLAGS_target), std::getenv(kAddressFileEnv));
  if (!target.ok()) return RpcError(target.status());
  absl::StatusOr<ChannelPtr> channel =
      MakeChannel(*target, *security,
                  command == "health" ? HealthWatch::kReachAll : HealthWatch::kSkipUnhealthy);
  if (!channel.ok()) {
    // A bad --target is a usage error; an unresolvable name in a list is not.
    if (absl::IsInvalidArgument(channel.status())) return UsageError(channel.status().message());
    return RpcError(channel.status());
  }

  if (text_command != nullptr) {
    const absl::Status status = text_command(*channel, options, texts, std::cout);
    return status.ok() ? 0 : RpcError(status);
  }
  if (command == "list-models") {
    const absl::Status status = ListModels(*channel, options, std::cout);
    return status.ok() ? 0 : RpcError(status);
  }
  absl::StatusOr<std::string> health = CheckHealth(*channel, options, std::cout);
  if (!health.ok()) return RpcError(health.status());
  return *health == "SERVING" ? 0 : 1;
}

}  // namespace
}  // namespace liteformer::client

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return liteformer::client::Main(argc, argv);
}

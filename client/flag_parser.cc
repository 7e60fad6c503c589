#include "client/flag_parser.h"

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace liteformer::client {
namespace {

absl::Status SetFlag(absl::CommandLineFlag& flag, absl::string_view value) {
  std::string error;
  if (!flag.ParseFrom(value, &error)) {
    // absl's message names the flag and the value ("Illegal value '-1'
    // specified for flag 'beam'").
    return absl::InvalidArgumentError(
        error.empty() ? absl::StrCat("bad value '", value, "' for --", flag.Name()) : error);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseFlags(int argc, char** argv) {
  ParsedArgs parsed;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      parsed.positional.insert(parsed.positional.end(), argv + i + 1, argv + argc);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional.emplace_back(arg);
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    // Like absl, accept one dash as well as two.
    arg.remove_prefix(absl::StartsWith(arg, "--") ? 2 : 1);
    const size_t equals = arg.find('=');
    const absl::string_view name = arg.substr(0, equals);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (equals != absl::string_view::npos) {
      if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
      if (absl::Status status = SetFlag(*flag, arg.substr(equals + 1)); !status.ok()) return status;
      continue;
    }
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        if (absl::Status status = SetFlag(*negated, "false"); !status.ok()) return status;
        continue;
      }
    }
    if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (flag->IsOfType<bool>()) {
      if (absl::Status status = SetFlag(*flag, "true"); !status.ok()) return status;
      continue;
    }
    if (i + 1 >= argc)
      return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
    if (absl::Status status = SetFlag(*flag, argv[++i]); !status.ok()) return status;
  }
  return parsed;
}

}  // namespace liteformer::client

// Command-line parsing for flags defined with ABSL_FLAG.
//
// absl::ParseCommandLine exits with status 1 on a bad flag, and the clients
// promise 2 for usage errors (1 means a failed RPC, which scripts and the
// Docker HEALTHCHECK must tell apart). This loop sets the same flags through
// absl's reflection API and returns errors instead of exiting.
#ifndef LITEFORMER_CLIENT_FLAG_PARSER_H_
#define LITEFORMER_CLIENT_FLAG_PARSER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace liteformer::client {

struct ParsedArgs {
  std::vector<std::string> positional;  // Non-flag arguments, in order.
  bool help = false;                    // --help or -h was given.
};

// argv[0] is skipped. Accepts --name=value, --name value, --name / --noname
// for booleans, and "--" to end the flags. A lone "-" is positional.
absl::StatusOr<ParsedArgs> ParseFlags(int argc, char** argv);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_FLAG_PARSER_H_

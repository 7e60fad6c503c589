// The commands of liteformer-client. Each writes its results to `out` as
// they arrive and returns the first failed RPC's status (results printed
// before it stay printed).
#ifndef LITEFORMER_CLIENT_CLIENT_COMMANDS_H_
#define LITEFORMER_CLIENT_CLIENT_COMMANDS_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client_options.h"
#include "grpcpp/channel.h"

namespace liteformer::client {

using Texts = std::vector<std::string>;
using ChannelPtr = std::shared_ptr<grpc::Channel>;

// Plain: the best hypothesis per line, in input order (or, with --stream,
// in the order results finish). JSON: {"index", "hypotheses", "usage"} per
// text; without --stream, usage is that of the whole request carrying the
// text, and "request" numbers the requests so it can be counted once.
absl::Status Translate(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                       std::ostream& out);
absl::Status Summarize(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                       std::ostream& out);

// One Generate stream per prompt. Plain: the text as it arrives, a newline
// after each prompt. JSON: one object per prompt, or per chunk with --stream.
absl::Status Generate(const ChannelPtr& channel, const ClientOptions& options, const Texts& prompts,
                      std::ostream& out);
// Plain: log_prob<TAB>num_tokens<TAB>perplexity per text.
absl::Status Score(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                   std::ostream& out);

absl::Status ListModels(const ChannelPtr& channel, const ClientOptions& options, std::ostream& out);
// Prints the serving status ("SERVING", "NOT_SERVING", ...) and returns it.
absl::StatusOr<std::string> CheckHealth(const ChannelPtr& channel, const ClientOptions& options,
                                        std::ostream& out);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_CLIENT_COMMANDS_H_

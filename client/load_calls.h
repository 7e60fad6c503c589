// One asynchronous RPC of liteformer-load, on gRPC's callback API: a request
// in flight holds no thread, so an open-loop run can keep thousands of them
// waiting on an overloaded server.
#ifndef LITEFORMER_CLIENT_LOAD_CALLS_H_
#define LITEFORMER_CLIENT_LOAD_CALLS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/load_options.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "liteformer/v1/liteformer.grpc.pb.h"

namespace liteformer::client {

using Clock = std::chrono::steady_clock;

struct CallOutcome {
  grpc::Status status;
  uint32_t output_tokens = 0;
  uint32_t input_tokens = 0;
  // The server's account of the request (its Usage), when it sent one.
  std::optional<double> server_queue_seconds;
  std::optional<double> server_compute_seconds;
  // The best hypothesis per text (translate, summarize) or the generated
  // text; what --verify compares.
  std::vector<std::string> outputs;
  std::optional<Clock::time_point> first_chunk;  // generate: the first streamed message.
};

// Runs once, on a gRPC thread, when the call has finished.
using CallDone = std::function<void(CallOutcome)>;

class LoadCaller {
 public:
  LoadCaller(const std::shared_ptr<grpc::Channel>& channel, const LoadOptions& options);

  // Starts the options' method on `texts` (one prompt for generate). Never
  // blocks; `done` may run before Start returns.
  void Start(const std::vector<const std::string*>& texts, CallDone done);

 private:
  const LoadOptions& options_;
  std::unique_ptr<liteformer::v1::Translator::Stub> translator_;
  std::unique_ptr<liteformer::v1::Summarizer::Stub> summarizer_;
  std::unique_ptr<liteformer::v1::LanguageModel::Stub> language_model_;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LOAD_CALLS_H_

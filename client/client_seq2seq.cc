// translate and summarize: texts in, hypotheses out.
#include <optional>

#include "absl/strings/str_cat.h"
#include "client/call_context.h"
#include "client/client_commands.h"
#include "client/proto_json.h"
#include "client/rpc_status.h"
#include "liteformer/v1/liteformer.grpc.pb.h"

namespace liteformer::client {
namespace {

using liteformer::v1::Result;
using liteformer::v1::Usage;

void PrintResult(const ClientOptions& options, const Result& result, size_t index,
                 const Usage& usage, std::optional<size_t> request, std::ostream& out) {
  if (!options.json) {
    out << (result.hypotheses_size() > 0 ? result.hypotheses(0).text() : "") << "\n";
    return;
  }
  nlohmann::ordered_json line = {{"index", index}};
  if (request) line["request"] = *request;
  line.update(ToJson(result));
  line["usage"] = ToJson(usage);
  out << JsonLine(line) << "\n";
}

template <typename Request>
Request MakeRequest(const ClientOptions& options, const Texts& texts, size_t begin, size_t end) {
  Request request;
  request.set_model(options.model);
  for (size_t i = begin; i < end; ++i) request.add_texts(texts[i]);
  *request.mutable_options() = options.decoding;
  request.set_priority(options.priority);
  return request;
}

// `call(context, request, response)` is one unary RPC of the stub.
template <typename Request, typename Response, typename Call>
absl::Status RunUnary(const ClientOptions& options, const Texts& texts, std::ostream& out,
                      Call call) {
  size_t request_number = 0;
  for (size_t begin = 0; begin < texts.size(); ++request_number) {
    const size_t end = RequestEnd(options, texts.size(), begin);
    const Request request = MakeRequest<Request>(options, texts, begin, end);
    grpc::ClientContext context;
    SetDeadline(context, options.deadline);
    Response response;
    if (grpc::Status status = call(&context, request, &response); !status.ok()) {
      return ToAbslStatus(status);
    }
    if (static_cast<size_t>(response.results_size()) != end - begin) {
      return absl::InternalError(absl::StrCat("the server returned ", response.results_size(),
                                              " results for ", end - begin, " texts"));
    }
    for (size_t i = begin; i < end; ++i) {
      PrintResult(options, response.results(i - begin), i, response.usage(), request_number, out);
    }
    out.flush();
    begin = end;
  }
  return absl::OkStatus();
}

absl::Status TranslateStreamed(liteformer::v1::Translator::Stub& stub, const ClientOptions& options,
                               const Texts& texts, std::ostream& out) {
  for (size_t begin = 0; begin < texts.size();) {
    const size_t end = RequestEnd(options, texts.size(), begin);
    const auto request = MakeRequest<liteformer::v1::TranslateRequest>(options, texts, begin, end);
    grpc::ClientContext context;
    SetDeadline(context, options.deadline);
    std::unique_ptr<grpc::ClientReader<liteformer::v1::TranslateStreamResponse>> reader =
        stub.TranslateStream(&context, request);
    liteformer::v1::TranslateStreamResponse message;
    while (reader->Read(&message)) {
      PrintResult(options, message.result(), begin + message.index(), message.usage(), std::nullopt,
                  out);
      out.flush();
    }
    if (grpc::Status status = reader->Finish(); !status.ok()) return ToAbslStatus(status);
    begin = end;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Translate(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                       std::ostream& out) {
  std::unique_ptr<liteformer::v1::Translator::Stub> stub =
      liteformer::v1::Translator::NewStub(channel);
  if (options.stream) return TranslateStreamed(*stub, options, texts, out);
  return RunUnary<liteformer::v1::TranslateRequest, liteformer::v1::TranslateResponse>(
      options, texts, out, [&](auto* context, const auto& request, auto* response) {
        return stub->Translate(context, request, response);
      });
}

absl::Status Summarize(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                       std::ostream& out) {
  std::unique_ptr<liteformer::v1::Summarizer::Stub> stub =
      liteformer::v1::Summarizer::NewStub(channel);
  return RunUnary<liteformer::v1::SummarizeRequest, liteformer::v1::SummarizeResponse>(
      options, texts, out, [&](auto* context, const auto& request, auto* response) {
        return stub->Summarize(context, request, response);
      });
}

}  // namespace liteformer::client

// generate and score: the language model commands.
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/call_context.h"
#include "client/client_commands.h"
#include "client/proto_json.h"
#include "client/rpc_status.h"
#include "liteformer/v1/liteformer.grpc.pb.h"

namespace liteformer::client {
namespace {

using liteformer::v1::GenerateResponse;

// Prints one chunk of a stream: its text, or with --json one object.
void PrintChunk(const ClientOptions& options, size_t index, const GenerateResponse& chunk,
                std::ostream& out) {
  if (!options.json) {
    out << chunk.text();
  } else {
    nlohmann::ordered_json line = {
        {"index", index},
        {"text", chunk.text()},
        {"ids", std::vector<uint32_t>(chunk.ids().begin(), chunk.ids().end())},
        {"finished", chunk.finished()}};
    if (chunk.has_usage()) line["usage"] = ToJson(chunk.usage());
    out << JsonLine(line) << "\n";
  }
  // Flushed per chunk: watching the text appear is the point of streaming.
  out.flush();
}

absl::Status GenerateOne(liteformer::v1::LanguageModel::Stub& stub, const ClientOptions& options,
                         size_t index, const std::string& prompt, std::ostream& out) {
  liteformer::v1::GenerateRequest request;
  request.set_model(options.model);
  request.set_prompt(prompt);
  request.set_max_tokens(options.max_tokens);
  *request.mutable_options() = options.decoding;
  request.set_priority(options.priority);
  grpc::ClientContext context;
  SetDeadline(context, options.deadline);
  std::unique_ptr<grpc::ClientReader<GenerateResponse>> reader = stub.Generate(&context, request);
  // Without --stream, --json collects the chunks into one object per prompt.
  const bool collect = options.json && !options.stream;
  std::string text;
  std::vector<uint32_t> ids;
  GenerateResponse chunk;
  liteformer::v1::Usage usage;
  while (reader->Read(&chunk)) {
    if (chunk.has_usage()) usage = chunk.usage();
    if (!collect) {
      PrintChunk(options, index, chunk, out);
      continue;
    }
    text += chunk.text();
    ids.insert(ids.end(), chunk.ids().begin(), chunk.ids().end());
  }
  const grpc::Status status = reader->Finish();
  if (!options.json) out << "\n";
  if (collect && status.ok()) {
    out << JsonLine({{"index", index}, {"text", text}, {"ids", ids}, {"usage", ToJson(usage)}})
        << "\n";
  }
  out.flush();
  return ToAbslStatus(status);
}

}  // namespace

absl::Status Generate(const ChannelPtr& channel, const ClientOptions& options, const Texts& prompts,
                      std::ostream& out) {
  std::unique_ptr<liteformer::v1::LanguageModel::Stub> stub =
      liteformer::v1::LanguageModel::NewStub(channel);
  for (size_t i = 0; i < prompts.size(); ++i) {
    if (absl::Status status = GenerateOne(*stub, options, i, prompts[i], out); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Score(const ChannelPtr& channel, const ClientOptions& options, const Texts& texts,
                   std::ostream& out) {
  std::unique_ptr<liteformer::v1::LanguageModel::Stub> stub =
      liteformer::v1::LanguageModel::NewStub(channel);
  size_t request_number = 0;
  for (size_t begin = 0; begin < texts.size(); ++request_number) {
    const size_t end = RequestEnd(options, texts.size(), begin);
    liteformer::v1::ScoreRequest request;
    request.set_priority(options.priority);
    request.set_model(options.model);
    for (size_t i = begin; i < end; ++i) request.add_texts(texts[i]);
    grpc::ClientContext context;
    SetDeadline(context, options.deadline);
    liteformer::v1::ScoreResponse response;
    if (grpc::Status status = stub->Score(&context, request, &response); !status.ok()) {
      return ToAbslStatus(status);
    }
    if (static_cast<size_t>(response.results_size()) != end - begin) {
      return absl::InternalError(absl::StrCat("the server returned ", response.results_size(),
                                              " results for ", end - begin, " texts"));
    }
    for (size_t i = begin; i < end; ++i) {
      const liteformer::v1::ScoreResult& result = response.results(i - begin);
      if (options.json) {
        nlohmann::ordered_json line = {{"index", i}, {"request", request_number}};
        line.update(ToJson(result));
        line["usage"] = ToJson(response.usage());
        out << JsonLine(line) << "\n";
      } else {
        out << absl::StrFormat("%.6f\t%u\t%.6f\n", result.log_prob(), result.num_tokens(),
                               result.perplexity());
      }
    }
    out.flush();
    begin = end;
  }
  return absl::OkStatus();
}

}  // namespace liteformer::client

#include "client/load_calls.h"

#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"

namespace liteformer::client {
namespace {

using liteformer::v1::GenerateResponse;

// The state of one unary call; deleted by its completion callback.
template <typename Request, typename Response>
struct UnaryCall {
  grpc::ClientContext context;
  Request request;
  Response response;
  CallDone done;
};

template <typename Response>
CallOutcome OutcomeOf(const grpc::Status& status, const Response& response) {
  CallOutcome outcome;
  outcome.status = status;
  if (!status.ok()) return outcome;
  outcome.output_tokens = response.usage().output_tokens();
  outcome.input_tokens = response.usage().input_tokens();
  if (response.has_usage()) {
    outcome.server_queue_seconds = response.usage().queue_seconds();
    outcome.server_compute_seconds = response.usage().compute_seconds();
  }
  if constexpr (!std::is_same_v<Response, liteformer::v1::ScoreResponse>) {
    for (const liteformer::v1::Result& result : response.results()) {
      outcome.outputs.push_back(result.hypotheses_size() > 0 ? result.hypotheses(0).text() : "");
    }
  }
  return outcome;
}

// `start(context, request, response, callback)` is the stub's async() method.
template <typename Request, typename Response, typename StartFn>
void StartUnary(const LoadOptions& options, Request request, CallDone done, StartFn start) {
  auto* call = new UnaryCall<Request, Response>{{}, std::move(request), {}, std::move(done)};
  call->context.set_deadline(std::chrono::system_clock::now() + options.deadline);
  start(&call->context, &call->request, &call->response, [call](grpc::Status status) {
    std::unique_ptr<UnaryCall<Request, Response>> owned(call);
    owned->done(OutcomeOf(status, owned->response));
  });
}

// Generate streams; the reactor owns itself and is deleted in OnDone.
class GenerateCall : public grpc::ClientReadReactor<GenerateResponse> {
 public:
  GenerateCall(liteformer::v1::LanguageModel::Stub& stub, const LoadOptions& options,
               liteformer::v1::GenerateRequest request, CallDone done)
      : request_(std::move(request)), done_(std::move(done)) {
    context_.set_deadline(std::chrono::system_clock::now() + options.deadline);
    outcome_.outputs.emplace_back();
    stub.async()->Generate(&context_, &request_, this);
    StartRead(&chunk_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // End of stream: OnDone follows.
    if (!outcome_.first_chunk) outcome_.first_chunk = Clock::now();
    outcome_.outputs[0] += chunk_.text();
    ids_ += chunk_.ids_size();
    if (chunk_.has_usage()) usage_ = chunk_.usage();
    StartRead(&chunk_);
  }

  void OnDone(const grpc::Status& status) override {
    outcome_.status = status;
    // Usage comes on the last message; counting ids covers a server that
    // omits it.
    outcome_.output_tokens = usage_ ? usage_->output_tokens() : ids_;
    outcome_.input_tokens = usage_ ? usage_->input_tokens() : 0;
    if (usage_) {
      outcome_.server_queue_seconds = usage_->queue_seconds();
      outcome_.server_compute_seconds = usage_->compute_seconds();
    }
    done_(std::move(outcome_));
    delete this;
  }

 private:
  grpc::ClientContext context_;
  liteformer::v1::GenerateRequest request_;
  GenerateResponse chunk_;
  CallDone done_;
  CallOutcome outcome_;
  uint32_t ids_ = 0;
  std::optional<liteformer::v1::Usage> usage_;
};

template <typename Request>
Request TextsRequest(const LoadOptions& options, const std::vector<const std::string*>& texts) {
  Request request;
  request.set_model(options.model);
  for (const std::string* text : texts) request.add_texts(*text);
  request.set_priority(options.priority);
  return request;
}

}  // namespace

LoadCaller::LoadCaller(const std::shared_ptr<grpc::Channel>& channel, const LoadOptions& options)
    : options_(options),
      translator_(liteformer::v1::Translator::NewStub(channel)),
      summarizer_(liteformer::v1::Summarizer::NewStub(channel)),
      language_model_(liteformer::v1::LanguageModel::NewStub(channel)) {}

void LoadCaller::Start(const std::vector<const std::string*>& texts, CallDone done) {
  switch (options_.method) {
    case Method::kTranslate: {
      auto request = TextsRequest<liteformer::v1::TranslateRequest>(options_, texts);
      *request.mutable_options() = options_.decoding;
      StartUnary<liteformer::v1::TranslateRequest, liteformer::v1::TranslateResponse>(
          options_, std::move(request), std::move(done),
          [this](auto... args) { translator_->async()->Translate(args...); });
      return;
    }
    case Method::kSummarize: {
      auto request = TextsRequest<liteformer::v1::SummarizeRequest>(options_, texts);
      *request.mutable_options() = options_.decoding;
      StartUnary<liteformer::v1::SummarizeRequest, liteformer::v1::SummarizeResponse>(
          options_, std::move(request), std::move(done),
          [this](auto... args) { summarizer_->async()->Summarize(args...); });
      return;
    }
    case Method::kScore:
      StartUnary<liteformer::v1::ScoreRequest, liteformer::v1::ScoreResponse>(
          options_, TextsRequest<liteformer::v1::ScoreRequest>(options_, texts), std::move(done),
          [this](auto... args) { language_model_->async()->Score(args...); });
      return;
    case Method::kGenerate: {
      liteformer::v1::GenerateRequest request;
      request.set_model(options_.model);
      request.set_prompt(*texts.at(0));
      request.set_max_tokens(options_.max_tokens);
      *request.mutable_options() = options_.decoding;
      request.set_priority(options_.priority);
      new GenerateCall(*language_model_, options_, std::move(request), std::move(done));
      return;
    }
  }
}

}  // namespace liteformer::client

#include "server/service/translator_service.h"

#include "absl/time/clock.h"
#include "server/service/call_auth.h"
#include "server/service/call_reactors.h"
#include "server/service/text_requests.h"

namespace liteformer {
namespace {

// `Request`: TranslateRequest or SummarizeRequest.
template <typename Request>
TextCall DecodeCall(Task task, grpc::CallbackServerContext* rpc, const Request& request,
                    const CallRecord& record, std::shared_ptr<std::atomic<bool>> cancelled) {
  TextCall call;
  call.task = task;
  call.work = TextWork::kDecode;
  call.model = request.model();
  call.texts = ToTexts(request.texts());
  call.options = request.options();
  call.priority = request.priority();
  call.deadline = absl::FromChrono(rpc->deadline());
  call.cancelled = std::move(cancelled);
  call.client = record.client();
  call.quota_key = record.quota_key();
  return call;
}

// Translate and Summarize: one response holding every text's result.
template <typename Request, typename Response>
grpc::ServerUnaryReactor* StartUnaryDecode(ServiceContext& context, Task task, const char* method,
                                           grpc::CallbackServerContext* rpc, const Request& request,
                                           Response* response) {
  const google::protobuf::RepeatedPtrField<std::string>& texts = request.texts();
  const v1::DecodingOptions& options = request.options();
  auto* call = new UnaryCall(context.metrics, context.calls, method, rpc);
  if (!Authenticated(context, rpc, call)) return call;
  // Pre-sized for texts within the limit only: a larger request is refused.
  if (texts.size() <= context.limits.max_texts_per_request) {
    for (int i = 0; i < texts.size(); ++i) response->add_results();
  }
  const bool with_scores = options.return_scores();
  TextCallbacks callbacks;
  // A translation keeps its text's layout; a summary is one paragraph.
  const bool keep_layout = task == Task::kTranslation;
  callbacks.text_done = [response, with_scores, keep_layout, &texts](
                            const ServedModel& served, int text,
                            std::vector<FinishedSentence>& sentences, const RequestTotals&) {
    *response->mutable_results(text) =
        JoinSentences(served, sentences, with_scores, keep_layout ? &texts.Get(text) : nullptr);
  };
  callbacks.request_done = FinishUnary(call, response);
  StartTextCall(
      context, DecodeCall(task, rpc, request, call->record(), call->cancelled()),
      std::move(callbacks), [call](const std::string& name) { call->record().set_model(name); });
  return call;
}

}  // namespace

grpc::ServerUnaryReactor* TranslatorService::Translate(grpc::CallbackServerContext* rpc,
                                                       const v1::TranslateRequest* request,
                                                       v1::TranslateResponse* response) {
  return StartUnaryDecode(context_, Task::kTranslation, "Translate", rpc, *request, response);
}

grpc::ServerUnaryReactor* SummarizerService::Summarize(grpc::CallbackServerContext* rpc,
                                                       const v1::SummarizeRequest* request,
                                                       v1::SummarizeResponse* response) {
  return StartUnaryDecode(context_, Task::kSummarization, "Summarize", rpc, *request, response);
}

grpc::ServerWriteReactor<v1::TranslateStreamResponse>* TranslatorService::TranslateStream(
    grpc::CallbackServerContext* rpc, const v1::TranslateRequest* request) {
  auto* call = new StreamCall<v1::TranslateStreamResponse>(context_.metrics, context_.calls,
                                                           "TranslateStream", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  const bool with_scores = request->options().return_scores();
  TextCallbacks callbacks;
  callbacks.text_done = [call, with_scores, request](const ServedModel& served, int text,
                                                     std::vector<FinishedSentence>& sentences,
                                                     const RequestTotals& totals) {
    v1::TranslateStreamResponse message;
    message.set_index(text);
    *message.mutable_result() =
        JoinSentences(served, sentences, with_scores, &request->texts(text));
    *message.mutable_usage() = MakeUsage(served, totals);
    call->Write(std::move(message));
  };
  callbacks.request_done = [call](const ServedModel*, const absl::Status& status,
                                  const RequestTotals&) { call->Complete(status); };
  StartTextCall(context_,
                DecodeCall(Task::kTranslation, rpc, *request, call->record(), call->cancelled()),
                std::move(callbacks),
                [call](const std::string& name) { call->record().set_model(name); });
  return call;
}

}  // namespace liteformer

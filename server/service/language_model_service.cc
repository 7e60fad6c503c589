#include "server/service/language_model_service.h"

#include <mutex>

#include "absl/strings/match.h"
#include "engine/search/offline_decoding.h"
#include "server/service/call_reactors.h"
#include "server/service/text_requests.h"

namespace liteformer {
namespace {

// Turns tokens chosen one at a time into text pieces: the text decoded so far
// minus what was already sent (sentencepiece joins pieces, so the text of a
// prefix of tokens is, in practice, a prefix of the final text).
class IncrementalText {
 public:
  // The new text since the last call, given every token so far.
  std::string Next(const TextCodec& codec, const std::vector<int>& tokens) {
    absl::StatusOr<std::string> text = codec.Decode(tokens);
    if (!text.ok() || !absl::StartsWith(*text, sent_)) return "";
    std::string piece = text->substr(sent_.size());
    sent_ = *std::move(text);
    return piece;
  }

 private:
  std::string sent_;
};

struct GenerateState {
  std::mutex mu;
  std::vector<int> tokens;
  std::vector<int> unsent_ids;  // Tokens whose text was empty so far.
  IncrementalText text;
};

}  // namespace

grpc::ServerWriteReactor<v1::GenerateResponse>* LanguageModelService::Generate(
    grpc::CallbackServerContext* rpc, const v1::GenerateRequest* request) {
  auto* call = new StreamCall<v1::GenerateResponse>(context_.metrics, context_.calls, "Generate");
  auto state = std::make_shared<GenerateState>();
  TextCall text_call;
  text_call.task = Task::kLanguageModeling;
  text_call.work = TextWork::kGenerate;
  text_call.model = request->model();
  text_call.texts = {request->prompt()};
  text_call.options = request->options();
  text_call.max_tokens = request->max_tokens();
  text_call.deadline = absl::FromChrono(rpc->deadline());
  text_call.cancelled = call->cancelled();

  TextCallbacks callbacks;
  callbacks.on_token = [call, state](const ServedModel& served, int token) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->tokens.push_back(token);
    state->unsent_ids.push_back(token);
    std::string piece = state->text.Next(served.codec(), state->tokens);
    if (piece.empty()) return;
    v1::GenerateResponse message;
    message.set_text(std::move(piece));
    for (int id : state->unsent_ids) message.add_ids(id);
    state->unsent_ids.clear();
    call->Write(std::move(message));
  };
  callbacks.text_done = [call, state](const ServedModel& served, int,
                                      std::vector<FinishedSentence>& sentences,
                                      const RequestTotals& totals) {
    std::lock_guard<std::mutex> lock(state->mu);
    const Hypothesis& best = sentences.front().hypotheses.front();
    v1::GenerateResponse message;
    // Whatever was not streamed yet (all of it for beam search).
    message.set_text(state->text.Next(served.codec(), best.tokens));
    for (int id : state->unsent_ids) message.add_ids(id);
    for (std::size_t i = state->tokens.size(); i < best.tokens.size(); ++i) {
      message.add_ids(best.tokens[i]);
    }
    message.set_finished(true);
    *message.mutable_usage() = MakeUsage(served, totals);
    call->Write(std::move(message));
  };
  callbacks.request_done = [call](const ServedModel*, const absl::Status& status,
                                  const RequestTotals&) { call->Complete(status); };
  StartTextCall(context_, std::move(text_call), std::move(callbacks),
                [call](const std::string& name) { call->record().set_model(name); });
  return call;
}

grpc::ServerUnaryReactor* LanguageModelService::Score(grpc::CallbackServerContext* rpc,
                                                      const v1::ScoreRequest* request,
                                                      v1::ScoreResponse* response) {
  auto* call = new UnaryCall(context_.metrics, context_.calls, "Score");
  // Pre-sized for texts within the limit only: a larger request is refused.
  if (request->texts_size() <= context_.limits.max_texts_per_request) {
    for (int i = 0; i < request->texts_size(); ++i) response->add_results();
  }
  TextCall text_call;
  text_call.task = Task::kLanguageModeling;
  text_call.work = TextWork::kScore;
  text_call.model = request->model();
  text_call.texts = ToTexts(request->texts());
  text_call.deadline = absl::FromChrono(rpc->deadline());
  text_call.cancelled = call->cancelled();

  TextCallbacks callbacks;
  callbacks.text_done = [response](const ServedModel&, int text,
                                   std::vector<FinishedSentence>& sentences, const RequestTotals&) {
    const ScoreResult score = ToScoreResult(sentences.front());
    v1::ScoreResult& result = *response->mutable_results(text);
    result.set_log_prob(score.log_prob);
    result.set_num_tokens(score.num_tokens);
    result.set_perplexity(score.perplexity);
    for (float value : score.token_scores) result.add_token_scores(value);
  };
  callbacks.request_done = FinishUnary(call, response);
  StartTextCall(context_, std::move(text_call), std::move(callbacks),
                [call](const std::string& name) { call->record().set_model(name); });
  return call;
}

}  // namespace liteformer

#include "server/service/language_model_service.h"

#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/search/offline_decoding.h"
#include "server/service/call_auth.h"
#include "server/service/call_reactors.h"
#include "server/service/text_requests.h"

namespace liteformer {
namespace {

// Turns tokens chosen one at a time into text pieces. Decoding every token so
// far at each step would cost O(n²) over a generation, so only a window is
// decoded: the tokens from the start of the last piece sent, after an anchor
// text. The anchor keeps the window's leading spaces, which sentencepiece
// drops at the start of a text (and with them, any whitespace-only pieces).
// The window's text before and after the new tokens differs by the new piece.
// Tokens whose text is still empty or an incomplete UTF-8 character (decoded
// as U+FFFD) wait for the next token.
class IncrementalText {
 public:
  // The new text since the last call, given every token so far; `last` sends
  // whatever is left, an incomplete character too.
  std::string Next(const TextCodec& codec, const std::vector<int>& tokens, bool last = false) {
    std::vector<int> window;
    if (prefix_offset_ > 0) window = Anchor(codec);
    window.insert(window.end(), tokens.begin() + prefix_offset_, tokens.begin() + read_offset_);
    absl::StatusOr<std::string> before = codec.Decode(window);
    window.insert(window.end(), tokens.begin() + read_offset_, tokens.end());
    absl::StatusOr<std::string> after = codec.Decode(window);
    if (!before.ok() || !after.ok() || after->size() <= before->size() ||
        !absl::StartsWith(*after, *before) ||
        (!last && absl::EndsWith(*after, kReplacementCharacter))) {
      return "";
    }
    // Without an anchor every call decodes from the first token (correct, slow).
    if (!Anchor(codec).empty()) prefix_offset_ = read_offset_;
    read_offset_ = tokens.size();
    return after->substr(before->size());
  }

 private:
  static constexpr absl::string_view kReplacementCharacter = "\xEF\xBF\xBD";

  // Ids of a short text that is not all whitespace; empty if the codec has none.
  const std::vector<int>& Anchor(const TextCodec& codec) {
    if (!anchor_.has_value()) {
      anchor_.emplace();
      absl::StatusOr<std::vector<int>> ids = codec.EncodeTarget("x");
      if (ids.ok()) {
        absl::StatusOr<std::string> text = codec.Decode(*ids);
        if (text.ok() && !absl::StripAsciiWhitespace(*text).empty()) anchor_ = *std::move(ids);
      }
    }
    return *anchor_;
  }

  std::optional<std::vector<int>> anchor_;
  std::size_t prefix_offset_ = 0;  // Where the decoded window starts.
  std::size_t read_offset_ = 0;    // Tokens up to here have been sent.
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
  auto* call =
      new StreamCall<v1::GenerateResponse>(context_.metrics, context_.calls, "Generate", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  auto state = std::make_shared<GenerateState>();
  TextCall text_call;
  text_call.task = Task::kLanguageModeling;
  text_call.work = TextWork::kGenerate;
  text_call.model = request->model();
  text_call.texts = {request->prompt()};
  text_call.options = request->options();
  text_call.max_tokens = request->max_tokens();
  text_call.priority = request->priority();
  text_call.deadline = absl::FromChrono(rpc->deadline());
  text_call.cancelled = call->cancelled();
  text_call.client = call->record().client();
  text_call.quota_key = call->record().quota_key();

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
    message.set_text(state->text.Next(served.codec(), best.tokens, /*last=*/true));
    for (int id : state->unsent_ids) message.add_ids(id);
    for (std::size_t i = state->tokens.size(); i < best.tokens.size(); ++i) {
      message.add_ids(best.tokens[i]);
    }
    message.set_finished(true);
    *message.mutable_usage() = MakeUsage(served, totals);
    message.mutable_usage()->set_dropped_prompt_tokens(sentences.front().dropped_prompt_tokens);
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
  auto* call = new UnaryCall(context_.metrics, context_.calls, "Score", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  // Pre-sized for texts within the limit only: a larger request is refused.
  if (request->texts_size() <= context_.limits.max_texts_per_request) {
    for (int i = 0; i < request->texts_size(); ++i) response->add_results();
  }
  TextCall text_call;
  text_call.task = Task::kLanguageModeling;
  text_call.work = TextWork::kScore;
  text_call.model = request->model();
  text_call.texts = ToTexts(request->texts());
  text_call.priority = request->priority();
  text_call.deadline = absl::FromChrono(rpc->deadline());
  text_call.cancelled = call->cancelled();
  text_call.client = call->record().client();
  text_call.quota_key = call->record().quota_key();

  TextCallbacks callbacks;
  callbacks.text_done = [response](const ServedModel&, int text,
                                   std::vector<FinishedSentence>& sentences, const RequestTotals&) {
    const ScoreResult score = ToScoreResult(sentences);  // A long text's windows, joined.
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

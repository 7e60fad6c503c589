// The path every text-carrying RPC shares: find the model, check the texts
// against the limits, split them into sentences, tokenize, make one Job per
// sentence and submit them to the model's scheduler — or say precisely why
// not. Results come back per text (TextDone) and once for the request.
#ifndef LITEFORMER_SERVER_SERVICE_TEXT_REQUESTS_H_
#define LITEFORMER_SERVER_SERVICE_TEXT_REQUESTS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/text/language.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/request/pending_request.h"
#include "server/service/service_context.h"

namespace liteformer {

enum class TextWork { kDecode, kScore, kGenerate };

struct TextCall {
  Task task = Task::kTranslation;
  TextWork work = TextWork::kDecode;
  std::string model;  // Empty: the task's default.
  std::vector<std::string> texts;
  v1::DecodingOptions options;
  std::uint32_t max_tokens = 0;  // Generate only.
  absl::Time deadline = absl::InfiniteFuture();
  std::shared_ptr<std::atomic<bool>> cancelled;  // The RPC's flag.
  std::string client = "anonymous";              // The token's name (metrics).
  std::string quota_key;                         // CallRecord::quota_key.
  v1::Priority priority = v1::PRIORITY_UNSPECIFIED;
};

// How a finished text or request is handed back. `model` is null when the
// request failed before a model was found.
struct TextCallbacks {
  std::function<void(const ServedModel& model, int text, std::vector<FinishedSentence>& sentences,
                     const RequestTotals& totals)>
      text_done;
  std::function<void(const ServedModel* model, const absl::Status& status,
                     const RequestTotals& totals)>
      request_done;
  // Generate: each token as soon as it is chosen (sampling and greedy).
  std::function<void(const ServedModel& model, int token)> on_token;
};

// Calls callbacks.request_done exactly once (at once when the request is
// refused). The model name is reported through `record_model`.
void StartTextCall(ServiceContext& context, TextCall call, TextCallbacks callbacks,
                   const std::function<void(const std::string&)>& record_model);

// The texts of a repeated string field.
std::vector<std::string> ToTexts(const google::protobuf::RepeatedPtrField<std::string>& texts);

// The language a model's sources are split into sentences by (its
// config.json source_lang; the neutral rules for any other).
Language SourceLanguage(const ServedModel& model);

// A text's sentences' hypotheses joined into one Result (nbest by rank).
// `original`: the translated text, whose layout the result keeps (each
// sentence's translation in its place; line breaks, blank lines, spacing,
// indentation and list markers as they were); null (Summarize): the
// sentences joined by spaces.
v1::Result JoinSentences(const ServedModel& model, std::vector<FinishedSentence>& sentences,
                         bool with_scores, const std::string* original);

v1::Usage MakeUsage(const ServedModel& model, const RequestTotals& totals);

// request_done of a unary RPC: the usage on success, an empty response on
// failure, then the call's status.
template <typename Call, typename Response>
auto FinishUnary(Call* call, Response* response) {
  return [call, response](const ServedModel* served, const absl::Status& status,
                          const RequestTotals& totals) {
    if (status.ok()) {
      *response->mutable_usage() = MakeUsage(*served, totals);
    } else {
      response->Clear();
    }
    call->Complete(status);
  };
}

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_TEXT_REQUESTS_H_

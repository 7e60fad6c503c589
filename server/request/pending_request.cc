#include "server/request/pending_request.h"

#include <algorithm>

namespace liteformer {

PendingRequest::PendingRequest(std::vector<int> sentences_per_text,
                               const std::vector<int>& input_tokens, TextDone text_done,
                               RequestDone request_done)
    : missing_(std::move(sentences_per_text)),
      text_done_(std::move(text_done)),
      request_done_(std::move(request_done)) {
  results_.resize(missing_.size());
  text_totals_.resize(missing_.size());
  for (std::size_t i = 0; i < missing_.size(); ++i) results_[i].resize(missing_[i]);
  texts_missing_ = static_cast<int>(missing_.size());
  for (std::size_t i = 0; i < input_tokens.size() && i < text_totals_.size(); ++i) {
    text_totals_[i].input_tokens = input_tokens[i];
    totals_.input_tokens += input_tokens[i];
  }
}

void PendingRequest::set_seed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  totals_.seed = seed;
  for (RequestTotals& totals : text_totals_) totals.seed = seed;
}

absl::AnyInvocable<void(absl::StatusOr<FinishedSentence>, const JobTimes&)>
PendingRequest::DoneCallback(int text, int sentence) {
  return [self = shared_from_this(), text, sentence](absl::StatusOr<FinishedSentence> result,
                                                     const JobTimes& times) {
    self->OnJobDone(text, sentence, std::move(result), times);
  };
}

void PendingRequest::FailBeforeSubmit(const absl::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  done_ = true;
  request_done_(status, totals_);
}

void PendingRequest::OnJobDone(int text, int sentence, absl::StatusOr<FinishedSentence> result,
                               const JobTimes& times) {
  // Callbacks run under the lock, so the RPC sees them one at a time and in
  // a consistent order (no text reported after the request is done).
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return;
  if (!result.ok()) {
    done_ = true;
    // The other sentences are of no use now: let them leave their batches.
    cancelled_->store(true);
    request_done_(result.status(), totals_);
    return;
  }
  RequestTotals& text_totals = text_totals_[text];
  for (RequestTotals* totals : {&text_totals, &totals_}) {
    totals->macs += result->macs;
    if (!result->hypotheses.empty()) {
      totals->output_tokens += static_cast<int>(result->hypotheses.front().tokens.size());
    }
    totals->max_queued = std::max(totals->max_queued, times.queued);
    totals->compute += times.compute;
  }
  results_[text][sentence] = *std::move(result);
  if (--missing_[text] == 0) {
    text_done_(text, results_[text], text_totals);
    results_[text].clear();
    if (--texts_missing_ == 0) {
      done_ = true;
      request_done_(absl::OkStatus(), totals_);
    }
  }
}

}  // namespace liteformer

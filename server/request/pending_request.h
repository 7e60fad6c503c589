// PendingRequest: one RPC's sentence jobs in flight. Each text of the request
// is split into sentences, each a Job; as jobs finish their results are put
// back in place, a text is reported once all its sentences are in, and the
// request once every text is (or at the first failure, with its status).
// It lives as long as any of its jobs' callbacks (shared ownership).
#ifndef LITEFORMER_SERVER_REQUEST_PENDING_REQUEST_H_
#define LITEFORMER_SERVER_REQUEST_PENDING_REQUEST_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "server/scheduler/job.h"

namespace liteformer {

// What serving the request (or one text) cost.
struct RequestTotals {
  int input_tokens = 0;  // Source or prompt tokens, </s> included.
  long macs = 0;
  int output_tokens = 0;
  absl::Duration max_queued;
  absl::Duration compute;  // Sum over its sentences.
  std::uint64_t seed = 0;  // The sampling seed its sentences used; 0: not sampled.
};

class PendingRequest : public std::enable_shared_from_this<PendingRequest> {
 public:
  // A text's sentences, finished, in order.
  using TextDone = std::function<void(int text, std::vector<FinishedSentence>& sentences,
                                      const RequestTotals& totals)>;
  // Once: OK after every text was reported, or the first failure.
  using RequestDone = std::function<void(const absl::Status& status, const RequestTotals& totals)>;

  // input_tokens: one count per text.
  PendingRequest(std::vector<int> sentences_per_text, const std::vector<int>& input_tokens,
                 TextDone text_done, RequestDone request_done);

  // Reported in every totals; call before any job is submitted.
  void set_seed(std::uint64_t seed);

  // The callback for job (text, sentence).
  absl::AnyInvocable<void(absl::StatusOr<FinishedSentence>, const JobTimes&)> DoneCallback(
      int text, int sentence);

  // Set by the RPC when the client cancels; jobs poll it.
  const std::shared_ptr<std::atomic<bool>>& cancelled() const { return cancelled_; }

  // The request never reached the scheduler (e.g. the queue was full): no
  // job callback will come.
  void FailBeforeSubmit(const absl::Status& status);

 private:
  void OnJobDone(int text, int sentence, absl::StatusOr<FinishedSentence> result,
                 const JobTimes& times);

  std::mutex mu_;
  std::vector<std::vector<FinishedSentence>> results_;
  std::vector<int> missing_;  // Sentences still out, per text.
  std::vector<RequestTotals> text_totals_;
  int texts_missing_ = 0;
  bool done_ = false;
  RequestTotals totals_;
  TextDone text_done_;
  RequestDone request_done_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_REQUEST_PENDING_REQUEST_H_

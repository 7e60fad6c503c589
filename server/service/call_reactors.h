// The two shapes of RPC the services use, on gRPC's callback API:
//   UnaryCall      — one response, finished once (Translate, Summarize, Score);
//   StreamCall<T>  — messages queued from any thread, written one at a time,
//                    then finished (TranslateStream, Generate).
// Both expose the client's cancellation as a flag the scheduler's jobs poll,
// record the request's metrics when it finishes, and delete themselves when
// gRPC is done with them.
#ifndef LITEFORMER_SERVER_SERVICE_CALL_REACTORS_H_
#define LITEFORMER_SERVER_SERVICE_CALL_REACTORS_H_

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "server/grpc_status.h"
#include "server/server_metrics.h"
#include "server/service/call_tracker.h"
#include "server/service/log_limiter.h"
#include "spdlog/spdlog.h"

namespace liteformer {

// Failed calls log at most 20 lines at once and 10 a second after that
// (requests_total counts them all).
inline LogLimiter& FailedCallLogLimiter() {
  static LogLimiter limiter(/*per_second=*/10, /*burst=*/20);
  return limiter;
}

// What every call records when it ends.
class CallRecord {
 public:
  CallRecord(ServerMetrics& metrics, CallTracker& tracker, std::string method)
      : metrics_(metrics), tracked_(tracker), method_(std::move(method)), start_(absl::Now()) {}

  void set_model(std::string model) { model_ = std::move(model); }
  void set_client(std::string client) { client_ = std::move(client); }
  const std::string& client() const { return client_; }
  // Whose quotas the call's sentences count against (client_quotas.h).
  void set_quota_key(std::string key) { quota_key_ = std::move(key); }
  const std::string& quota_key() const { return quota_key_; }

  // `client_left`: the client cancelled the call or its stream broke. Work
  // that completed anyway never reached the client, so it counts as CANCELLED.
  void Finish(const absl::Status& status, bool client_left) {
    const absl::StatusCode code =
        status.ok() && client_left ? absl::StatusCode::kCancelled : status.code();
    metrics_.RecordRequest(model_.empty() ? "-" : model_, method_, client_, code,
                           absl::ToDoubleSeconds(absl::Now() - start_));
    if (!status.ok()) {
      // The status only (escaped and bounded): request text never reaches the
      // logs at info level. Rate-limited: under overload every refusal fails a call.
      const LogLimiter::Decision decision = FailedCallLogLimiter().Allow(absl::Now());
      if (decision.log) {
        spdlog::info("{} model={} client={} failed: {}: {}{}", method_,
                     model_.empty() ? "-" : model_, client_, StatusCodeName(status.code()),
                     EscapeForLog(status.message()),
                     decision.suppressed_before == 0
                         ? ""
                         : absl::StrCat(" (", decision.suppressed_before,
                                        " failed calls not logged before this one)"));
      }
    }
  }

 private:
  ServerMetrics& metrics_;
  TrackedCall tracked_;  // Until gRPC is done with the call (its reactor deleted).
  std::string method_;
  std::string model_;
  // Who called: the token's name, or "anonymous" (no auth, or refused by it).
  std::string client_ = "anonymous";
  std::string quota_key_;  // The client's name, or its IP address without auth.
  absl::Time start_;
};

// A refusal's retry hint (retry_hint.h) as trailing metadata of `rpc`.
void AddRetryMetadata(grpc::CallbackServerContext* rpc, const absl::Status& status);

class UnaryCall : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(ServerMetrics& metrics, CallTracker& tracker, std::string method,
            grpc::CallbackServerContext* rpc)
      : record_(metrics, tracker, std::move(method)), rpc_(rpc) {}

  CallRecord& record() { return record_; }
  const std::shared_ptr<std::atomic<bool>>& cancelled() const { return cancelled_; }
  // Shares the cancel flag with a PendingRequest's.
  void set_cancel_flag(std::shared_ptr<std::atomic<bool>> flag) { cancelled_ = std::move(flag); }

  void Complete(const absl::Status& status) {
    record_.Finish(status, *cancelled_);
    AddRetryMetadata(rpc_, status);
    Finish(ToGrpcStatus(status));
  }

  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }

 private:
  CallRecord record_;
  grpc::CallbackServerContext* rpc_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

template <typename Response>
class StreamCall : public grpc::ServerWriteReactor<Response> {
 public:
  StreamCall(ServerMetrics& metrics, CallTracker& tracker, std::string method,
             grpc::CallbackServerContext* rpc)
      : record_(metrics, tracker, std::move(method)), rpc_(rpc) {}

  CallRecord& record() { return record_; }
  const std::shared_ptr<std::atomic<bool>>& cancelled() const { return cancelled_; }
  void set_cancel_flag(std::shared_ptr<std::atomic<bool>> flag) { cancelled_ = std::move(flag); }

  // gRPC may run a reaction inline, so StartWrite and Finish are called with
  // mu_ released; writing_ keeps one write in flight and front() stable.
  void Write(Response response) {
    Response* next = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closing_) return;
      pending_.push_back(std::move(response));
      if (!writing_) {
        writing_ = true;
        next = &pending_.front();
      }
    }
    if (next != nullptr) this->StartWrite(next);
  }

  // Finishes after everything queued is written (or at once on failure).
  void Complete(const absl::Status& status) {
    record_.Finish(status, *cancelled_);
    bool finish_now = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      // Trailing metadata may be added until Finish.
      AddRetryMetadata(rpc_, status);
      final_status_ = ToGrpcStatus(status);
      // On failure drop what is not yet being written (front() may be in flight).
      if (!status.ok()) {
        while (pending_.size() > (writing_ ? 1u : 0u)) pending_.pop_back();
      }
      finish_now = !writing_ && !finished_;
      finished_ = finished_ || finish_now;
    }
    if (finish_now) this->Finish(final_status_);
  }

  void OnWriteDone(bool ok) override {
    Response* next = nullptr;
    bool finish_now = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.pop_front();
      writing_ = false;
      if (!ok) {
        pending_.clear();  // The stream is broken (the client left).
        cancelled_->store(true);
      }
      if (!pending_.empty()) {
        writing_ = true;
        next = &pending_.front();
      } else if (closing_ && !finished_) {
        finished_ = true;
        finish_now = true;
      }
    }
    if (next != nullptr) {
      this->StartWrite(next);
    } else if (finish_now) {
      this->Finish(final_status_);
    }
  }

  void OnCancel() override { cancelled_->store(true); }
  void OnDone() override { delete this; }

 private:
  CallRecord record_;
  grpc::CallbackServerContext* rpc_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  std::mutex mu_;
  std::deque<Response> pending_;  // front() is being written while writing_.
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  grpc::Status final_status_;  // Not changed once finished_ is set.
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_CALL_REACTORS_H_

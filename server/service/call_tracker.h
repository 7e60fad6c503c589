// CallTracker: how many RPCs are live and when the last one arrived, so a
// draining server calls grpc::Server::Shutdown only once clients have stopped
// sending to it. Shutdown kills calls that reach the transport while it runs
// (the client sees CANCELLED, which no retry policy may safely repeat), so the
// quiet moment is what makes a rolling restart lose nothing.
#ifndef LITEFORMER_SERVER_SERVICE_CALL_TRACKER_H_
#define LITEFORMER_SERVER_SERVICE_CALL_TRACKER_H_

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

namespace liteformer {

class CallTracker {
 public:
  CallTracker() = default;
  CallTracker(const CallTracker&) = delete;
  CallTracker& operator=(const CallTracker&) = delete;

  void Started();
  void Ended();

  // Waits until no call is live and none has started for `quiet`, or until
  // `deadline`. Returns whether it got quiet.
  bool WaitUntilQuiet(absl::Duration quiet, absl::Time deadline);

  int live() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  int live_ = 0;
  absl::Time last_started_ = absl::InfinitePast();
};

// Counts one call for as long as it lives.
class TrackedCall {
 public:
  explicit TrackedCall(CallTracker& tracker) : tracker_(tracker) { tracker_.Started(); }
  ~TrackedCall() { tracker_.Ended(); }
  TrackedCall(const TrackedCall&) = delete;
  TrackedCall& operator=(const TrackedCall&) = delete;

 private:
  CallTracker& tracker_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_CALL_TRACKER_H_

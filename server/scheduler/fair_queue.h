// FairQueue: the queued jobs of one priority class, in fair order — by
// client first, then by request within a client, then oldest first within
// a request.
//
// Fair order is start-time fair queuing over each job's expected work
// (Job::work): every client has a service count, the work of its jobs that
// have left the queue; the next job is the oldest job of the least-served
// request of the least-served client. A client (or request) that becomes
// active starts at the service of the last job taken (the class's virtual
// time), so idle time earns no credit to spend later, and a newcomer is
// served before a client that has already had more than it. This is
// deficit round robin without a fixed quantum: a request of 256 sentences
// and a request of one alternate sentence by sentence, weighted by work.
//
// Jobs are looked at in fair order (Peek) and then taken (Take), so the
// scheduler can pick jobs of similar length from the first few in fair
// order; only what is taken is counted as service.
//
// Not thread-safe: the scheduler holds its mutex around every call.
#ifndef LITEFORMER_SERVER_SCHEDULER_FAIR_QUEUE_H_
#define LITEFORMER_SERVER_SCHEDULER_FAIR_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/scheduler/job.h"

namespace liteformer {

class FairQueue {
 public:
  // Which jobs Peek may return: `client` and the service its client would
  // have once the jobs before it in fair order are counted.
  using ClientFilter = std::function<bool(const std::string& client, double service)>;

  void Push(std::unique_ptr<Job> job);

  // Up to `count` queued jobs in fair order, left in the queue. Only jobs
  // enqueued no later than `enqueued_by` and passing `filter` (if set).
  std::vector<const Job*> Peek(std::size_t count, absl::Time enqueued_by,
                               const ClientFilter& filter = {}) const;

  // Takes `jobs` (from Peek, in any order) out of the queue, counting their
  // work as their clients' and requests' service; sets Job::client_service.
  std::vector<std::unique_ptr<Job>> Take(const std::vector<const Job*>& jobs);

  // Takes every job `drop` is true for; and every job.
  std::vector<std::unique_ptr<Job>> TakeIf(const std::function<bool(const Job&)>& drop);
  std::vector<std::unique_ptr<Job>> TakeAll();

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  double work() const { return work_; }  // Σ Job::work of the queued jobs.
  // When the longest-queued job was enqueued (InfiniteFuture when empty).
  absl::Time oldest_enqueued() const;

 private:
  struct Request {
    std::uint64_t id = 0;
    double service = 0;
    std::uint64_t arrival = 0;  // Tie-break: earlier first.
    std::deque<std::unique_ptr<Job>> jobs;
  };
  struct Client {
    std::string key;
    double service = 0;
    double request_virtual_time = 0;  // As the class's, among its requests.
    std::uint64_t arrival = 0;
    std::deque<Request> requests;  // Active (holding jobs) only.
  };

  Client* FindClient(const std::string& key);
  // Drops requests and clients left without jobs, and recounts the totals.
  void Compact();

  std::deque<Client> clients_;  // Active (holding jobs) only.
  double virtual_time_ = 0;      // Service of the last job taken, before it.
  std::uint64_t next_arrival_ = 0;
  std::size_t size_ = 0;
  double work_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SCHEDULER_FAIR_QUEUE_H_

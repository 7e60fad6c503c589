// ClientQuotas: what each client may have the server do, so that no client
// takes the queue from the others (issue 17). Per client (a token's name, or
// the peer's IP address without auth):
//   max_in_flight_sentences  sentences queued or decoding at once;
//   sentences_per_second     a token bucket of burst_sentences.
// A request is admitted or refused whole. Admission returns a QuotaLease
// that holds the request's sentences in flight until each is released (as
// its sentence finishes) or the lease is destroyed.
//
// Thread-safe. Clients with nothing in flight and a full bucket are
// forgotten after a while, so a stream of new peers cannot grow the table.
#ifndef LITEFORMER_SERVER_QUOTA_CLIENT_QUOTAS_H_
#define LITEFORMER_SERVER_QUOTA_CLIENT_QUOTAS_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/quota/quota_settings.h"

namespace liteformer {

namespace quota_internal {
// One client's live state (shared by its leases).
struct ClientState {
  explicit ClientState(const QuotaLimits& l, absl::Time now)
      : limits(l), tokens(l.burst_sentences), refilled(now) {}

  const QuotaLimits limits;
  std::mutex mu;
  int in_flight = 0;    // Guarded by mu.
  double tokens;        // Guarded by mu; may be negative (a large request's debt).
  absl::Time refilled;  // Guarded by mu.
};
}  // namespace quota_internal

// Sentences of one admitted request, in flight until released.
class QuotaLease {
 public:
  // `tokens`: what the request took from the bucket (0 without a rate limit).
  QuotaLease(std::shared_ptr<quota_internal::ClientState> state, int sentences, double tokens);
  ~QuotaLease();  // Releases whatever is still held.
  QuotaLease(const QuotaLease&) = delete;
  QuotaLease& operator=(const QuotaLease&) = delete;

  // One sentence finished (or failed, or was cancelled).
  void ReleaseOne();
  // The request was refused after all (by the scheduler): the sentences it
  // took from the token bucket go back, as if it had never come.
  void ReturnTokens();

 private:
  std::shared_ptr<quota_internal::ClientState> state_;
  int held_;       // Guarded by state_->mu.
  double tokens_;  // Guarded by state_->mu.
};

// Which limit refused a request (the metric's label).
enum class QuotaLimit { kInFlight, kRate };
const char* QuotaLimitName(QuotaLimit limit);

class ClientQuotas {
 public:
  explicit ClientQuotas(QuotaSettings settings)
      : settings_(std::move(settings)), enabled_(settings_.enabled()) {}

  // Whether any client has a limit (checked on every call: kept, not recomputed).
  bool enabled() const { return enabled_; }

  struct Refusal {
    absl::Status status;  // RESOURCE_EXHAUSTED with a retry hint (retry_hint.h).
    QuotaLimit limit;
  };
  // Takes `sentences` (> 0) from `client`'s quotas at `now`: a lease, or why
  // not. `in_flight_retry`: the retry hint when the in-flight limit refuses
  // (how soon the client's sentences may have finished; at least 50 ms).
  // A null lease with no refusal: `client` has no limits.
  struct Admission {
    std::shared_ptr<QuotaLease> lease;
    std::optional<Refusal> refusal;
  };
  Admission Admit(const std::string& client, int sentences, absl::Time now,
                  absl::Duration in_flight_retry);

  // Clients with state (tests: the table stays bounded).
  std::size_t tracked_clients() const;

 private:
  // Drops idle clients; caller holds mu_.
  void SweepLocked(absl::Time now);

  const QuotaSettings settings_;
  const bool enabled_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<quota_internal::ClientState>> clients_;
  absl::Time last_sweep_ = absl::InfinitePast();
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_QUOTA_CLIENT_QUOTAS_H_

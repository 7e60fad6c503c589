#include "server/quota/client_quotas.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/strings/str_cat.h"
#include "server/scheduler/retry_hint.h"

namespace liteformer {
namespace {

using quota_internal::ClientState;

// How often idle clients (nothing in flight, a full bucket) are forgotten:
// their state is then what a new client starts with anyway.
constexpr absl::Duration kSweepEvery = absl::Seconds(30);

void Refill(ClientState& state, absl::Time now) {
  const QuotaLimits& limits = state.limits;
  if (limits.sentences_per_second <= 0 || now <= state.refilled) return;
  state.tokens =
      std::min(limits.burst_sentences, state.tokens + absl::ToDoubleSeconds(now - state.refilled) *
                                                          limits.sentences_per_second);
  state.refilled = now;
}

absl::Status Exhausted(std::string message, absl::Duration retry) {
  absl::Status status = absl::ResourceExhaustedError(std::move(message));
  SetRetryAfter(status, std::max(retry, absl::Milliseconds(50)));
  return status;
}

}  // namespace

const char* QuotaLimitName(QuotaLimit limit) {
  return limit == QuotaLimit::kInFlight ? "max_in_flight_sentences" : "sentences_per_second";
}

QuotaLease::QuotaLease(std::shared_ptr<ClientState> state, int sentences, double tokens)
    : state_(std::move(state)), held_(sentences), tokens_(tokens) {}

QuotaLease::~QuotaLease() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->in_flight -= held_;
}

void QuotaLease::ReleaseOne() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (held_ == 0) return;
  --held_;
  --state_->in_flight;
}

void QuotaLease::ReturnTokens() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->tokens = std::min(state_->limits.burst_sentences, state_->tokens + tokens_);
  tokens_ = 0;
}

ClientQuotas::Admission ClientQuotas::Admit(const std::string& client, int sentences,
                                            absl::Time now, absl::Duration in_flight_retry) {
  const QuotaLimits& limits = settings_.For(client);
  if (!limits.limited() || sentences <= 0) return {};
  std::shared_ptr<ClientState> state;
  {
    std::lock_guard<std::mutex> lock(mu_);
    SweepLocked(now);
    std::shared_ptr<ClientState>& slot = clients_[client];
    if (slot == nullptr) slot = std::make_shared<ClientState>(limits, now);
    state = slot;
  }
  std::lock_guard<std::mutex> lock(state->mu);
  const int max_in_flight = limits.max_in_flight_sentences;
  // A request larger than the limit runs alone rather than never.
  if (max_in_flight > 0 && state->in_flight > 0 && state->in_flight + sentences > max_in_flight) {
    return {nullptr,
            Refusal{Exhausted(absl::StrCat("client '", client, "' is over its quota: ",
                                           state->in_flight, " sentences in flight and ", sentences,
                                           " more exceed max_in_flight_sentences = ", max_in_flight,
                                           "; retry later"),
                              in_flight_retry),
                    QuotaLimit::kInFlight}};
  }
  if (limits.sentences_per_second > 0) {
    Refill(*state, now);
    // A request larger than the bucket needs a full bucket and leaves a debt.
    const double needed = std::min<double>(sentences, limits.burst_sentences);
    if (state->tokens < needed) {
      const absl::Duration wait =
          absl::Seconds((needed - state->tokens) / limits.sentences_per_second);
      return {nullptr,
              Refusal{Exhausted(absl::StrCat("client '", client, "' is over its quota: ", sentences,
                                             " sentences exceed sentences_per_second = ",
                                             limits.sentences_per_second, " (burst ",
                                             limits.burst_sentences, ") for another ",
                                             absl::ToInt64Milliseconds(wait), " ms"),
                                wait),
                      QuotaLimit::kRate}};
    }
    state->tokens -= sentences;
  }
  state->in_flight += sentences;
  const double taken = limits.sentences_per_second > 0 ? sentences : 0.0;
  return {std::make_shared<QuotaLease>(std::move(state), sentences, taken), std::nullopt};
}

std::size_t ClientQuotas::tracked_clients() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clients_.size();
}

void ClientQuotas::SweepLocked(absl::Time now) {
  if (now - last_sweep_ < kSweepEvery) return;
  last_sweep_ = now;
  absl::erase_if(clients_, [now](const auto& entry) {
    ClientState& state = *entry.second;
    // A lease still shares it: keep it (its in-flight count is live).
    if (entry.second.use_count() > 1) return false;
    std::lock_guard<std::mutex> lock(state.mu);
    Refill(state, now);
    const bool bucket_full =
        state.limits.sentences_per_second <= 0 || state.tokens >= state.limits.burst_sentences;
    return state.in_flight == 0 && bucket_full;
  });
}

}  // namespace liteformer

#include "client/arrival_schedule.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace liteformer::client {

absl::StatusOr<Arrival> ParseArrival(absl::string_view name) {
  if (name == "constant") return Arrival::kConstant;
  if (name == "poisson") return Arrival::kPoisson;
  return absl::InvalidArgumentError(
      absl::StrCat("--arrival must be constant or poisson, not '", name, "'"));
}

ArrivalSchedule::ArrivalSchedule(Arrival arrival, double rate, uint64_t seed)
    : arrival_(arrival), rate_(rate), random_(seed) {}

double ArrivalSchedule::Next() {
  if (arrival_ == Arrival::kConstant) {
    // Multiplying (not summing gaps) keeps the 1,000,000th send on time.
    return static_cast<double>(sent_++) / rate_;
  }
  const double first = time_;
  // Inverse-CDF sampling by hand: std::exponential_distribution's algorithm
  // is up to the library, and the schedule should not depend on it.
  const double uniform = static_cast<double>(random_() >> 11) * 0x1.0p-53;  // [0, 1)
  time_ += -std::log1p(-uniform) / rate_;
  ++sent_;
  return first;
}

}  // namespace liteformer::client

// When an open-loop load run sends each request.
#ifndef LITEFORMER_CLIENT_ARRIVAL_SCHEDULE_H_
#define LITEFORMER_CLIENT_ARRIVAL_SCHEDULE_H_

#include <cstdint>
#include <random>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer::client {

enum class Arrival { kConstant, kPoisson };

absl::StatusOr<Arrival> ParseArrival(absl::string_view name);

// Send times in seconds from the start of the run, increasing. Constant
// arrivals are exactly 1/rate apart; Poisson arrivals have exponential gaps
// of mean 1/rate drawn from a seeded generator, so two runs with the same
// seed offer the server the same load at the same instants.
class ArrivalSchedule {
 public:
  ArrivalSchedule(Arrival arrival, double rate, uint64_t seed);

  // The send time of the next request.
  double Next();

 private:
  Arrival arrival_;
  double rate_;
  std::mt19937_64 random_;
  uint64_t sent_ = 0;
  double time_ = 0;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_ARRIVAL_SCHEDULE_H_

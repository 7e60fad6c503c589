// SplitMix64, the sampling RNG: tiny, and reproducible bit for bit by the
// PyTorch reference, so sampled outputs can be checked for parity.
#ifndef LITEFORMER_ENGINE_SEARCH_SPLIT_MIX64_H_
#define LITEFORMER_ENGINE_SEARCH_SPLIT_MIX64_H_

#include <cstdint>

namespace liteformer {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t Next() {
    state_ += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // A double in [0, 1): the top 53 bits times 2^-53 (exact).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_SPLIT_MIX64_H_

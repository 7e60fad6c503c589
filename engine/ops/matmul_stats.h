// Process-wide matmul accounting for benchmarks: time spent in and
// floating-point operations done by PackedLinear, off unless enabled (one
// relaxed load per call when off).
#ifndef LITEFORMER_ENGINE_OPS_MATMUL_STATS_H_
#define LITEFORMER_ENGINE_OPS_MATMUL_STATS_H_

#include <atomic>
#include <cstdint>

namespace liteformer {

struct MatmulStats {
  std::atomic<bool> enabled{false};
  std::atomic<std::uint64_t> nanoseconds{0};
  std::atomic<std::uint64_t> flops{0};
  std::atomic<std::uint64_t> calls{0};

  void Reset() {
    nanoseconds = 0;
    flops = 0;
    calls = 0;
  }
};

MatmulStats& GlobalMatmulStats();

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_MATMUL_STATS_H_

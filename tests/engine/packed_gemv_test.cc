// PackedGemv against a naive double-precision loop and against oneDNN's matmul
// (through PackedLinear), on weights reordered exactly as PackedLinear::Create
// does, for awkward shapes, 1-4 rows, every epilogue and 1 or 2 threads.
#include "engine/ops/packed_gemv.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <vector>

#include "dnnl.hpp"
#include "engine/ops/packed_linear.h"
#include "engine/tensor/compute_context.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

constexpr GemvEpilogue kEpilogues[] = {GemvEpilogue::kNone, GemvEpilogue::kRelu,
                                       GemvEpilogue::kAccumulate};
constexpr float kSentinel = 12345.0f;

std::vector<float> Random(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

// The layout PackedLinear::Create asks the primitive for.
dnnl::memory::desc ChosenDesc(int k, int n) {
  const dnnl::matmul::primitive_desc probe(
      dnnl::matmul::desc(dnnl::memory::desc({1, k}, dt::f32, tag::ab),
                         dnnl::memory::desc({k, n}, dt::f32, tag::any),
                         dnnl::memory::desc({1, n}, dt::f32, tag::ab),
                         dnnl::memory::desc({1, n}, dt::f32, tag::ab)),
      CpuEngine());
  return probe.weights_desc();
}

// A [k, n] blocked desc built by hand, for layouts no format_tag names:
// bk == 1 gives a single inner N block; n_outer puts N-blocks outermost (BA).
dnnl::memory::desc HandBlockedDesc(int k, int n, int bk, int bn, bool n_outer) {
  dnnl::memory::desc desc({k, n}, dt::f32, tag::ab);
  dnnl_memory_desc_t& d = desc.data;
  const long pk = (k + bk - 1) / bk * bk, pn = (n + bn - 1) / bn * bn;
  d.padded_dims[0] = pk;
  d.padded_dims[1] = pn;
  dnnl_blocking_desc_t& b = d.format_desc.blocking;
  if (bk > 1) {
    b.inner_nblks = 2;
    b.inner_idxs[0] = 0, b.inner_blks[0] = bk;
    b.inner_idxs[1] = 1, b.inner_blks[1] = bn;
  } else {
    b.inner_nblks = 1;
    b.inner_idxs[0] = 1, b.inner_blks[0] = bn;
  }
  const long block = static_cast<long>(bk) * bn;
  b.strides[0] = n_outer ? block : pn / bn * block;
  b.strides[1] = n_outer ? pk / bk * block : block;
  return desc;
}

// `weight` is [n, k] row-major (PyTorch); reordered as in PackedLinear::Create.
dnnl::memory Pack(const std::vector<float>& weight, int k, int n,
                  const dnnl::memory::desc& packed_desc) {
  const dnnl::engine& engine = CpuEngine();
  dnnl::memory plain(dnnl::memory::desc({k, n}, dt::f32, tag::ba), engine,
                     const_cast<float*>(weight.data()));
  dnnl::memory packed(packed_desc, engine);
  dnnl::stream stream(engine);
  dnnl::reorder(plain, packed).execute(stream, plain, packed);
  stream.wait();
  return packed;
}

// Runs PackedGemv on `rows` rows of `x` copied into a buffer that ends in
// NaN (reading x past k would poison the result) with y followed by
// sentinels (checked untouched: masked stores). `y_init` seeds y.
std::vector<float> RunGemv(const PackedLayout& layout, const dnnl::memory& weights,
                           const std::vector<float>& bias, const std::vector<float>& x, int rows,
                           const std::vector<float>& y_init, GemvEpilogue epilogue, int threads) {
  const int k = layout.k, n = layout.n;
  std::vector<float> xs(static_cast<std::size_t>(rows) * k + 64,
                        std::numeric_limits<float>::quiet_NaN());
  std::copy(x.begin(), x.begin() + static_cast<long>(rows) * k, xs.begin());
  std::vector<float> y(static_cast<std::size_t>(rows) * n + 64, kSentinel);
  std::copy(y_init.begin(), y_init.begin() + static_cast<long>(rows) * n, y.begin());
  PackedGemv(layout, static_cast<const float*>(weights.get_data_handle()), bias.data(), xs.data(),
             rows, y.data(), epilogue, threads);
  for (std::size_t i = static_cast<std::size_t>(rows) * n; i < y.size(); ++i) {
    EXPECT_EQ(y[i], kSentinel) << "store past y at " << i;
  }
  y.resize(static_cast<std::size_t>(rows) * n);
  return y;
}

struct Problem {
  int k, n;
  std::vector<float> weight, bias, x, y_init;
  std::vector<double> exact, magnitude;  // [kMaxGemvRows, n]: x·W + b and Σ|terms|.

  Problem(int k_in, int n_in) : k(k_in), n(n_in) {
    weight = Random(static_cast<std::size_t>(n) * k, 1);
    bias = Random(n, 2);
    x = Random(static_cast<std::size_t>(kMaxGemvRows) * k, 3);
    y_init = Random(static_cast<std::size_t>(kMaxGemvRows) * n, 4);
    exact.resize(static_cast<std::size_t>(kMaxGemvRows) * n);
    magnitude.resize(exact.size());
    for (int m = 0; m < kMaxGemvRows; ++m) {
      for (int j = 0; j < n; ++j) {
        double sum = bias[j], abs_sum = std::abs(bias[j]);
        for (int i = 0; i < k; ++i) {
          const double term =
              static_cast<double>(x[m * k + i]) * weight[static_cast<long>(j) * k + i];
          sum += term;
          abs_sum += std::abs(term);
        }
        exact[m * n + j] = sum;
        magnitude[m * n + j] = abs_sum;
      }
    }
  }

  // Checks `y` (rows × n) against the naive result within 1e-4 of Σ|terms|.
  void ExpectNearExact(const std::vector<float>& y, int rows, GemvEpilogue epilogue) const {
    int failures = 0;
    for (int i = 0; i < rows * n && failures < 10; ++i) {
      double want = exact[i], scale = magnitude[i];
      if (epilogue == GemvEpilogue::kRelu) want = std::max(want, 0.0);
      if (epilogue == GemvEpilogue::kAccumulate) want += y_init[i], scale += std::abs(y_init[i]);
      if (!(std::abs(y[i] - want) <= 1e-4 * scale)) {
        ADD_FAILURE() << "row " << i / n << " col " << i % n << ": " << y[i] << " vs " << want;
        ++failures;
      }
    }
  }
};

struct Shape {
  int k, n;
};
void PrintTo(const Shape& shape, std::ostream* os) { *os << shape.k << "x" << shape.n; }

class PackedGemvTest : public ::testing::TestWithParam<Shape> {};

TEST_P(PackedGemvTest, MatchesNaiveLoopAndOneDnn) {
  const auto [k, n] = GetParam();
  const Problem p(k, n);
  const dnnl::memory::desc desc = ChosenDesc(k, n);
  const std::optional<PackedLayout> layout = DescribePackedLayout(desc);
  // With AVX-512 (the kernel requires it) oneDNN picks BA16a64b-like blocks.
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->k, k);
  EXPECT_EQ(layout->n, n);
  const dnnl::memory weights = Pack(p.weight, k, n, desc);

  auto linear = PackedLinear::Create(p.weight, p.bias, k, n, "test");
  ASSERT_TRUE(linear.ok()) << linear.status();
  ComputeContext ctx(1);
  const LinearEpilogue linear_epilogues[] = {LinearEpilogue::kNone, LinearEpilogue::kRelu,
                                             LinearEpilogue::kAccumulate};

  for (int e = 0; e < 3; ++e) {
    const GemvEpilogue epilogue = kEpilogues[e];
    // Row m alone, the reference for bit-identity with any row count.
    std::vector<std::vector<float>> single(kMaxGemvRows);
    for (int m = 0; m < kMaxGemvRows; ++m) {
      const std::vector<float> x_m(p.x.begin() + m * k, p.x.begin() + (m + 1) * k);
      const std::vector<float> y_m(p.y_init.begin() + m * n, p.y_init.begin() + (m + 1) * n);
      single[m] = RunGemv(*layout, weights, p.bias, x_m, 1, y_m, epilogue, 1);
    }
    for (int rows = 1; rows <= kMaxGemvRows; ++rows) {
      std::vector<float> onednn(p.y_init.begin(), p.y_init.begin() + rows * n);
      (*linear)->Apply(ctx, p.x.data(), rows, onednn.data(), linear_epilogues[e]);
      for (int threads : {1, 2}) {
        SCOPED_TRACE(testing::Message()
                     << "epilogue " << e << " rows " << rows << " threads " << threads);
        const std::vector<float> y =
            RunGemv(*layout, weights, p.bias, p.x, rows, p.y_init, epilogue, threads);
        p.ExpectNearExact(y, rows, epilogue);
        p.ExpectNearExact(onednn, rows, epilogue);  // Same bound: both are float.
        for (int i = 0, failures = 0; i < rows * n && failures < 10; ++i) {
          const double scale = p.magnitude[i] + std::abs(p.y_init[i]);
          if (!(std::abs(y[i] - onednn[i]) <= 1e-4 * scale)) {
            ADD_FAILURE() << "vs oneDNN at row " << i / n << " col " << i % n << ": " << y[i]
                          << " vs " << onednn[i];
            ++failures;
          }
        }
        for (int m = 0; m < rows; ++m) {
          EXPECT_EQ(std::memcmp(y.data() + m * n, single[m].data(), n * sizeof(float)), 0)
              << "row " << m << " differs from the same row computed alone";
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, PackedGemvTest,
                         ::testing::Values(Shape{248, 248}, Shape{248, 496}, Shape{496, 496},
                                           Shape{248, 124}, Shape{496, 32768}, Shape{16, 496},
                                           Shape{2048, 512}, Shape{512, 2048}, Shape{30, 7},
                                           Shape{1, 5}, Shape{7, 30}, Shape{17, 100}),
                         [](const auto& info) {
                           return std::to_string(info.param.k) + "x" + std::to_string(info.param.n);
                         });

// Block widths and orders oneDNN does not pick on this CPU but may elsewhere:
// each must give the bits of the chosen layout (same FMA chain per output).
TEST(PackedGemvLayoutTest, OtherBlockingsMatchChosenLayoutBitForBit) {
  for (const Shape shape : {Shape{30, 7}, Shape{248, 124}, Shape{17, 100}}) {
    const auto [k, n] = shape;
    const Problem p(k, n);
    const dnnl::memory::desc chosen = ChosenDesc(k, n);
    const PackedLayout chosen_layout = DescribePackedLayout(chosen).value();
    const dnnl::memory chosen_weights = Pack(p.weight, k, n, chosen);
    const std::vector<dnnl::memory::desc> descs = {
        dnnl::memory::desc({k, n}, dt::f32, tag::BA16a16b),
        dnnl::memory::desc({k, n}, dt::f32, tag::BA16a32b),
        dnnl::memory::desc({k, n}, dt::f32, tag::BA16a48b),
        HandBlockedDesc(k, n, 1, 16, /*n_outer=*/true),
        HandBlockedDesc(k, n, 1, 64, /*n_outer=*/false),
        HandBlockedDesc(k, n, 8, 32, /*n_outer=*/false),
    };
    for (std::size_t d = 0; d < descs.size(); ++d) {
      const std::optional<PackedLayout> layout = DescribePackedLayout(descs[d]);
      ASSERT_TRUE(layout.has_value()) << "desc " << d;
      const dnnl::memory weights = Pack(p.weight, k, n, descs[d]);
      for (const GemvEpilogue epilogue : kEpilogues) {
        for (int rows = 1; rows <= kMaxGemvRows; ++rows) {
          SCOPED_TRACE(testing::Message() << k << "x" << n << " desc " << d << " rows " << rows);
          const std::vector<float> y =
              RunGemv(*layout, weights, p.bias, p.x, rows, p.y_init, epilogue, 2);
          const std::vector<float> want =
              RunGemv(chosen_layout, chosen_weights, p.bias, p.x, rows, p.y_init, epilogue, 1);
          p.ExpectNearExact(y, rows, epilogue);
          EXPECT_EQ(std::memcmp(y.data(), want.data(), y.size() * sizeof(float)), 0);
        }
      }
    }
  }
}

TEST(PackedGemvLayoutTest, DescribesBlockedLayout) {
  const std::optional<PackedLayout> layout =
      DescribePackedLayout(dnnl::memory::desc({248, 124}, dt::f32, tag::BA16a64b));
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->k, 248);
  EXPECT_EQ(layout->n, 124);
  EXPECT_EQ(layout->bk, 16);
  EXPECT_EQ(layout->bn, 64);
  EXPECT_EQ(layout->stride_kb, 16 * 64);
  EXPECT_EQ(layout->stride_nb, 256 * 64);  // K padded to 256.
}

TEST(PackedGemvLayoutTest, RejectsLayoutsItCannotRead) {
  const auto rejects = [](const dnnl::memory::desc& desc) {
    return !DescribePackedLayout(desc).has_value();
  };
  EXPECT_TRUE(rejects(dnnl::memory::desc({64, 64}, dt::f32, tag::ab)));  // Plain: oneDNN's.
  EXPECT_TRUE(rejects(dnnl::memory::desc({64, 64}, dt::f32, tag::ba)));
  EXPECT_TRUE(rejects(dnnl::memory::desc({64, 64}, dt::f32, tag::AB16b16a)));  // N-major block.
  EXPECT_TRUE(rejects(dnnl::memory::desc({64, 64}, dt::bf16, tag::BA16a64b)));
  EXPECT_TRUE(rejects(HandBlockedDesc(64, 64, 4, 8, true)));     // bn not a zmm multiple.
  EXPECT_TRUE(rejects(HandBlockedDesc(64, 256, 4, 128, true)));  // bn wider than 4 zmm.
  EXPECT_TRUE(rejects(dnnl::memory::desc({2, 64, 64}, dt::f32, tag::abc)));
}

}  // namespace
}  // namespace liteformer

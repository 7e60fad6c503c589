// Int8Matmul and the int8 quantization against a naive loop of the same scheme:
// the integer sums are exact, so every output equals, bit for bit, the
// scalar fma(float(Σ xq·wq), sx·sw, b) — for awkward shapes (K not a
// multiple of 4, N not one of 64), 1-9 rows, every epilogue, 1 or 2 threads.
#include "engine/ops/int8_matmul.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace liteformer {
namespace {

// Past one group of 4 rows, and a partial group.
constexpr int kRows = 9;

constexpr GemvEpilogue kEpilogues[] = {GemvEpilogue::kNone, GemvEpilogue::kRelu,
                                       GemvEpilogue::kAccumulate};

std::vector<float> Random(std::size_t n, std::uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, sigma);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

// round_half_even(v · 127 / max|row|), written out independently of the code
// under test.
std::vector<int> NaiveQuantize(const float* row, int size, float* inverse) {
  float amax = 0.0f;
  for (int i = 0; i < size; ++i) amax = std::max(amax, std::fabs(row[i]));
  std::vector<int> q(size, 0);
  *inverse = amax / 127.0f;
  if (amax == 0.0f) return q;
  const float scale = 127.0f / amax;
  for (int i = 0; i < size; ++i) {
    q[i] = static_cast<int>(std::nearbyint(row[i] * scale));
    q[i] = std::clamp(q[i], -127, 127);
  }
  return q;
}

TEST(Int8QuantizeTest, WeightsAreRoundedPerRowAndPackedWithTheirOffsets) {
  const int n = 70, k = 37;
  std::vector<float> w = Random(n * k, 1);
  for (int col = 0; col < k; ++col) w[5 * k + col] = 0.0f;  // an all-zero row
  const Int8Weights q = QuantizeInt8Weights(w, n, k);
  ASSERT_EQ(q.k_padded, 40);
  ASSERT_EQ(q.blocks(), 2);
  for (int row = 0; row < n; ++row) {
    float inverse;
    const std::vector<int> expected = NaiveQuantize(&w[row * k], k, &inverse);
    EXPECT_EQ(q.inverse_scales.data()[row], inverse) << row;
    int sum = 0;
    int max_q = 0;
    for (int col = 0; col < k; ++col) {
      ASSERT_EQ(q.at(row, col), expected[col]) << row << "," << col;
      sum += expected[col];
      max_q = std::max(max_q, std::abs(expected[col]));
    }
    EXPECT_EQ(q.compensation.data()[row], 128 * sum) << row;
    if (row != 5) EXPECT_EQ(max_q, 127) << "the row's largest value maps to ±127";
    for (int col = k; col < q.k_padded; ++col) EXPECT_EQ(q.at(row, col), 0);
  }
  // Padded outputs hold zero weights.
  for (int row = n; row < q.blocks() * Int8Weights::kBlockColumns; ++row)
    for (int col = 0; col < q.k_padded; ++col) ASSERT_EQ(q.at(row, col), 0);
  // Dequantized, each weight is within half a step of the original.
  for (int row = 0; row < n; ++row)
    for (int col = 0; col < k; ++col)
      EXPECT_NEAR(q.at(row, col) * q.inverse_scales.data()[row], w[row * k + col],
                  0.5f * q.inverse_scales.data()[row] * 1.0001f);
}

TEST(Int8QuantizeTest, ActivationsAreOffsetBy128AndPaddedWithZero) {
  const int rows = 3, k = 10, k_padded = 12;
  std::vector<float> x = Random(rows * k, 2);
  std::fill(x.begin() + k, x.begin() + 2 * k, 0.0f);  // row 1: zeros
  std::vector<std::uint8_t> xq(rows * k_padded, 0);
  std::vector<float> inverse(rows);
  QuantizeRowsU8(x.data(), rows, k, k_padded, xq.data(), inverse.data());
  for (int m = 0; m < rows; ++m) {
    float expected_inverse;
    const std::vector<int> expected = NaiveQuantize(&x[m * k], k, &expected_inverse);
    EXPECT_EQ(inverse[m], expected_inverse);
    for (int col = 0; col < k; ++col) EXPECT_EQ(xq[m * k_padded + col], expected[col] + 128);
    for (int col = k; col < k_padded; ++col) EXPECT_EQ(xq[m * k_padded + col], 128);
  }
}

TEST(Int8QuantizeTest, NonFiniteActivationsGiveNanOutputs) {
  const int k = 8;
  std::vector<float> x = Random(k, 3);
  x[2] = std::numeric_limits<float>::infinity();
  std::vector<std::uint8_t> xq(k);
  float inverse;
  QuantizeRowsU8(x.data(), 1, k, k, xq.data(), &inverse);
  EXPECT_TRUE(std::isnan(inverse));
  for (std::uint8_t v : xq) EXPECT_EQ(v, 128);
}

struct Shape {
  int k, n;
};

class Int8MatmulTest : public ::testing::TestWithParam<Shape> {};

TEST_P(Int8MatmulTest, EqualsTheNaiveLoopBitForBit) {
  if (!Int8MatmulSupported()) GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  const auto [k, n] = GetParam();
  const std::vector<float> w = Random(static_cast<std::size_t>(n) * k, 10 + k, 0.05f);
  const std::vector<float> bias = Random(n, 20 + n);
  const Int8Weights q = QuantizeInt8Weights(w, n, k);
  const std::vector<float> x = Random(kRows * k, 30 + k, 3.0f);
  std::vector<std::uint8_t> xq(kRows * q.k_padded);
  std::vector<float> x_inverse(kRows);
  QuantizeRowsU8(x.data(), kRows, k, q.k_padded, xq.data(), x_inverse.data());
  const std::vector<float> before = Random(kRows * n, 40);

  for (GemvEpilogue epilogue : kEpilogues) {
    // The naive loop: exact integer sums (int64), then the same float steps.
    std::vector<float> expected(before);
    for (int m = 0; m < kRows; ++m) {
      for (int out = 0; out < n; ++out) {
        std::int64_t sum = 0;
        for (int col = 0; col < k; ++col)
          sum += (static_cast<int>(xq[m * q.k_padded + col]) - 128) * q.at(out, col);
        const float scale = x_inverse[m] * q.inverse_scales.data()[out];
        float r = std::fma(static_cast<float>(sum), scale, bias[out]);
        if (epilogue == GemvEpilogue::kRelu) r = r > 0.0f ? r : 0.0f;
        float& y = expected[m * n + out];
        y = epilogue == GemvEpilogue::kAccumulate ? y + r : r;
      }
    }
    for (int rows = 1; rows <= kRows; ++rows) {
      for (int threads : {1, 2}) {
        // A sentinel row after the last: the kernel must not write past N.
        std::vector<float> y(before);
        y.resize(before.size() + n, 7.0f);
        Int8Matmul(q, xq.data(), x_inverse.data(), bias.data(), rows, y.data(), epilogue, threads);
        for (int i = 0; i < rows * n; ++i) {
          ASSERT_EQ(std::memcmp(&y[i], &expected[i], sizeof(float)), 0)
              << "k=" << k << " n=" << n << " rows=" << rows << " threads=" << threads
              << " epilogue=" << static_cast<int>(epilogue) << " at " << i << ": " << y[i] << " vs "
              << expected[i];
        }
        for (std::size_t i = rows * n; i < y.size(); ++i) {
          const float untouched = i < before.size() ? before[i] : 7.0f;
          ASSERT_EQ(y[i], untouched) << "wrote past row " << rows;
        }
      }
    }
  }
}

// Against float32: the int8 result is an approximation whose error the
// quantization steps bound (the scheme holds BLEU; here, a sanity bound).
TEST_P(Int8MatmulTest, ApproximatesFloat32) {
  if (!Int8MatmulSupported()) GTEST_SKIP() << "no AVX-512 VNNI on this CPU";
  const auto [k, n] = GetParam();
  const std::vector<float> w = Random(static_cast<std::size_t>(n) * k, 50, 0.05f);
  const std::vector<float> bias(n, 0.0f);
  const Int8Weights q = QuantizeInt8Weights(w, n, k);
  const std::vector<float> x = Random(k, 60);
  std::vector<std::uint8_t> xq(q.k_padded);
  float x_inverse;
  QuantizeRowsU8(x.data(), 1, k, q.k_padded, xq.data(), &x_inverse);
  std::vector<float> y(n);
  Int8Matmul(q, xq.data(), &x_inverse, bias.data(), 1, y.data(), GemvEpilogue::kNone, 1);
  double error = 0.0, norm = 0.0;
  for (int out = 0; out < n; ++out) {
    double exact = 0.0;
    for (int col = 0; col < k; ++col) exact += static_cast<double>(x[col]) * w[out * k + col];
    error += (y[out] - exact) * (y[out] - exact);
    norm += exact * exact;
  }
  EXPECT_LT(std::sqrt(error / norm), 0.02) << "relative RMS error";
}

INSTANTIATE_TEST_SUITE_P(Shapes, Int8MatmulTest,
                         ::testing::Values(Shape{1, 1}, Shape{3, 5}, Shape{4, 64}, Shape{37, 70},
                                           Shape{512, 512}, Shape{512, 1031}, Shape{2048, 512}),
                         [](const auto& info) {
                           return "k" + std::to_string(info.param.k) + "_n" +
                                  std::to_string(info.param.n);
                         });

}  // namespace
}  // namespace liteformer

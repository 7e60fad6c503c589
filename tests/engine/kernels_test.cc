// Our own kernels (where oneDNN has no primitive) against naive loops written
// straight from the equations, on random inputs of awkward sizes.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "engine/ops/attention_kernel.h"
#include "engine/ops/dynamic_conv.h"
#include "engine/ops/glu.h"
#include "engine/ops/softmax_rows.h"
#include "engine/ops/top_k.h"
#include "gtest/gtest.h"

namespace liteformer {
namespace {

std::vector<float> Random(std::size_t n, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  return values;
}

TEST(GluTest, MatchesNaiveLoop) {
  const int rows = 5, width = 37;
  const std::vector<float> in = Random(rows * 2 * width, 1, 3.0f);
  std::vector<float> out(rows * width);
  Glu(in.data(), rows, width, out.data());
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < width; ++c) {
      const double a = in[r * 2 * width + c];
      const double b = in[r * 2 * width + width + c];
      EXPECT_NEAR(out[r * width + c], a / (1.0 + std::exp(-b)), 1e-5) << r << "," << c;
    }
  }
}

TEST(SoftmaxRowsTest, MatchesNaiveLoopWithStride) {
  const int rows = 4, width = 9, stride = 13;
  std::vector<float> x = Random(rows * stride, 2, 5.0f);
  const std::vector<float> original = x;
  SoftmaxRows(x.data(), rows, width, stride);
  for (int r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int i = 0; i < width; ++i) sum += std::exp(static_cast<double>(original[r * stride + i]));
    for (int i = 0; i < width; ++i) {
      EXPECT_NEAR(x[r * stride + i], std::exp(static_cast<double>(original[r * stride + i])) / sum,
                  1e-6);
    }
    for (int i = width; i < stride; ++i) EXPECT_EQ(x[r * stride + i], original[r * stride + i]);
  }
}

// y[t, c] = Σ_j w[t, c div R, j] · u[t + j − P, c], zero outside [0, T).
std::vector<double> NaiveConv(const std::vector<float>& u, int length, const std::vector<float>& w,
                              int kernel_time_stride, const ConvShape& shape, int padding) {
  std::vector<double> y(static_cast<std::size_t>(length) * shape.channels, 0.0);
  const int per_head = shape.channels / shape.heads;
  for (int t = 0; t < length; ++t) {
    for (int c = 0; c < shape.channels; ++c) {
      for (int j = 0; j < shape.kernel; ++j) {
        const int source = t + j - padding;
        if (source < 0 || source >= length) continue;
        y[t * shape.channels + c] +=
            static_cast<double>(w[t * kernel_time_stride + (c / per_head) * shape.kernel + j]) *
            u[source * shape.channels + c];
      }
    }
  }
  return y;
}

struct ConvCase {
  int length, channels, heads, kernel;
  bool dynamic, causal;
};

class DynamicConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(DynamicConvTest, SequenceMatchesNaiveLoop) {
  const ConvCase p = GetParam();
  const ConvShape shape{p.channels, p.heads, p.kernel};
  const int stride = p.dynamic ? p.heads * p.kernel : 0;
  const std::vector<float> u = Random(p.length * p.channels, 3);
  const std::vector<float> w = Random((p.dynamic ? p.length : 1) * p.heads * p.kernel, 4);
  const int padding = p.causal ? p.kernel - 1 : p.kernel / 2;
  std::vector<float> y(p.length * p.channels);
  DynamicConvSequence(u.data(), p.length, w.data(), stride, shape, padding, y.data());
  const std::vector<double> expected = NaiveConv(u, p.length, w, stride, shape, padding);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], expected[i], 1e-4) << i;
}

class CausalConvTest : public ::testing::TestWithParam<ConvCase> {};

// Steps are causal: the cases below all have `causal` set.
TEST_P(CausalConvTest, StepsEqualTheSequence) {
  const ConvCase p = GetParam();
  const ConvShape shape{p.channels, p.heads, p.kernel};
  const int stride = p.dynamic ? p.heads * p.kernel : 0;
  const std::vector<float> u = Random(p.length * p.channels, 5);
  const std::vector<float> w = Random((p.dynamic ? p.length : 1) * p.heads * p.kernel, 6);
  std::vector<float> sequence(p.length * p.channels);
  DynamicConvSequence(u.data(), p.length, w.data(), stride, shape, p.kernel - 1, sequence.data());
  // The K−1 previous inputs as a ring, zeros before the start, kept the way
  // the decoder keeps them: each step's input replaces the oldest row.
  const int slots = p.kernel - 1;
  std::vector<float> history(static_cast<std::size_t>(slots) * p.channels, 0.0f);
  int oldest = 0;
  std::vector<float> y(p.channels);
  for (int t = 0; t < p.length; ++t) {
    const float* current = u.data() + t * p.channels;
    DynamicConvStep(history.data(), oldest, current, w.data() + t * stride, shape, y.data());
    if (slots > 0) {
      std::copy(current, current + p.channels, history.begin() + oldest * p.channels);
      oldest = (oldest + 1) % slots;
    }
    for (int c = 0; c < p.channels; ++c)
      EXPECT_EQ(y[c], sequence[t * p.channels + c]) << t << "," << c;
  }
}

std::string ConvCaseName(const ::testing::TestParamInfo<ConvCase>& info) {
  const ConvCase& c = info.param;
  return "T" + std::to_string(c.length) + "C" + std::to_string(c.channels) + "H" +
         std::to_string(c.heads) + "K" + std::to_string(c.kernel) +
         (c.dynamic ? "Dynamic" : "Lightweight") + (c.causal ? "Causal" : "Centered");
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, DynamicConvTest,
    ::testing::Values(ConvCase{7, 8, 4, 3, true, false}, ConvCase{7, 8, 4, 3, true, true},
                      ConvCase{5, 24, 4, 31, true, true}, ConvCase{40, 12, 3, 7, false, false},
                      ConvCase{40, 12, 3, 7, false, true}, ConvCase{1, 16, 4, 15, true, false},
                      ConvCase{9, 248, 4, 31, true, true}, ConvCase{9, 96, 2, 7, false, true}),
    ConvCaseName);

INSTANTIATE_TEST_SUITE_P(Causal, CausalConvTest,
                         ::testing::Values(ConvCase{7, 8, 4, 3, true, true},
                                           ConvCase{5, 24, 4, 31, true, true},
                                           ConvCase{40, 12, 3, 7, false, true},
                                           ConvCase{9, 248, 4, 31, true, true},
                                           ConvCase{40, 96, 2, 7, false, true}),
                         ConvCaseName);

// Shapes around the kernels' 16-lane blocks: below one block (the plain
// loops), whole blocks, and partial last blocks that overlap.
const std::vector<std::pair<int, int>> kAttentionShapes = {  // {keys, head dim}
    {6, 5}, {1, 16}, {15, 17}, {16, 31}, {30, 62}, {33, 64}, {47, 100}};

TEST(AttentionKernelTest, MatchesNaiveLoopCausalAndFull) {
  for (const auto& [keys, dim] : kAttentionShapes) {
    const int queries = std::min(keys, 6), stride = dim + 6;
    const std::vector<float> q = Random(queries * stride, 7), k = Random(keys * stride, 8),
                             v = Random(keys * stride, 9);
    for (bool causal : {false, true}) {
      // With a causal offset, query i sees keys j < i + 1 + offset.
      const int offset = causal ? keys - queries : 0;
      std::vector<float> out(queries * stride, 0.0f), scratch(keys);
      AttendHead({q.data(), stride}, queries, {k.data(), stride}, {v.data(), stride}, keys, dim,
                 causal, offset, out.data(), stride, scratch.data());
      for (int i = 0; i < queries; ++i) {
        const int visible = causal ? i + 1 + offset : keys;
        std::vector<double> p(visible);
        double sum = 0.0;
        for (int j = 0; j < visible; ++j) {
          double dot = 0.0;
          for (int c = 0; c < dim; ++c)
            dot += static_cast<double>(q[i * stride + c]) * k[j * stride + c];
          p[j] = std::exp(dot);
          sum += p[j];
        }
        for (int c = 0; c < dim; ++c) {
          double expected = 0.0;
          for (int j = 0; j < visible; ++j) expected += p[j] / sum * v[j * stride + c];
          ASSERT_NEAR(out[i * stride + c], expected, 1e-5)
              << keys << " keys, dim " << dim << ", causal " << causal << ", " << i << "," << c;
        }
      }
    }
  }
}

TEST(AttentionKernelTest, TransposedKeysMatchRowKeys) {
  for (const auto& [keys, dim] : kAttentionShapes) {
    const int stride = dim + 8, ld = keys + 2;
    const std::vector<float> q = Random(dim, 11), k = Random(keys * stride, 12),
                             v = Random(keys * stride, 13);
    std::vector<float> k_t(static_cast<std::size_t>(dim) * ld, 0.0f);
    for (int j = 0; j < keys; ++j) {
      for (int c = 0; c < dim; ++c) k_t[c * ld + j] = k[j * stride + c];
    }
    std::vector<float> expected(dim), got(dim), scratch(keys);
    AttendHead({q.data(), dim}, 1, {k.data(), stride}, {v.data(), stride}, keys, dim, false, 0,
               expected.data(), dim, scratch.data());
    AttendHeadTransposedKeys(q.data(), k_t.data(), ld, {v.data(), stride}, keys, dim, got.data(),
                             scratch.data());
    for (int c = 0; c < dim; ++c)
      ASSERT_NEAR(got[c], expected[c], 1e-5) << keys << " keys, dim " << dim << ", " << c;
  }
}

TEST(TopKTest, MatchesFullSortWithLowerIndexFirstOnTies) {
  std::vector<float> values = Random(1000, 10);
  for (int i = 0; i < 1000; i += 7) values[i] = 0.5f;  // Many ties.
  const float inf = std::numeric_limits<float>::infinity();
  values[3] = -inf;
  values[999] = inf;
  for (int k : {1, 2, 8, 50, 1000}) {
    std::vector<ScoredIndex> got;
    TopK(values.data(), static_cast<int>(values.size()), k, got);
    std::vector<ScoredIndex> all;
    for (int i = 0; i < static_cast<int>(values.size()); ++i) all.push_back({values[i], i});
    std::stable_sort(all.begin(), all.end(),
                     [](const ScoredIndex& a, const ScoredIndex& b) { return a.score > b.score; });
    ASSERT_EQ(static_cast<int>(got.size()), k);
    for (int i = 0; i < k; ++i) {
      EXPECT_EQ(got[i].index, all[i].index) << "k " << k << " rank " << i;
      EXPECT_EQ(got[i].score, all[i].score);
    }
  }
}

TEST(TopKTest, AllNegativeInfinityKeepsIndexOrder) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> values(6, -inf);
  std::vector<ScoredIndex> got;
  TopK(values.data(), 6, 3, got);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].index, 0);
  EXPECT_EQ(got[2].index, 2);
}

}  // namespace
}  // namespace liteformer

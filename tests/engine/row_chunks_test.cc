// engine/ops/row_chunks.h: any row count runs on a bounded set of chunk sizes.
#include "engine/ops/row_chunks.h"

#include <set>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace liteformer {
namespace {

std::vector<std::pair<int, int>> Chunks(int rows) {
  std::vector<std::pair<int, int>> chunks;
  ForEachRowChunk(rows, [&](int first, int size) { chunks.emplace_back(first, size); });
  return chunks;
}

TEST(RowChunksTest, ChunksCoverTheRowsInOrderWithoutOverlap) {
  for (int rows = 1; rows <= 5000; ++rows) {
    int next = 0;
    for (const auto& [first, size] : Chunks(rows)) {
      ASSERT_EQ(first, next) << rows;
      ASSERT_GT(size, 0) << rows;
      next = first + size;
    }
    ASSERT_EQ(next, rows);
  }
}

TEST(RowChunksTest, AnyTrafficUsesAtMost67Sizes) {
  std::set<int> sizes;
  for (int rows = 1; rows <= 5000; ++rows) {
    for (const auto& [first, size] : Chunks(rows)) sizes.insert(size);
  }
  EXPECT_EQ(sizes.size(), 67u);
  for (int size : sizes) {
    EXPECT_TRUE(size < kExactRows || (size <= kMaxChunkRows && (size & (size - 1)) == 0)) << size;
  }
}

TEST(RowChunksTest, SmallCountsRunWhole) {
  for (int rows = 1; rows <= kExactRows; ++rows) EXPECT_EQ(Chunks(rows).size(), 1u) << rows;
  EXPECT_EQ(Chunks(992), (std::vector<std::pair<int, int>>{
                             {0, 512}, {512, 256}, {768, 128}, {896, 64}, {960, 32}}));
}

}  // namespace
}  // namespace liteformer

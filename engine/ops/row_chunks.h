// The row counts that oneDNN primitives are created for, and how a call over
// any number of rows runs on them.
//
// A primitive is made per distinct row count and kept (creation costs
// ~0.2 ms; its JIT code and descriptors stay resident). Keyed by the exact
// count, every new batch shape added primitives for every layer: 400 requests
// of varying sizes took one model from 70 MB to 1.39 GB of RSS, and it never
// came back. Here a call runs as chunks of fixed sizes instead: every count
// below kExactRows (where small batches decode and padding would cost most),
// then powers of two up to kMaxChunkRows. So an op holds at most
// kExactRows - 1 + log2(kMaxChunkRows / kExactRows) + 1 = 21 primitives per
// variant, whatever the traffic. Chunks rather than padding: rows are
// independent in every op that uses this (matmul, layer norm, log-softmax),
// so chunks need no copy of the input into a padded buffer and no wasted rows.
#ifndef LITEFORMER_ENGINE_OPS_ROW_CHUNKS_H_
#define LITEFORMER_ENGINE_OPS_ROW_CHUNKS_H_

namespace liteformer {

inline constexpr int kExactRows = 16;
inline constexpr int kMaxChunkRows = 512;

// Calls fn(first_row, chunk_rows) over [0, rows), largest chunks first; every
// chunk_rows is < kExactRows or a power of two in [kExactRows, kMaxChunkRows].
template <typename Fn>
void ForEachRowChunk(int rows, Fn&& fn) {
  int first = 0;
  for (; rows - first >= kMaxChunkRows; first += kMaxChunkRows) fn(first, kMaxChunkRows);
  for (int size = kMaxChunkRows / 2; size >= kExactRows; size /= 2) {
    if (rows - first >= size) {
      fn(first, size);
      first += size;
    }
  }
  if (rows > first) fn(first, rows - first);
}

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_ROW_CHUNKS_H_

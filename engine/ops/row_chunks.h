// The row counts that oneDNN primitives are created for, and how a call over
// any number of rows runs on them.
//
// A primitive is made per distinct row count and kept (creation costs
// ~0.2 ms; its JIT code and descriptors stay resident). Keyed by the exact
// count, every new batch shape added primitives for every layer: 400 requests
// of varying sizes took one model from 70 MB to 1.39 GB of RSS, and it never
// came back. Here a call runs as chunks of fixed sizes instead: every count
// below kExactRows in one piece (decoding batches of up to 16 sentences at
// beam 4, a sentence's encoder pass), larger counts as powers of two from
// kExactRows to kMaxChunkRows plus the rest. So an op holds at most
// kExactRows - 1 + log2(kMaxChunkRows / kExactRows) + 1 = 67 primitives per
// variant, whatever the traffic. A smaller kExactRows (16) cut sentence-sized
// calls into two chunks and made the batch-1 encoder 15-20% slower.
// Chunks rather than padding: rows are independent in every op that uses
// this (matmul, layer norm, log-softmax), so chunks need no copy into a
// padded buffer (up to 512 x 32k floats for an output projection) and
// compute no wasted rows.
#ifndef LITEFORMER_ENGINE_OPS_ROW_CHUNKS_H_
#define LITEFORMER_ENGINE_OPS_ROW_CHUNKS_H_

namespace liteformer {

inline constexpr int kExactRows = 64;
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

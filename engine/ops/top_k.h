// The k largest values of a row with their indices, best first. Ties go to
// the lower index, the rule the reference's search uses (torch.topk order on
// CPU), so beam candidates are identical.
#ifndef LITEFORMER_ENGINE_OPS_TOP_K_H_
#define LITEFORMER_ENGINE_OPS_TOP_K_H_

#include <vector>

namespace liteformer {

struct ScoredIndex {
  float score;
  int index;
};

// Appends min(k, n) entries to `out` (cleared first).
void TopK(const float* values, int n, int k, std::vector<ScoredIndex>& out);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_OPS_TOP_K_H_

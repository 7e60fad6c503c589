// Where each sequence of a batch lies in a packed [total_tokens, width]
// activation matrix: no padding rows, so no padded token is ever computed
// and a sequence's result cannot depend on its batch-mates.
#ifndef LITEFORMER_ENGINE_LAYERS_SEQUENCE_LAYOUT_H_
#define LITEFORMER_ENGINE_LAYERS_SEQUENCE_LAYOUT_H_

#include <vector>

namespace liteformer {

struct SequenceLayout {
  std::vector<int> offsets;  // First row of each sequence.
  std::vector<int> lengths;  // Rows of each sequence.
  int total = 0;

  static SequenceLayout FromLengths(const std::vector<int>& lengths) {
    SequenceLayout layout;
    layout.lengths = lengths;
    for (int length : lengths) {
      layout.offsets.push_back(layout.total);
      layout.total += length;
    }
    return layout;
  }
  int size() const { return static_cast<int>(lengths.size()); }
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_LAYERS_SEQUENCE_LAYOUT_H_

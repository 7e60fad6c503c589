// How a language model scores a text longer than its positions: fairseq
// eval_lm's --context-window. The text's targets (its tokens, then </s>) are
// cut into windows; each window scores its own targets once, after up to C
// earlier tokens fed as context only. The reference (tools/liteformer_ref/
// score_windows.py) cuts texts the same way; both must stay in step.
#ifndef LITEFORMER_ENGINE_SEARCH_SCORE_WINDOWS_H_
#define LITEFORMER_ENGINE_SEARCH_SCORE_WINDOWS_H_

#include <vector>

#include "absl/status/status.h"

namespace liteformer {

// With text ids t1..tn the decoder input is I = [</s>, t1, .., tn] and the
// targets are T = [t1, .., tn, </s>]; I[j] predicts T[j]. A window feeds
// I[input_begin, target_end) and scores T[target_begin, target_end); the
// inputs before target_begin are its context.
struct ScoreWindow {
  int input_begin = 0;
  int target_begin = 0;
  int target_end = 0;

  int length() const { return target_end - input_begin; }  // Positions it uses.
  bool operator==(const ScoreWindow&) const = default;
};

// The context window a model gets when its config says nothing: half the
// positions, as fairseq's usual --context-window with tokens_per_sample.
int DefaultContextWindow(int positions);

// 0 ≤ context_window < positions, or INVALID_ARGUMENT naming `what`
// (the flag or config field) and the range.
absl::Status CheckContextWindow(long context_window, int positions, const char* what);

// The windows covering `num_targets` targets (n + 1 for n text tokens), in
// order, each target in exactly one window. The first window has no context
// and takes up to `positions` targets, so a text that fits the positions is
// one window scored exactly as before windows existed; every later window
// feeds `context_window` context inputs and scores up to
// positions − context_window new targets. `context_window` must pass
// CheckContextWindow.
std::vector<ScoreWindow> ScoreWindows(int num_targets, int positions, int context_window);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_SCORE_WINDOWS_H_

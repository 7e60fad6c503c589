// Command-line options of liteformer-run.
#ifndef LITEFORMER_CLI_RUN_OPTIONS_H_
#define LITEFORMER_CLI_RUN_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ops/compute_type.h"

namespace liteformer {

enum class RunCommand { kTranslate, kSummarize, kScore, kGenerate };

// Every decoding flag is optional: unset means the model's default.
struct RunOptions {
  RunCommand command = RunCommand::kTranslate;
  std::string model_dir;
  bool ids = false;
  bool json = false;
  // translate: each line is split into sentences by the server's splitter
  // (the model's source language), each translated alone, and the line put
  // back together around them.
  bool split_sentences = false;
  int threads = 1;
  int batch_size = 16;
  ComputeType compute_type = ComputeType::kFloat32;
  std::optional<int> beam;
  std::optional<float> lenpen;
  std::optional<float> max_len_a;
  std::optional<int> max_len_b;
  std::optional<int> min_len;
  std::optional<int> no_repeat_ngram;
  std::optional<int> nbest;
  std::optional<int> max_tokens;
  std::optional<int> top_k;
  std::optional<float> top_p;
  std::optional<float> temperature;
  std::optional<std::uint64_t> seed;
  std::optional<bool> sampling;
  // score with a language model: context tokens of each window after the
  // first (engine/search/score_windows.h); unset: half the positions.
  std::optional<int> context_window;
};

// argv without the program name. Errors name the flag and the problem.
absl::StatusOr<RunOptions> ParseRunOptions(const std::vector<std::string>& args);

extern const char kRunUsage[];

}  // namespace liteformer

#endif  // LITEFORMER_CLI_RUN_OPTIONS_H_

// RunSession: one model, one set of decoding options, and the loop that
// turns input lines into output lines in batches.
#ifndef LITEFORMER_CLI_RUN_SESSION_H_
#define LITEFORMER_CLI_RUN_SESSION_H_

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/run_options.h"
#include "engine/models/model.h"
#include "engine/search/decoding_options.h"
#include "engine/tensor/compute_context.h"
#include "engine/text/sentence_splitter.h"
#include "engine/text/text_codec.h"

namespace liteformer {

class RunSession {
 public:
  static absl::StatusOr<std::unique_ptr<RunSession>> Create(const RunOptions& options);

  // Returns the process exit status: 0, or 1 if any line failed.
  int Process(std::istream& in, std::ostream& out, std::ostream& err);

 private:
  // One input line, parsed (or the reason it cannot be).
  struct Line {
    std::vector<int> source;  // Or the prompt.
    std::vector<int> target;  // score only.
    absl::Status status;
    std::string output;
    // --split-sentences: the line, its segments and its sentences' ids.
    std::string text;
    std::vector<TextSegment> layout;
    std::vector<std::vector<int>> sentences;
  };

  RunSession(const RunOptions& options, std::shared_ptr<const Model> model)
      : options_(options), model_(std::move(model)), ctx_(options.threads) {}
  Line Parse(const std::string& text) const;
  absl::StatusOr<std::vector<int>> ParseSentence(const std::string& text, bool source) const;
  void RunBatch(std::vector<Line>& lines);
  // RunBatch for --split-sentences: every sentence of every line in one
  // batch, each line then reassembled around its translations.
  void RunSplitBatch(std::vector<Line*>& lines);
  std::string FormatHypotheses(const struct DecodeResult& result) const;
  // A hypothesis' text (without its </s>); empty if it cannot be decoded.
  std::string TextOf(const std::vector<int>& tokens) const;

  RunOptions options_;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<TextCodec> codec_;
  DecodingOptions decoding_;
  ComputeContext ctx_;
};

}  // namespace liteformer

#endif  // LITEFORMER_CLI_RUN_SESSION_H_

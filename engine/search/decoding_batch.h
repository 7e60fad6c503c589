// DecodingBatch: many sentences decoded together, one decoder step at a time.
//
// Each sentence owns a contiguous range of rows of the batch's DecoderCache
// and its own SentenceSearch. A step feeds every row its next token (a
// prompt token while the sentence is still being primed, otherwise what its
// search chose), splits the log-probs by sentence, advances each search, and
// reorders the cache: finished sentences leave, beams are re-arranged. New
// sentences may be added between any two steps (step-level batching); a
// sentence's result never depends on what else runs beside it.
#ifndef LITEFORMER_ENGINE_SEARCH_DECODING_BATCH_H_
#define LITEFORMER_ENGINE_SEARCH_DECODING_BATCH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/models/decoder_cache.h"
#include "engine/models/model.h"
#include "engine/search/sentence_search.h"
#include "engine/tensor/aligned_buffer.h"
#include "engine/tensor/compute_context.h"

namespace liteformer {

// One sentence to decode.
struct SentenceJob {
  std::uint64_t id = 0;
  std::vector<int> source;   // Ids ending with </s>; empty for a language model.
  std::vector<int> history;  // [</s>] or [</s>, prompt...]; the last is fed at search step 0.
  std::unique_ptr<SentenceSearch> search;
  // Report each chosen token as soon as it is chosen (single-row searches
  // only: a beam's tokens are not final until the search ends).
  bool stream_tokens = false;
  // Generation: the prompt's first tokens left out of `history` because the
  // positions could not hold them (MakeGenerationJob); reported back as is.
  int dropped_prompt_tokens = 0;
};

struct StreamedToken {
  std::uint64_t id = 0;
  int token = 0;
};

struct FinishedSentence {
  std::uint64_t id = 0;
  std::vector<Hypothesis> hypotheses;
  long macs = 0;  // Multiply-adds executed for it (the paper's convention).
  int steps = 0;  // Decoder steps it took part in.
  // A step's log-probs were NaN or infinite (a broken model): the search
  // stopped there, and `hypotheses` is not an answer.
  bool non_finite = false;
  int dropped_prompt_tokens = 0;  // SentenceJob::dropped_prompt_tokens.
};

class DecodingBatch {
 public:
  explicit DecodingBatch(const Model& model) : model_(model) {}

  // Encodes the new sentences' sources together and appends their rows.
  void Add(ComputeContext& ctx, std::vector<SentenceJob> jobs);

  // One decoder step over every row; finished sentences move to finished().
  void Step(ComputeContext& ctx);

  bool empty() const { return sentences_.empty(); }
  int rows() const { return cache_.size(); }
  int size() const { return static_cast<int>(sentences_.size()); }
  std::vector<FinishedSentence> TakeFinished() { return std::move(finished_); }
  // Tokens chosen by the last steps for sentences with stream_tokens set.
  std::vector<StreamedToken> TakeStreamed() { return std::move(streamed_); }

  // Removes sentences (e.g. cancelled or past their deadline) before the next step.
  void Remove(const std::vector<std::uint64_t>& ids);

 private:
  struct Sentence {
    SentenceJob job;
    std::vector<int> next_tokens;  // One per row.
    std::vector<RowChoice> choices;
    bool finished = false;
    bool non_finite = false;  // See FinishedSentence.
    int fed = 0;              // Tokens each row has consumed.
    int source_length = 0;
    long macs = 0;
  };

  // Feeds one sentence the step's outputs (rows from first_row on).
  void AdvanceSentence(Sentence& sentence, int first_row, int vocab, const Decoder& decoder);

  const Model& model_;
  DecoderCache cache_;
  std::vector<Sentence> sentences_;
  std::vector<FinishedSentence> finished_;
  std::vector<StreamedToken> streamed_;
  AlignedBuffer<float> log_probs_;
  AlignedBuffer<float> encoded_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_DECODING_BATCH_H_

#include "engine/search/decoding_batch.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <span>

#include "absl/container/flat_hash_set.h"

namespace liteformer {

void DecodingBatch::Add(ComputeContext& ctx, std::vector<SentenceJob> jobs) {
  const Decoder& decoder = model_.decoder();
  SequenceLayout layout;
  if (model_.is_encoder_decoder()) {
    std::vector<std::vector<int>> sources;
    for (const SentenceJob& job : jobs) sources.push_back(job.source);
    model_.encoder()->Encode(ctx, sources, encoded_, layout);
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Sentence sentence;
    sentence.job = std::move(jobs[i]);
    const int rows = sentence.job.search->rows();
    std::shared_ptr<const SourceMemory> memory;
    if (model_.is_encoder_decoder()) {
      sentence.source_length = layout.lengths[i];
      // Keys/values of the source once, shared by all its beams.
      memory = decoder.ProjectMemory(
          ctx, encoded_.data() + static_cast<long>(layout.offsets[i]) * decoder.dim(),
          layout.lengths[i]);
      sentence.macs = model_.encoder()->Macs(sentence.source_length) +
                      decoder.MemoryMacs(sentence.source_length);
    }
    for (int r = 0; r < rows; ++r) cache_.Append(decoder.NewRow(memory));
    sentence.next_tokens.assign(rows, sentence.job.history.front());
    sentences_.push_back(std::move(sentence));
  }
}

void DecodingBatch::Step(ComputeContext& ctx) {
  if (sentences_.empty()) return;
  const Decoder& decoder = model_.decoder();
  const int vocab = decoder.vocab();
  std::vector<int> tokens;
  tokens.reserve(cache_.size());
  for (const Sentence& sentence : sentences_) {
    tokens.insert(tokens.end(), sentence.next_tokens.begin(), sentence.next_tokens.end());
  }
  log_probs_.EnsureSize(static_cast<std::size_t>(tokens.size()) * vocab);
  decoder.Step(ctx, tokens, cache_, log_probs_.data());

  // The sentences' searches are independent: advance them in parallel.
  std::vector<int> first_rows(sentences_.size());
  int row = 0;
  for (std::size_t i = 0; i < sentences_.size(); ++i) {
    first_rows[i] = row;
    row += sentences_[i].job.search->rows();
  }
  const int count = static_cast<int>(sentences_.size());
  // An exception may not leave an OpenMP region (that terminates): the first
  // one is kept and rethrown after the loop.
  std::exception_ptr failure;
#pragma omp parallel for num_threads(ctx.threads()) schedule(dynamic)
  for (int i = 0; i < count; ++i) {
    try {
      AdvanceSentence(sentences_[i], first_rows[i], vocab, decoder);
    } catch (...) {
#pragma omp critical(liteformer_decoding_batch_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);

  std::vector<int> reorder;
  std::vector<Sentence> still_running;
  for (std::size_t i = 0; i < sentences_.size(); ++i) {
    Sentence& sentence = sentences_[i];
    if (sentence.finished) {
      finished_.push_back(FinishedSentence{sentence.job.id, sentence.job.search->TakeResults(),
                                           sentence.macs, sentence.fed, sentence.non_finite,
                                           sentence.job.dropped_prompt_tokens});
      continue;
    }
    for (const RowChoice& choice : sentence.choices)
      reorder.push_back(first_rows[i] + choice.parent);
    const int primed = static_cast<int>(sentence.job.history.size()) - 1;
    if (sentence.job.stream_tokens && sentence.fed > primed && sentence.choices.size() == 1) {
      streamed_.push_back({sentence.job.id, sentence.choices.front().token});
    }
    still_running.push_back(std::move(sentence));
  }
  sentences_ = std::move(still_running);
  cache_.Reorder(reorder);
}

void DecodingBatch::AdvanceSentence(Sentence& sentence, int first_row, int vocab,
                                    const Decoder& decoder) {
  const int rows = sentence.job.search->rows();
  sentence.macs +=
      static_cast<long>(rows) * decoder.StepMacs(sentence.fed, sentence.source_length, false);
  ++sentence.fed;
  const int primed = static_cast<int>(sentence.job.history.size()) - 1;
  if (sentence.fed <= primed) {
    // Still feeding the prompt: the outputs are not used.
    std::fill(sentence.next_tokens.begin(), sentence.next_tokens.end(),
              sentence.job.history[sentence.fed]);
    sentence.choices.clear();
    for (int r = 0; r < rows; ++r) sentence.choices.push_back({r, sentence.next_tokens[r]});
    return;
  }
  std::span<float> outputs(log_probs_.data() + static_cast<long>(first_row) * vocab,
                           static_cast<std::size_t>(rows) * vocab);
  // Log-softmax of finite logits is finite everywhere; a NaN or infinite
  // logit makes every entry of its row NaN or -inf. So one entry per row
  // tells a broken model from a healthy one, at no measurable cost, before
  // the search mistakes NaN candidates for banned ones.
  for (int r = 0; r < rows; ++r) {
    if (!std::isfinite(outputs[static_cast<std::size_t>(r) * vocab])) {
      sentence.non_finite = true;
      sentence.finished = true;
      return;
    }
  }
  sentence.finished =
      sentence.job.search->Advance(outputs, vocab, sentence.fed - 1 - primed, sentence.choices);
  if (!sentence.finished) {
    for (int r = 0; r < rows; ++r) sentence.next_tokens[r] = sentence.choices[r].token;
  }
}

void DecodingBatch::Remove(const std::vector<std::uint64_t>& ids) {
  const absl::flat_hash_set<std::uint64_t> removed(ids.begin(), ids.end());
  std::vector<int> keep;
  std::vector<Sentence> still_running;
  int first_row = 0;
  for (Sentence& sentence : sentences_) {
    const int rows = sentence.job.search->rows();
    if (!removed.contains(sentence.job.id)) {
      for (int r = 0; r < rows; ++r) keep.push_back(first_row + r);
      still_running.push_back(std::move(sentence));
    }
    first_row += rows;
  }
  sentences_ = std::move(still_running);
  cache_.Reorder(keep);
}

}  // namespace liteformer

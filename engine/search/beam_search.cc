// Beam search with fairseq SequenceGenerator semantics
// (tools/liteformer_ref/search/beam.py is the specification).
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/ops/top_k.h"
#include "engine/search/bans.h"
#include "engine/search/sentence_search_impl.h"

namespace liteformer {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

class BeamSearch final : public SentenceSearch {
 public:
  BeamSearch(const DecodingOptions& options, std::vector<int> history, int max_len,
             SearchConstants constants)
      : options_(options),
        history_(std::move(history)),
        max_len_(max_len),
        constants_(constants),
        beams_(options.beam_size) {}

  int rows() const override { return options_.beam_size; }

  bool Advance(std::span<float> log_probs, int vocab, int step,
               std::vector<RowChoice>& next) override {
    const int beam = options_.beam_size;
    // Step 0: every row is identical; only beam 0 is expanded.
    const int expanded = step == 0 ? 1 : beam;
    for (int j = 0; j < expanded; ++j) {
      std::span<float> row = log_probs.subspan(static_cast<std::size_t>(j) * vocab, vocab);
      const Beam& b = beams_[j];
      if (!b.alive) {
        std::fill(row.begin(), row.end(), kNegInf);
        continue;
      }
      ApplyBans(row, Rules(step), history_, b.tokens);
      if (step > 0) {
        const float cumulative = b.cumulative.back();
        for (float& value : row) value = cumulative + value;  // float32, like fairseq
      }
    }
    const int k = std::min(2 * beam, expanded * vocab - 1);
    TopK(log_probs.data(), expanded * vocab, k, candidates_);

    for (int c = 0; c < std::min(beam, static_cast<int>(candidates_.size())); ++c) {
      const ScoredIndex& candidate = candidates_[c];
      if (candidate.index % vocab != constants_.eos || !std::isfinite(candidate.score)) continue;
      if (static_cast<int>(finished_.size()) >= beam) continue;
      const Beam& parent = beams_[candidate.index / vocab];
      std::vector<int> tokens = parent.tokens;
      tokens.push_back(constants_.eos);
      std::vector<float> cumulative = parent.cumulative;
      cumulative.push_back(candidate.score);
      finished_.push_back(MakeHypothesis(std::move(tokens), cumulative, options_.length_penalty));
    }
    if (static_cast<int>(finished_.size()) >= beam || step >= max_len_) return true;

    std::vector<Beam> next_beams;
    next.clear();
    for (const ScoredIndex& candidate : candidates_) {
      if (static_cast<int>(next_beams.size()) == beam) break;
      const int token = candidate.index % vocab;
      if (token == constants_.eos || !std::isfinite(candidate.score)) continue;
      const int parent = candidate.index / vocab;
      Beam b = beams_[parent];
      b.tokens.push_back(token);
      b.cumulative.push_back(candidate.score);
      next_beams.push_back(std::move(b));
      next.push_back({parent, token});
    }
    if (next_beams.empty()) return true;
    while (static_cast<int>(next_beams.size()) < beam) {  // Dead slots.
      Beam dead;
      dead.alive = false;
      next_beams.push_back(std::move(dead));
      next.push_back({0, constants_.eos});
    }
    beams_ = std::move(next_beams);
    return false;
  }

  std::vector<Hypothesis> TakeResults() override {
    std::stable_sort(finished_.begin(), finished_.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int>(finished_.size()) > options_.nbest) finished_.resize(options_.nbest);
    return std::move(finished_);
  }

 private:
  struct Beam {
    std::vector<int> tokens;
    std::vector<float> cumulative;
    bool alive = true;
  };

  BanRules Rules(int step) const {
    return BanRules{step,           max_len_,      options_.min_len, options_.no_repeat_ngram_size,
                    constants_.eos, constants_.pad};
  }

  DecodingOptions options_;
  std::vector<int> history_;
  int max_len_;
  SearchConstants constants_;
  std::vector<Beam> beams_;
  std::vector<Hypothesis> finished_;
  std::vector<ScoredIndex> candidates_;
};

}  // namespace

std::unique_ptr<SentenceSearch> MakeBeamSearch(const DecodingOptions& options,
                                               std::vector<int> history, int max_len,
                                               SearchConstants constants) {
  return std::make_unique<BeamSearch>(options, std::move(history), max_len, constants);
}

}  // namespace liteformer

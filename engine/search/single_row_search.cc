// The one-row searches: greedy (the first maximum of the candidate scores,
// identical to beam search with beam 1), sampling (reference: sampling.py),
// and teacher-forced scoring.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "engine/search/bans.h"
#include "engine/search/sentence_search_impl.h"
#include "engine/search/split_mix64.h"

namespace liteformer {
namespace {

// Bans, token choice, float32 cumulative score, </s> ends the hypothesis.
class SingleRowSearch : public SentenceSearch {
 public:
  SingleRowSearch(const DecodingOptions& options, std::vector<int> history, int max_len,
                  SearchConstants constants)
      : options_(options), history_(std::move(history)), max_len_(max_len), constants_(constants) {}

  int rows() const override { return 1; }

  bool Advance(std::span<float> log_probs, int vocab, int step,
               std::vector<RowChoice>& next) override {
    std::span<float> row = log_probs.first(vocab);
    ApplyBans(row,
              BanRules{step, max_len_, options_.min_len, options_.no_repeat_ngram_size,
                       constants_.eos, constants_.pad},
              history_, tokens_);
    const std::optional<float> previous =
        cumulative_.empty() ? std::nullopt : std::optional<float>(cumulative_.back());
    const std::optional<int> token = Choose(row, previous);
    if (!token) return true;  // Everything banned: no hypothesis.
    tokens_.push_back(*token);
    cumulative_.push_back(previous ? *previous + row[*token] : row[*token]);
    if (*token == constants_.eos) {
      results_.push_back(MakeHypothesis(tokens_, cumulative_, options_.length_penalty));
      return true;
    }
    next.assign(1, RowChoice{0, *token});
    return false;
  }

  std::vector<Hypothesis> TakeResults() override { return std::move(results_); }

 protected:
  // The next token given the banned log-probs, or nothing if none is possible.
  virtual std::optional<int> Choose(std::span<const float> log_probs,
                                    std::optional<float> cumulative) = 0;
  const DecodingOptions& options() const { return options_; }

 private:
  DecodingOptions options_;
  std::vector<int> history_;
  int max_len_;
  SearchConstants constants_;
  std::vector<int> tokens_;
  std::vector<float> cumulative_;
  std::vector<Hypothesis> results_;
};

class GreedySearch final : public SingleRowSearch {
 public:
  using SingleRowSearch::SingleRowSearch;

 protected:
  // The first maximum of the candidate scores float32(cum + lp) — not of lp:
  // float32 addition can merge two log-probs into a tie, which beam search
  // breaks by token id.
  std::optional<int> Choose(std::span<const float> log_probs,
                            std::optional<float> cumulative) override {
    int best = -1;
    float best_score = -std::numeric_limits<float>::infinity();
    for (int t = 0; t < static_cast<int>(log_probs.size()); ++t) {
      const float score = cumulative ? *cumulative + log_probs[t] : log_probs[t];
      if (score > best_score) {
        best_score = score;
        best = t;
      }
    }
    if (best < 0 || !std::isfinite(best_score)) return std::nullopt;
    return best;
  }
};

class SamplingSearch final : public SingleRowSearch {
 public:
  SamplingSearch(const DecodingOptions& options, std::vector<int> history, int max_len,
                 SearchConstants constants)
      : SingleRowSearch(options, std::move(history), max_len, constants), rng_(options.seed) {}

 protected:
  std::optional<int> Choose(std::span<const float> log_probs, std::optional<float>) override {
    // Candidates: finite tokens, by tempered log-prob descending, then id.
    ranked_.clear();
    const double temperature = options().temperature;
    for (int t = 0; t < static_cast<int>(log_probs.size()); ++t) {
      if (std::isfinite(log_probs[t]))
        ranked_.push_back({static_cast<double>(log_probs[t]) / temperature, t});
    }
    if (ranked_.empty()) return std::nullopt;
    std::stable_sort(ranked_.begin(), ranked_.end(),
                     [](const Candidate& a, const Candidate& b) { return a.x > b.x; });
    if (options().top_k > 0 && static_cast<int>(ranked_.size()) > options().top_k) {
      ranked_.resize(options().top_k);
    }
    running_.resize(ranked_.size());
    double total = 0.0;
    for (std::size_t i = 0; i < ranked_.size(); ++i) {
      total += std::exp(ranked_[i].x - ranked_[0].x);
      running_[i] = total;
    }
    std::size_t cut = ranked_.size() - 1;
    if (options().top_p < 1.0f) {
      const double last = running_.back();
      for (std::size_t i = 0; i < running_.size(); ++i) {
        if (running_[i] / last >= static_cast<double>(options().top_p)) {
          cut = i;
          break;
        }
      }
    }
    const double target = rng_.Uniform() * running_[cut];
    for (std::size_t i = 0; i <= cut; ++i) {
      if (running_[i] > target) return ranked_[i].token;
    }
    return ranked_[cut].token;
  }

 private:
  struct Candidate {
    double x;
    int token;
  };
  SplitMix64 rng_;
  std::vector<Candidate> ranked_;
  std::vector<double> running_;
};

class ScoringSearch final : public SentenceSearch {
 public:
  explicit ScoringSearch(std::vector<int> targets) : targets_(std::move(targets)) {}

  int rows() const override { return 1; }

  bool Advance(std::span<float> log_probs, int vocab, int step,
               std::vector<RowChoice>& next) override {
    result_.token_scores.push_back(log_probs[targets_[step]]);
    if (step + 1 == static_cast<int>(targets_.size())) return true;
    next.assign(1, RowChoice{0, targets_[step]});
    return false;
  }

  std::vector<Hypothesis> TakeResults() override {
    result_.tokens = targets_;
    result_.score = std::accumulate(result_.token_scores.begin(), result_.token_scores.end(), 0.0f);
    return {std::move(result_)};
  }

 private:
  std::vector<int> targets_;
  Hypothesis result_;
};

}  // namespace

std::unique_ptr<SentenceSearch> MakeGreedySearch(const DecodingOptions& options,
                                                 std::vector<int> history, int max_len,
                                                 SearchConstants constants) {
  return std::make_unique<GreedySearch>(options, std::move(history), max_len, constants);
}

std::unique_ptr<SentenceSearch> MakeSamplingSearch(const DecodingOptions& options,
                                                   std::vector<int> history, int max_len,
                                                   SearchConstants constants) {
  return std::make_unique<SamplingSearch>(options, std::move(history), max_len, constants);
}

std::unique_ptr<SentenceSearch> MakeSentenceSearch(const DecodingOptions& options,
                                                   std::vector<int> history, int max_len,
                                                   SearchConstants constants) {
  if (options.sampling) return MakeSamplingSearch(options, std::move(history), max_len, constants);
  if (options.beam_size == 1)
    return MakeGreedySearch(options, std::move(history), max_len, constants);
  return MakeBeamSearch(options, std::move(history), max_len, constants);
}

std::unique_ptr<SentenceSearch> MakeScoringSearch(std::vector<int> targets) {
  return std::make_unique<ScoringSearch>(std::move(targets));
}

}  // namespace liteformer

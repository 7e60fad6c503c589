// The options of one decoding request, behind one struct (fairseq generate.py
// names in comments). Values are final here: the caller has already filled
// the model's defaults in for whatever the request left unset.
#ifndef LITEFORMER_ENGINE_SEARCH_DECODING_OPTIONS_H_
#define LITEFORMER_ENGINE_SEARCH_DECODING_OPTIONS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "engine/models/model_config.h"

namespace liteformer {

struct DecodingOptions {
  int beam_size = 4;            // --beam; 1 = greedy
  float length_penalty = 1.0f;  // --lenpen: score = Σ log p / len^lenpen
  float max_len_a = 0.0f;       // --max-len-a
  int max_len_b = 200;          // --max-len-b
  int min_len = 1;              // --min-len: </s> banned at 0-based steps < min_len
  int no_repeat_ngram_size = 0;
  int nbest = 1;
  bool sampling = false;
  int top_k = 0;
  float top_p = 1.0f;
  float temperature = 1.0f;
  std::uint64_t seed = 0;
  int max_tokens = 50;  // Language-model generation budget.

  // Decoder rows one sentence occupies.
  int rows() const { return sampling || beam_size == 1 ? 1 : beam_size; }

  // INVALID_ARGUMENT naming the option and its value.
  absl::Status Validate() const;

  static DecodingOptions FromDefaults(const DecodingDefaults& defaults);
};

// min(int(a·src_len + b), max_positions − 1), src_len counting the source's
// </s>: the most ordinary tokens a hypothesis may have before </s> is forced.
int MaxLenForSource(int source_length_with_eos, const DecodingOptions& options, int max_positions);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_DECODING_OPTIONS_H_

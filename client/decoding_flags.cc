#include "client/decoding_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(uint32_t, beam, 0, "Beam size (1 = greedy).");
ABSL_FLAG(float, lenpen, 0, "Length penalty: score = sum(log p) / length^lenpen.");
ABSL_FLAG(uint32_t, max_length, 0, "Most tokens produced.");
ABSL_FLAG(uint32_t, min_length, 0, "</s> is banned before this many tokens.");
ABSL_FLAG(uint32_t, no_repeat_ngram, 0, "No n-gram of this size is repeated.");
ABSL_FLAG(uint32_t, nbest, 0, "Hypotheses returned per text (at most --beam).");
ABSL_FLAG(uint32_t, topk, 0, "Sampling: keep the k most likely tokens.");
ABSL_FLAG(float, topp, 0, "Sampling: nucleus probability mass.");
ABSL_FLAG(float, temperature, 0, "Sampling temperature.");
ABSL_FLAG(uint32_t, max_tokens, 0, "generate: most tokens produced.");
ABSL_FLAG(bool, scores, false, "Return per-token scores.");
ABSL_FLAG(bool, no_cache, false,
          "Bypass the server's response cache (e.g. to load-test the model itself).");
ABSL_FLAG(std::string, priority, "",
          "interactive | normal | bulk: the requests' scheduling class; empty: normal.");
ABSL_FLAG(std::string, sampling, "",
          "on | off; empty: the model's default (--beam > 1 turns it off, --topk/--topp/"
          "--temperature on).");

namespace liteformer::client {

liteformer::v1::DecodingOptions DecodingOptionsFromFlags() {
  liteformer::v1::DecodingOptions options;
  options.set_beam_size(absl::GetFlag(FLAGS_beam));
  options.set_length_penalty(absl::GetFlag(FLAGS_lenpen));
  options.set_max_length(absl::GetFlag(FLAGS_max_length));
  options.set_min_length(absl::GetFlag(FLAGS_min_length));
  options.set_no_repeat_ngram_size(absl::GetFlag(FLAGS_no_repeat_ngram));
  options.set_num_hypotheses(absl::GetFlag(FLAGS_nbest));
  options.set_return_scores(absl::GetFlag(FLAGS_scores));
  options.set_no_cache(absl::GetFlag(FLAGS_no_cache));
  options.set_top_k(absl::GetFlag(FLAGS_topk));
  options.set_top_p(absl::GetFlag(FLAGS_topp));
  options.set_temperature(absl::GetFlag(FLAGS_temperature));
  const std::string sampling = absl::GetFlag(FLAGS_sampling);
  if (sampling == "on") options.set_sampling(liteformer::v1::DecodingOptions::SAMPLING_ON);
  if (sampling == "off") options.set_sampling(liteformer::v1::DecodingOptions::SAMPLING_OFF);
  return options;
}

absl::Status CheckDecodingFlags() {
  const std::string sampling = absl::GetFlag(FLAGS_sampling);
  if (!sampling.empty() && sampling != "on" && sampling != "off") {
    return absl::InvalidArgumentError("--sampling must be on or off");
  }
  const std::string priority = absl::GetFlag(FLAGS_priority);
  if (!priority.empty() && priority != "interactive" && priority != "normal" &&
      priority != "bulk") {
    return absl::InvalidArgumentError("--priority must be interactive, normal or bulk");
  }
  return absl::OkStatus();
}

liteformer::v1::Priority PriorityFromFlag() {
  const std::string priority = absl::GetFlag(FLAGS_priority);
  if (priority == "interactive") return liteformer::v1::INTERACTIVE;
  if (priority == "normal") return liteformer::v1::NORMAL;
  if (priority == "bulk") return liteformer::v1::BULK;
  return liteformer::v1::PRIORITY_UNSPECIFIED;
}

uint32_t MaxTokensFromFlag() { return absl::GetFlag(FLAGS_max_tokens); }

const char kDecodingFlagsUsage[] = R"(decoding (0 = the model's default):
  --beam=N --lenpen=X --max_length=N --min_length=N --no_repeat_ngram=N
  --nbest=N --scores   --topk=N --topp=X --temperature=X   --max_tokens=N (generate)
  --sampling=on|off (default: the model's; --beam > 1 turns it off)
  --no_cache (bypass the server's response cache)
  --priority=interactive|normal|bulk (the requests' scheduling class; default normal)
)";

}  // namespace liteformer::client

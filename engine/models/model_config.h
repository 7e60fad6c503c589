// ModelConfig: the parsed, validated config.json of a model directory
// (docs/model-format.md).
#ifndef LITEFORMER_ENGINE_MODELS_MODEL_CONFIG_H_
#define LITEFORMER_ENGINE_MODELS_MODEL_CONFIG_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer {

enum class Task { kTranslation, kSummarization, kLanguageModeling };
enum class Arch { kLiteTransformer, kTransformer, kLiteTransformerLm };
enum class SelfAttentionType { kLsra, kMultihead };
enum class ConvType { kDynamic, kLightweight };

struct ConvConfig {
  ConvType type = ConvType::kDynamic;
  int heads = 4;
  std::vector<int> kernel_sizes;  // One per layer.
  bool glu = true;
  bool weight_softmax = true;
};

struct StackConfig {
  int embed_dim = 0;
  int ffn_dim = 0;
  int layers = 0;
  bool normalize_before = false;
  bool final_layer_norm = false;
  SelfAttentionType self_attention = SelfAttentionType::kLsra;
  int attention_heads = 0;
  std::optional<ConvConfig> conv;  // Set exactly when self_attention is kLsra.
  int cross_attention_heads = 0;   // Decoder of an encoder-decoder model only.
};

struct AdaptiveInputConfig {
  std::vector<int> cutoffs;  // Band boundaries, without the vocabulary size.
  int factor = 4;
};

struct VocabConfig {
  std::string source;  // Empty for a language model.
  std::string target;
  int source_size = 0;
  int target_size = 0;
  std::string sentencepiece;  // Empty when the model only takes ids.
};

struct SpecialTokens {
  int bos = 0;
  int pad = 1;
  int eos = 2;
  int unk = 3;
};

// |length_penalty| at most this, in a model's defaults and in a request
// (DecodingOptions::Validate): beyond it, length^penalty over 1,024 tokens
// leaves float range and scores become 0 or -inf.
inline constexpr float kMaxLengthPenalty = 10.0f;
// The most positions a config may declare: position tables are built at load
// (positions x dim floats), so a corrupt count must be refused, not allocated.
inline constexpr int kMaxPositions = 65536;

struct DecodingDefaults {
  int beam_size = 4;
  float length_penalty = 1.0f;
  float max_len_a = 0.0f;
  int max_len_b = 200;
  int min_len = 1;
  int no_repeat_ngram_size = 0;
  int nbest = 1;
  int top_k = 0;
  float top_p = 1.0f;
  float temperature = 1.0f;
  int max_tokens = 50;
  bool sampling = false;
};

struct ModelConfig {
  std::string name;
  std::string version;
  Task task = Task::kTranslation;
  Arch arch = Arch::kLiteTransformer;
  std::string source_lang;
  std::string target_lang;
  std::optional<StackConfig> encoder;  // Absent for a language model.
  StackConfig decoder;
  bool share_all_embeddings = false;
  bool share_decoder_input_output_embed = false;
  std::optional<AdaptiveInputConfig> adaptive_input;
  int max_source_positions = 0;
  int max_target_positions = 0;
  VocabConfig vocab;
  SpecialTokens special_tokens;
  DecodingDefaults decoding;

  bool is_encoder_decoder() const { return encoder.has_value(); }

  // Parses and validates config.json text; errors name `source_name` and the field.
  static absl::StatusOr<ModelConfig> Parse(absl::string_view json_text,
                                           const std::string& source_name);
  static absl::StatusOr<ModelConfig> FromFile(const std::string& path);
};

absl::string_view TaskName(Task task);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_MODEL_CONFIG_H_

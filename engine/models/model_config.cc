#include "engine/models/model_config.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/util/status_macros.h"
#include "nlohmann/json.hpp"

namespace liteformer {
namespace {

using Json = nlohmann::json;

constexpr int kFormatVersion = 1;

// Reads typed fields of one JSON object; every error names the file and the
// field's dotted path, and nothing throws.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string prefix, const std::string& file)
      : object_(object), prefix_(std::move(prefix)), file_(file) {}

  absl::Status Error(absl::string_view key, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(file_, ": field '", prefix_, key, "': ", what));
  }

  const Json* Find(absl::string_view key) const {
    seen_.insert(std::string(key));
    const auto it = object_.find(std::string(key));
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }

  // Refuses keys no reader asked for: a misspelt key must not silently fall
  // back to its default (docs/model-format.md, reader rules).
  absl::Status Finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) return Error(key, "unknown key");
    }
    return absl::OkStatus();
  }

  absl::Status Int(absl::string_view key, int* out, bool required = true) const {
    const Json* value = Find(key);
    if (value == nullptr) return required ? Error(key, "missing") : absl::OkStatus();
    if (!value->is_number_integer()) return Error(key, "must be an integer");
    const auto v = value->get<std::int64_t>();
    if (v < 0 || v > (1 << 30)) return Error(key, absl::StrCat("out of range: ", v));
    *out = static_cast<int>(v);
    return absl::OkStatus();
  }

  absl::Status Float(absl::string_view key, float* out, bool required = true) const {
    const Json* value = Find(key);
    if (value == nullptr) return required ? Error(key, "missing") : absl::OkStatus();
    if (!value->is_number()) return Error(key, "must be a number");
    *out = value->get<float>();
    return absl::OkStatus();
  }

  absl::Status Bool(absl::string_view key, bool* out, bool required = true) const {
    const Json* value = Find(key);
    if (value == nullptr) return required ? Error(key, "missing") : absl::OkStatus();
    if (!value->is_boolean()) return Error(key, "must be true or false");
    *out = value->get<bool>();
    return absl::OkStatus();
  }

  absl::Status String(absl::string_view key, std::string* out, bool required = true) const {
    const Json* value = Find(key);
    if (value == nullptr) return required ? Error(key, "missing") : absl::OkStatus();
    if (!value->is_string()) return Error(key, "must be a string");
    *out = value->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status IntList(absl::string_view key, std::vector<int>* out) const {
    const Json* value = Find(key);
    if (value == nullptr) return Error(key, "missing");
    if (!value->is_array()) return Error(key, "must be a list of integers");
    out->clear();
    for (const Json& item : *value) {
      if (!item.is_number_integer() || item.get<std::int64_t>() <= 0 ||
          item.get<std::int64_t>() > (1 << 20)) {
        return Error(key, "must be a list of positive integers");
      }
      out->push_back(item.get<int>());
    }
    return absl::OkStatus();
  }

  template <typename Enum>
  absl::Status Choice(absl::string_view key,
                      std::initializer_list<std::pair<absl::string_view, Enum>> choices,
                      Enum* out) const {
    std::string text;
    RETURN_IF_ERROR(String(key, &text));
    std::vector<absl::string_view> names;
    for (const auto& [name, value] : choices) {
      if (text == name) {
        *out = value;
        return absl::OkStatus();
      }
      names.push_back(name);
    }
    return Error(key, absl::StrCat("unknown value '", text, "' (expected one of ",
                                   absl::StrJoin(names, ", "), ")"));
  }

  absl::StatusOr<FieldReader> Object(absl::string_view key) const {
    const Json* value = Find(key);
    if (value == nullptr || !value->is_object()) return Error(key, "missing or not an object");
    return FieldReader(*value, absl::StrCat(prefix_, key, "."), file_);
  }

  bool Has(absl::string_view key) const { return Find(key) != nullptr; }

 private:
  const Json& object_;
  std::string prefix_;
  const std::string& file_;
  mutable std::set<std::string> seen_;
};

absl::Status ParseConv(const FieldReader& r, int layers, ConvConfig* conv) {
  RETURN_IF_ERROR(r.Choice<ConvType>(
      "type", {{"dynamic", ConvType::kDynamic}, {"lightweight", ConvType::kLightweight}},
      &conv->type));
  RETURN_IF_ERROR(r.Int("heads", &conv->heads));
  RETURN_IF_ERROR(r.IntList("kernel_sizes", &conv->kernel_sizes));
  RETURN_IF_ERROR(r.Bool("glu", &conv->glu));
  RETURN_IF_ERROR(r.Bool("weight_softmax", &conv->weight_softmax, false));
  if (static_cast<int>(conv->kernel_sizes.size()) != layers) {
    return r.Error("kernel_sizes", absl::StrCat("has ", conv->kernel_sizes.size(), " entries for ",
                                                layers, " layers"));
  }
  if (conv->heads <= 0) return r.Error("heads", "must be positive");
  return r.Finish();
}

absl::Status ParseStack(const FieldReader& r, StackConfig* stack) {
  RETURN_IF_ERROR(r.Int("embed_dim", &stack->embed_dim));
  RETURN_IF_ERROR(r.Int("ffn_dim", &stack->ffn_dim));
  RETURN_IF_ERROR(r.Int("layers", &stack->layers));
  RETURN_IF_ERROR(r.Bool("normalize_before", &stack->normalize_before, false));
  RETURN_IF_ERROR(r.Bool("final_layer_norm", &stack->final_layer_norm, false));
  RETURN_IF_ERROR(r.Choice<SelfAttentionType>(
      "self_attention",
      {{"lsra", SelfAttentionType::kLsra}, {"multihead", SelfAttentionType::kMultihead}},
      &stack->self_attention));
  RETURN_IF_ERROR(r.Int("attention_heads", &stack->attention_heads));
  RETURN_IF_ERROR(r.Int("cross_attention_heads", &stack->cross_attention_heads, false));
  if (stack->embed_dim <= 0 || stack->ffn_dim <= 0 || stack->layers <= 0) {
    return r.Error("embed_dim", "embed_dim, ffn_dim and layers must be positive");
  }
  const int attention_width =
      stack->self_attention == SelfAttentionType::kLsra ? stack->embed_dim / 2 : stack->embed_dim;
  if (stack->self_attention == SelfAttentionType::kLsra && stack->embed_dim % 2 != 0) {
    return r.Error("embed_dim", "must be even for LSRA (two branches of C/2)");
  }
  if (stack->attention_heads <= 0 || attention_width % stack->attention_heads != 0) {
    return r.Error(
        "attention_heads",
        absl::StrCat(stack->attention_heads, " heads do not divide the width ", attention_width));
  }
  if (stack->self_attention == SelfAttentionType::kLsra) {
    ASSIGN_OR_RETURN(FieldReader conv, r.Object("conv"));
    stack->conv.emplace();
    RETURN_IF_ERROR(ParseConv(conv, stack->layers, &*stack->conv));
    if ((stack->embed_dim / 2) % stack->conv->heads != 0) {
      return r.Error("conv.heads", "must divide the branch width C/2");
    }
  } else if (r.Has("conv")) {
    return r.Error("conv", "must be null for multihead self-attention");
  }
  if (stack->cross_attention_heads > 0 && stack->embed_dim % stack->cross_attention_heads != 0) {
    return r.Error("cross_attention_heads", "must divide embed_dim");
  }
  return r.Finish();
}

absl::Status ParseDecoding(const FieldReader& r, DecodingDefaults* d) {
  RETURN_IF_ERROR(r.Int("beam_size", &d->beam_size, false));
  RETURN_IF_ERROR(r.Float("length_penalty", &d->length_penalty, false));
  RETURN_IF_ERROR(r.Float("max_len_a", &d->max_len_a, false));
  RETURN_IF_ERROR(r.Int("max_len_b", &d->max_len_b, false));
  RETURN_IF_ERROR(r.Int("min_len", &d->min_len, false));
  RETURN_IF_ERROR(r.Int("no_repeat_ngram_size", &d->no_repeat_ngram_size, false));
  RETURN_IF_ERROR(r.Int("nbest", &d->nbest, false));
  RETURN_IF_ERROR(r.Int("top_k", &d->top_k, false));
  RETURN_IF_ERROR(r.Float("top_p", &d->top_p, false));
  RETURN_IF_ERROR(r.Float("temperature", &d->temperature, false));
  RETURN_IF_ERROR(r.Int("max_tokens", &d->max_tokens, false));
  RETURN_IF_ERROR(r.Bool("sampling", &d->sampling, false));
  if (d->beam_size < 1) return r.Error("beam_size", "must be at least 1");
  if (d->nbest < 1 || d->nbest > d->beam_size) return r.Error("nbest", "must be in [1, beam_size]");
  if (d->top_p <= 0.0f || d->top_p > 1.0f) return r.Error("top_p", "must be in (0, 1]");
  if (!(d->temperature > 0.0f) || !std::isfinite(d->temperature)) {
    return r.Error("temperature", "must be positive");
  }
  if (!(std::abs(d->length_penalty) <= kMaxLengthPenalty)) {
    return r.Error("length_penalty",
                   absl::StrCat("must be in [-", kMaxLengthPenalty, ", ", kMaxLengthPenalty, "]"));
  }
  if (!(d->max_len_a >= 0.0f) || !std::isfinite(d->max_len_a)) {
    return r.Error("max_len_a", "must be finite and ≥ 0");
  }
  if (d->max_len_b < 0) return r.Error("max_len_b", "must be ≥ 0");
  if (d->min_len < 0) return r.Error("min_len", "must be ≥ 0");
  if (d->no_repeat_ngram_size < 0) return r.Error("no_repeat_ngram_size", "must be ≥ 0");
  if (d->top_k < 0) return r.Error("top_k", "must be ≥ 0");
  if (d->max_tokens < 1) return r.Error("max_tokens", "must be at least 1");
  return r.Finish();
}

absl::Status ParseModel(const FieldReader& r, ModelConfig* c) {
  std::string format;
  int version = 0;
  RETURN_IF_ERROR(r.String("format", &format));
  if (format != "liteformer-model") return r.Error("format", "must be 'liteformer-model'");
  RETURN_IF_ERROR(r.Int("format_version", &version));
  if (version != kFormatVersion) {
    return r.Error("format_version", absl::StrCat("version ", version, " is not supported (this ",
                                                  "build reads version ", kFormatVersion, ")"));
  }
  RETURN_IF_ERROR(r.String("name", &c->name, false));
  c->version = "1";
  RETURN_IF_ERROR(r.String("version", &c->version, false));
  RETURN_IF_ERROR(r.Choice<Task>("task",
                                 {{"translation", Task::kTranslation},
                                  {"summarization", Task::kSummarization},
                                  {"language_modeling", Task::kLanguageModeling}},
                                 &c->task));
  RETURN_IF_ERROR(r.Choice<Arch>("arch",
                                 {{"lite_transformer", Arch::kLiteTransformer},
                                  {"transformer", Arch::kTransformer},
                                  {"lite_transformer_lm", Arch::kLiteTransformerLm}},
                                 &c->arch));
  RETURN_IF_ERROR(r.String("source_lang", &c->source_lang, false));
  RETURN_IF_ERROR(r.String("target_lang", &c->target_lang, false));
  const bool is_lm = c->arch == Arch::kLiteTransformerLm;
  if (is_lm != (c->task == Task::kLanguageModeling)) {
    return r.Error("task", "language_modeling goes with arch lite_transformer_lm and only with it");
  }
  if (!is_lm) {
    ASSIGN_OR_RETURN(FieldReader encoder, r.Object("encoder"));
    c->encoder.emplace();
    RETURN_IF_ERROR(ParseStack(encoder, &*c->encoder));
  } else if (r.Has("encoder")) {
    return r.Error("encoder", "must be null for a language model");
  }
  ASSIGN_OR_RETURN(FieldReader decoder, r.Object("decoder"));
  RETURN_IF_ERROR(ParseStack(decoder, &c->decoder));
  if (!is_lm && c->decoder.cross_attention_heads <= 0) {
    return r.Error("decoder.cross_attention_heads",
                   "must be positive for an encoder-decoder model");
  }
  if (is_lm && c->decoder.cross_attention_heads != 0) {
    return r.Error("decoder.cross_attention_heads", "must be 0 for a language model");
  }
  const bool lsra = c->arch != Arch::kTransformer;
  if ((c->decoder.self_attention == SelfAttentionType::kLsra) != lsra ||
      (c->encoder && (c->encoder->self_attention == SelfAttentionType::kLsra) != lsra)) {
    return r.Error("arch", "self_attention of the stacks does not match the arch");
  }
  RETURN_IF_ERROR(r.Bool("share_all_embeddings", &c->share_all_embeddings));
  RETURN_IF_ERROR(r.Bool("share_decoder_input_output_embed", &c->share_decoder_input_output_embed));
  if (r.Has("adaptive_input")) {
    if (!is_lm) return r.Error("adaptive_input", "only a language model may use adaptive input");
    ASSIGN_OR_RETURN(FieldReader adaptive, r.Object("adaptive_input"));
    c->adaptive_input.emplace();
    RETURN_IF_ERROR(adaptive.IntList("cutoffs", &c->adaptive_input->cutoffs));
    RETURN_IF_ERROR(adaptive.Int("factor", &c->adaptive_input->factor));
    if (c->adaptive_input->factor < 1) return adaptive.Error("factor", "must be at least 1");
    RETURN_IF_ERROR(adaptive.Finish());
  }
  RETURN_IF_ERROR(r.Int("max_source_positions", &c->max_source_positions, !is_lm));
  RETURN_IF_ERROR(r.Int("max_target_positions", &c->max_target_positions));
  // At least one token and </s>; at most kMaxPositions (tables are built at load).
  for (const auto& [key, positions] :
       {std::pair<const char*, int>{"max_target_positions", c->max_target_positions},
        std::pair<const char*, int>{"max_source_positions", c->max_source_positions}}) {
    if (is_lm && std::string_view(key) == "max_source_positions") continue;
    if (positions < 2 || positions > kMaxPositions) {
      return r.Error(key, absl::StrCat("must be in [2, ", kMaxPositions, "], got ", positions));
    }
  }

  ASSIGN_OR_RETURN(FieldReader vocab, r.Object("vocab"));
  RETURN_IF_ERROR(vocab.String("source", &c->vocab.source, !is_lm));
  RETURN_IF_ERROR(vocab.String("target", &c->vocab.target));
  RETURN_IF_ERROR(vocab.Int("source_size", &c->vocab.source_size, !is_lm));
  RETURN_IF_ERROR(vocab.Int("target_size", &c->vocab.target_size));
  RETURN_IF_ERROR(vocab.String("sentencepiece", &c->vocab.sentencepiece, false));
  if (c->vocab.target_size <= 4) return vocab.Error("target_size", "must exceed the 4 specials");
  for (const auto& [key, file] :
       {std::pair<const char*, const std::string&>{"source", c->vocab.source},
        {"target", c->vocab.target},
        {"sentencepiece", c->vocab.sentencepiece}}) {
    if (file.find('/') != std::string::npos || file == "." || file == "..") {
      return vocab.Error(key, "must be a plain file name inside the model directory");
    }
  }
  RETURN_IF_ERROR(vocab.Finish());
  if (c->share_all_embeddings && !c->share_decoder_input_output_embed) {
    return r.Error("share_all_embeddings", "needs share_decoder_input_output_embed");
  }
  if (c->encoder && c->encoder->conv) {
    for (int kernel : c->encoder->conv->kernel_sizes) {
      if (kernel % 2 == 0) return r.Error("encoder.conv.kernel_sizes", "must be odd");
    }
  }
  if (c->share_all_embeddings) {
    if (c->vocab.source_size != c->vocab.target_size) {
      return vocab.Error("source_size", "share_all_embeddings needs equal vocabulary sizes");
    }
    if (c->encoder->embed_dim != c->decoder.embed_dim) {
      return r.Error("share_all_embeddings", "needs equal encoder and decoder embed_dim");
    }
  }
  if (c->adaptive_input) {
    int previous = 0;
    for (int cutoff : c->adaptive_input->cutoffs) {
      if (cutoff <= previous || cutoff >= c->vocab.target_size) {
        return r.Error("adaptive_input.cutoffs",
                       "must increase and stay below the vocabulary size");
      }
      previous = cutoff;
    }
  }
  if (r.Has("special_tokens")) {
    ASSIGN_OR_RETURN(FieldReader special, r.Object("special_tokens"));
    RETURN_IF_ERROR(special.Int("bos", &c->special_tokens.bos));
    RETURN_IF_ERROR(special.Int("pad", &c->special_tokens.pad));
    RETURN_IF_ERROR(special.Int("eos", &c->special_tokens.eos));
    RETURN_IF_ERROR(special.Int("unk", &c->special_tokens.unk));
    RETURN_IF_ERROR(special.Finish());
    const SpecialTokens fairseq;
    const SpecialTokens& t = c->special_tokens;
    if (t.bos != fairseq.bos || t.pad != fairseq.pad || t.eos != fairseq.eos ||
        t.unk != fairseq.unk) {
      return r.Error("special_tokens", "must be fairseq's ids (bos 0, pad 1, eos 2, unk 3)");
    }
  }
  if (r.Has("decoding")) {
    ASSIGN_OR_RETURN(FieldReader decoding, r.Object("decoding"));
    RETURN_IF_ERROR(ParseDecoding(decoding, &c->decoding));
  }
  return r.Finish();
}

}  // namespace

absl::string_view TaskName(Task task) {
  switch (task) {
    case Task::kTranslation:
      return "translation";
    case Task::kSummarization:
      return "summarization";
    case Task::kLanguageModeling:
      return "language_modeling";
  }
  return "?";
}

absl::StatusOr<ModelConfig> ModelConfig::Parse(absl::string_view json_text,
                                               const std::string& source_name) {
  Json root = Json::parse(json_text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(source_name, ": not a JSON object"));
  }
  ModelConfig config;
  RETURN_IF_ERROR(ParseModel(FieldReader(root, "", source_name), &config));
  return config;
}

absl::StatusOr<ModelConfig> ModelConfig::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

}  // namespace liteformer

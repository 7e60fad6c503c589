#include "engine/models/model_config.h"

#include <string>

#include "engine/models/tensor_layout.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace liteformer {
namespace {

using ::testing::HasSubstr;

// A complete, valid translation config (docs/model-format.md).
constexpr const char* kTranslationConfig = R"({
  "format": "liteformer-model", "format_version": 1, "name": "tiny", "version": "1",
  "task": "translation", "arch": "lite_transformer", "source_lang": "en", "target_lang": "de",
  "encoder": {"embed_dim": 16, "ffn_dim": 16, "layers": 2, "normalize_before": false,
              "final_layer_norm": false, "self_attention": "lsra", "attention_heads": 2,
              "conv": {"type": "dynamic", "heads": 2, "kernel_sizes": [3, 5], "glu": true,
                       "weight_softmax": true},
              "cross_attention_heads": 0},
  "decoder": {"embed_dim": 16, "ffn_dim": 16, "layers": 2, "normalize_before": false,
              "final_layer_norm": false, "self_attention": "lsra", "attention_heads": 2,
              "conv": {"type": "lightweight", "heads": 2, "kernel_sizes": [3, 5], "glu": false,
                       "weight_softmax": true},
              "cross_attention_heads": 4},
  "share_all_embeddings": true, "share_decoder_input_output_embed": true,
  "adaptive_input": null, "max_source_positions": 64, "max_target_positions": 64,
  "vocab": {"source": "dict.en.txt", "target": "dict.de.txt", "source_size": 24,
            "target_size": 24, "sentencepiece": null},
  "special_tokens": {"bos": 0, "pad": 1, "eos": 2, "unk": 3},
  "decoding": {"beam_size": 4, "length_penalty": 0.6, "max_len_a": 0.0, "max_len_b": 200,
               "min_len": 1, "no_repeat_ngram_size": 0, "nbest": 1}
})";

TEST(ModelConfigTest, ParsesTranslationConfig) {
  const auto config = ModelConfig::Parse(kTranslationConfig, "config.json");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->is_encoder_decoder());
  EXPECT_EQ(config->encoder->conv->kernel_sizes, (std::vector<int>{3, 5}));
  EXPECT_EQ(config->decoder.conv->type, ConvType::kLightweight);
  EXPECT_EQ(config->decoder.cross_attention_heads, 4);
  EXPECT_FLOAT_EQ(config->decoding.length_penalty, 0.6f);
}

TEST(ModelConfigTest, LayoutListsEveryTensorOnce) {
  const auto config = ModelConfig::Parse(kTranslationConfig, "config.json");
  ASSERT_TRUE(config.ok()) << config.status();
  const TensorShapes shapes = ExpectedTensorShapes(*config);
  EXPECT_EQ(shapes.at("encoder.embed_tokens.weight"), (std::vector<std::int64_t>{24, 16}));
  EXPECT_EQ(shapes.count("decoder.embed_tokens.weight"), 0u);  // Shared.
  EXPECT_EQ(shapes.at("encoder.layers.1.self_attn.branches.1.weight_linear.weight"),
            (std::vector<std::int64_t>{2 * 5, 8}));
  EXPECT_EQ(shapes.at("encoder.layers.0.self_attn.branches.1.linear1.weight"),
            (std::vector<std::int64_t>{16, 8}));
  EXPECT_EQ(shapes.at("decoder.layers.1.self_attn.branches.1.weight"),
            (std::vector<std::int64_t>{2, 1, 5}));
  EXPECT_EQ(shapes.at("decoder.layers.0.encoder_attn.k_proj.weight"),
            (std::vector<std::int64_t>{16, 16}));
  EXPECT_EQ(shapes.count("encoder.layers.0.encoder_attn.k_proj.weight"), 0u);
}

struct BadField {
  std::string pointer;  // JSON pointer to change.
  nlohmann::json value;
  std::string expected_message;
};

TEST(ModelConfigTest, RefusesBadFieldsNamingThem) {
  const std::vector<BadField> cases = {
      {"/format_version", 7, "field 'format_version': version 7 is not supported"},
      {"/task", "poetry", "field 'task': unknown value 'poetry'"},
      {"/arch", "rnn", "field 'arch': unknown value 'rnn'"},
      {"/encoder/embed_dim", "wide", "field 'encoder.embed_dim': must be an integer"},
      {"/encoder/attention_heads", 3, "field 'encoder.attention_heads': 3 heads do not divide"},
      {"/decoder/conv/kernel_sizes", nlohmann::json::array({3}),
       "field 'decoder.conv.kernel_sizes': has 1 entries for 2 layers"},
      {"/decoder/conv/type", "dilated", "field 'decoder.conv.type': unknown value 'dilated'"},
      {"/decoder/cross_attention_heads", 0, "field 'decoder.cross_attention_heads'"},
      {"/vocab/target_size", 30, "share_all_embeddings needs equal vocabulary sizes"},
      {"/decoding/nbest", 9, "field 'decoding.nbest': must be in [1, beam_size]"},
      {"/decoding/top_p", 0.0, "field 'decoding.top_p'"},
      {"/decoding/beam", 4, "field 'decoding.beam': unknown key"},
      {"/encoder/conv/kernel", 3, "field 'encoder.conv.kernel': unknown key"},
      {"/vocab/target", "../dict.de.txt", "field 'vocab.target': must be a plain file name"},
      {"/special_tokens/eos", 5, "field 'special_tokens': must be fairseq's ids"},
      {"/encoder/conv/kernel_sizes", nlohmann::json::array({3, 4}),
       "field 'encoder.conv.kernel_sizes': must be odd"},
      {"/share_decoder_input_output_embed", false, "needs share_decoder_input_output_embed"},
      {"/languages", "en-de", "field 'languages': unknown key"},
  };
  for (const BadField& c : cases) {
    nlohmann::json config = nlohmann::json::parse(kTranslationConfig);
    config[nlohmann::json::json_pointer(c.pointer)] = c.value;
    const auto parsed = ModelConfig::Parse(config.dump(), "models/x/config.json");
    ASSERT_FALSE(parsed.ok()) << c.pointer;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("models/x/config.json"))
        << c.pointer;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.expected_message)) << c.pointer;
  }
}

TEST(ModelConfigTest, RefusesMissingFieldAndNonJson) {
  nlohmann::json config = nlohmann::json::parse(kTranslationConfig);
  config["decoder"].erase("layers");
  auto parsed = ModelConfig::Parse(config.dump(), "c.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("field 'decoder.layers': missing"));

  parsed = ModelConfig::Parse("{not json", "c.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("c.json: not a JSON object"));

  parsed = ModelConfig::FromFile("/nonexistent/config.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace liteformer

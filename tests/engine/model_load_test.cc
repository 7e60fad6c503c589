// Model::Load refuses every corrupt or mismatched model directory with a
// status naming the file and the tensor or field, and never crashes.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "engine/models/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/engine/test_files.h"

namespace liteformer {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kFixture = fs::path(LITEFORMER_TEST_DATA_DIR) / "lsra_dynamic_shared";

// A copy of the fixture model in a temporary directory, to break.
class BrokenModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path() / "model";
    fs::create_directories(dir_);
    for (const char* file : {"config.json", "model.safetensors", "dict.xx.txt", "dict.yy.txt"}) {
      fs::copy_file(kFixture / file, dir_ / file, fs::copy_options::overwrite_existing);
    }
  }

  std::string LoadError() {
    auto model = Model::Load(dir_.string());
    EXPECT_FALSE(model.ok());
    return model.ok() ? "" : std::string(model.status().message());
  }

  void EditConfig(const std::function<void(nlohmann::json&)>& edit) {
    std::ifstream in(dir_ / "config.json");
    nlohmann::json config = nlohmann::json::parse(in);
    edit(config);
    std::ofstream(dir_ / "config.json") << config.dump();
  }

  // Rewrites model.safetensors through `edit` on its header (data unchanged).
  void EditHeader(const std::function<void(nlohmann::json&)>& edit) {
    const std::string bytes = testing::ReadFile((dir_ / "model.safetensors").string());
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    nlohmann::json header = nlohmann::json::parse(bytes.substr(8, length));
    edit(header);
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
    std::ofstream(dir_ / "model.safetensors", std::ios::binary)
        << out << text << bytes.substr(8 + length);
  }

  // Overwrites the F32 value at `index` of tensor `name` in model.safetensors.
  void PoisonValue(const std::string& name, std::size_t index, float value) {
    std::string bytes = testing::ReadFile((dir_ / "model.safetensors").string());
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    const nlohmann::json header = nlohmann::json::parse(bytes.substr(8, length));
    ASSERT_EQ(header[name]["dtype"], "F32");
    const std::uint64_t offset =
        8 + length + header[name]["data_offsets"][0].get<std::uint64_t>() + 4 * index;
    std::memcpy(bytes.data() + offset, &value, sizeof(value));
    std::ofstream(dir_ / "model.safetensors", std::ios::binary) << bytes;
  }

  testing::TempDir temp_;
  fs::path dir_;
};

TEST_F(BrokenModelTest, TheUnbrokenCopyLoads) {
  auto model = Model::Load(dir_.string());
  ASSERT_TRUE(model.ok()) << model.status();
}

TEST_F(BrokenModelTest, MissingTensor) {
  EditHeader([](nlohmann::json& h) {  // Renamed, so its bytes still belong to a tensor.
    h["decoder.layers.1.fc2.bias_renamed"] = h["decoder.layers.1.fc2.bias"];
    h.erase("decoder.layers.1.fc2.bias");
  });
  EXPECT_THAT(LoadError(),
              HasSubstr("model.safetensors: missing tensor 'decoder.layers.1.fc2.bias'"));
}

TEST_F(BrokenModelTest, UnexpectedTensor) {
  EditHeader([](nlohmann::json& h) {
    std::uint64_t end = 0;  // An empty tensor at the end of the data.
    for (const auto& [name, entry] : h.items()) {
      if (name != "__metadata__")
        end = std::max(end, entry["data_offsets"][1].get<std::uint64_t>());
    }
    h["decoder.embed_out"] = {{"dtype", "F32"}, {"shape", {0, 32}}, {"data_offsets", {end, end}}};
  });
  EXPECT_THAT(LoadError(), HasSubstr("model.safetensors: unexpected tensor 'decoder.embed_out'"));
}

TEST_F(BrokenModelTest, WrongShape) {
  EditHeader([](nlohmann::json& h) {
    auto& t = h["encoder.layers.0.fc1.weight"];
    const auto rows = t["shape"][0].get<int>(), cols = t["shape"][1].get<int>();
    t["shape"] = {cols, rows};
  });
  EXPECT_THAT(LoadError(), HasSubstr("tensor 'encoder.layers.0.fc1.weight' has shape [32, 48], "
                                     "config.json implies [48, 32]"));
}

TEST_F(BrokenModelTest, IntegerTensor) {
  EditHeader([](nlohmann::json& h) { h["encoder.layers.0.fc1.bias"]["dtype"] = "I32"; });
  EXPECT_THAT(LoadError(), HasSubstr("tensor 'encoder.layers.0.fc1.bias' has dtype I32"));
}

TEST_F(BrokenModelTest, TruncatedWeights) {
  const std::string bytes = testing::ReadFile((dir_ / "model.safetensors").string());
  std::ofstream(dir_ / "model.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THAT(LoadError(), HasSubstr("model.safetensors: tensor '"));
}

TEST_F(BrokenModelTest, GarbageWeights) {
  std::ofstream(dir_ / "model.safetensors", std::ios::binary) << std::string(4096, '\x7f');
  EXPECT_THAT(LoadError(), HasSubstr("model.safetensors: header length"));
}

TEST_F(BrokenModelTest, MissingWeights) {
  fs::remove(dir_ / "model.safetensors");
  EXPECT_THAT(LoadError(), HasSubstr("model.safetensors: cannot open"));
}

TEST_F(BrokenModelTest, MissingDictionary) {
  fs::remove(dir_ / "dict.xx.txt");
  EXPECT_THAT(LoadError(), HasSubstr("dict.xx.txt: cannot open dictionary"));
}

TEST_F(BrokenModelTest, DictionaryOfTheWrongSize) {
  std::ofstream(dir_ / "dict.yy.txt", std::ios::app) << "extra 1\n";
  EXPECT_THAT(LoadError(),
              HasSubstr("dict.yy.txt: dictionary has 41 entries (with the 4 specials), "
                        "config.json says 40"));
}

TEST_F(BrokenModelTest, ConfigThatDoesNotMatchTheWeights) {
  EditConfig([](nlohmann::json& c) { c["decoder"]["ffn_dim"] = 64; });
  EXPECT_THAT(
      LoadError(),
      HasSubstr("tensor 'decoder.layers.0.fc1.bias' has shape [48], config.json implies [64]"));
}

TEST_F(BrokenModelTest, UnknownArchitecture) {
  EditConfig([](nlohmann::json& c) { c["arch"] = "lstm"; });
  EXPECT_THAT(LoadError(), HasSubstr("config.json: field 'arch': unknown value 'lstm'"));
}

TEST_F(BrokenModelTest, NanWeight) {
  PoisonValue("encoder.layers.0.fc1.weight", 7, std::numeric_limits<float>::quiet_NaN());
  EXPECT_THAT(LoadError(), HasSubstr("model.safetensors: tensor 'encoder.layers.0.fc1.weight' "
                                     "holds nan at flat index 7 (corrupt or diverged weights"));
}

TEST_F(BrokenModelTest, InfiniteWeight) {
  PoisonValue("decoder.layers.1.fc2.bias", 0, -std::numeric_limits<float>::infinity());
  EXPECT_THAT(LoadError(),
              HasSubstr("tensor 'decoder.layers.1.fc2.bias' holds -inf at flat index 0"));
}

TEST_F(BrokenModelTest, PositionsOutOfRange) {
  for (int positions : {0, 1, 1 << 30}) {
    EditConfig([&](nlohmann::json& c) { c["max_target_positions"] = positions; });
    EXPECT_THAT(LoadError(), HasSubstr("config.json: field 'max_target_positions': must be in "
                                       "[2, 65536], got " +
                                       std::to_string(positions)));
  }
  EditConfig([](nlohmann::json& c) {
    c["max_target_positions"] = 1024;
    c["max_source_positions"] = 0;
  });
  EXPECT_THAT(LoadError(), HasSubstr("field 'max_source_positions': must be in [2, 65536]"));
}

TEST_F(BrokenModelTest, DecodingDefaultsOutOfRange) {
  const std::pair<const char*, nlohmann::json> cases[] = {
      {"length_penalty", 1e30}, {"max_len_a", -1.0},  {"min_len", -1}, {"top_k", -2},
      {"max_tokens", 0},        {"temperature", 1e39}};
  for (const auto& [key, value] : cases) {
    SetUp();  // A fresh copy each time.
    EditConfig([&](nlohmann::json& c) { c["decoding"][key] = value; });
    EXPECT_THAT(LoadError(), HasSubstr(std::string("field 'decoding.") + key + "'")) << key;
  }
}

TEST_F(BrokenModelTest, MissingConfig) {
  fs::remove(dir_ / "config.json");
  EXPECT_THAT(LoadError(), HasSubstr("config.json: cannot open"));
}

}  // namespace
}  // namespace liteformer

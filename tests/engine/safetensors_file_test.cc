#include "engine/tensor/safetensors_file.h"

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/engine/test_files.h"

namespace liteformer {
namespace {

using ::testing::HasSubstr;

std::string LengthPrefix(std::uint64_t n) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes;
}

std::string MakeFile(const std::string& header, const std::string& data) {
  return LengthPrefix(header.size()) + header + data;
}

std::string FloatBytes(const std::vector<float>& values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

class SafetensorsFileTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(SafetensorsFileTest, ReadsF32F16AndBf16) {
  // 1.5 and -2 as F16 (0x3e00, 0xc000) and BF16 (0x3fc0, 0xc000).
  const std::string data = FloatBytes({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}) +
                           std::string("\x00\x3e\x00\xc0", 4) + std::string("\xc0\x3f\x00\xc0", 4);
  const std::string header =
      R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
      R"("h":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},)"
      R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]},"__metadata__":{"x":"y"}})";
  const auto file = SafetensorsFile::Open(dir_.Write("ok.safetensors", MakeFile(header, data)));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->tensors().size(), 3u);
  const StoredTensor* a = file->Find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{2, 3}));
  std::vector<float> values(6);
  ASSERT_TRUE(file->ReadAsFloat32(*a, values).ok());
  EXPECT_EQ(values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  std::vector<float> half(2);
  ASSERT_TRUE(file->ReadAsFloat32(*file->Find("h"), half).ok());
  EXPECT_EQ(half, (std::vector<float>{1.5f, -2.0f}));
  ASSERT_TRUE(file->ReadAsFloat32(*file->Find("b"), half).ok());
  EXPECT_EQ(half, (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(file->Find("missing"), nullptr);
}

struct CorruptCase {
  std::string label;
  std::string bytes;
  std::string expected_message;
};

TEST_F(SafetensorsFileTest, RefusesCorruptFilesNamingFileAndTensor) {
  const std::string good_header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string good = MakeFile(good_header, FloatBytes({1, 2}));
  const std::vector<CorruptCase> cases = {
      {"empty", "", "shorter than the 8-byte header length"},
      {"short", "abc", "shorter than the 8-byte header length"},
      {"huge_header", LengthPrefix(std::uint64_t{1} << 40) + "{}", "exceeds the file size"},
      {"truncated", good.substr(0, good.size() - 3), "outside the data section"},
      {"garbage", LengthPrefix(4) + "\x01\x02\x03\x04", "header is not a JSON object"},
      {"json_array", MakeFile("[1,2]", ""), "header is not a JSON object"},
      {"bad_dtype",
       MakeFile(R"({"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", FloatBytes({1, 2})),
       "tensor 'w': unsupported dtype 'Q7'"},
      {"size_mismatch",
       MakeFile(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", FloatBytes({1, 2})),
       "tensor 'w': data_offsets span 8 bytes but shape and dtype need 12"},
      {"negative_dim",
       MakeFile(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", FloatBytes({1, 2})),
       "tensor 'w': shape has a non-integer or negative dim"},
      {"reversed_offsets",
       MakeFile(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", FloatBytes({1, 2})),
       "tensor 'w': data_offsets [8, 0)"},
      {"missing_offsets", MakeFile(R"({"w":{"dtype":"F32","shape":[2]}})", FloatBytes({1, 2})),
       "tensor 'w': missing data_offsets"},
      {"overlap",
       MakeFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                FloatBytes({1, 2})),
       "tensor data ranges overlap"},
      {"hole",
       MakeFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", FloatBytes({1, 2})),
       "bytes [0, 4) of the data section belong to no tensor"},
      {"trailing", good + "xx", "2 bytes after the last tensor's data"},
  };
  for (const CorruptCase& c : cases) {
    const std::string path = dir_.Write(c.label + ".safetensors", c.bytes);
    const auto file = SafetensorsFile::Open(path);
    ASSERT_FALSE(file.ok()) << c.label;
    EXPECT_THAT(std::string(file.status().message()), HasSubstr(path)) << c.label;
    EXPECT_THAT(std::string(file.status().message()), HasSubstr(c.expected_message)) << c.label;
  }
}

TEST_F(SafetensorsFileTest, MissingFileIsNotFound) {
  const auto file = SafetensorsFile::Open((dir_.path() / "absent.safetensors").string());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("absent.safetensors"));
}

TEST_F(SafetensorsFileTest, RefusesIntegerTensorAsFloat) {
  const std::string header = R"({"i":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  const auto file =
      SafetensorsFile::Open(dir_.Write("int.safetensors", MakeFile(header, std::string(8, '\0'))));
  ASSERT_TRUE(file.ok()) << file.status();
  std::vector<float> out(1);
  const absl::Status status = file->ReadAsFloat32(*file->Find("i"), out);
  EXPECT_THAT(std::string(status.message()), HasSubstr("tensor 'i' has dtype I64"));
}

}  // namespace
}  // namespace liteformer

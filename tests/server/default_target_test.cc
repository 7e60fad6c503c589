// Where liteformer-client and liteformer-load connect without --target.
#include "client/default_target.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace liteformer::client {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::path(testing::TempDir()) / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ResolveTargetTest, TheFlagWinsOverTheAddressFile) {
  const std::string file = WriteFile("flag_wins", "127.0.0.1:7000\n");
  EXPECT_EQ(*ResolveTarget("10.1.2.3:9", file.c_str()), "10.1.2.3:9");
}

TEST(ResolveTargetTest, WithoutEitherItIsLocalhost50051) {
  EXPECT_EQ(*ResolveTarget("", nullptr), "localhost:50051");
  EXPECT_EQ(*ResolveTarget("", ""), "localhost:50051");
}

TEST(ResolveTargetTest, TheAddressFileGivesTheTarget) {
  EXPECT_EQ(*ResolveTarget("", WriteFile("plain", "127.0.0.1:40123\n").c_str()), "127.0.0.1:40123");
  EXPECT_EQ(*ResolveTarget("", WriteFile("v6", "  [::1]:5\n\n").c_str()), "[::1]:5");
}

TEST(ResolveTargetTest, AMissingOrMalformedFileIsUnavailableNamingIt) {
  const std::string missing = (std::filesystem::path(testing::TempDir()) / "no_such_file").string();
  for (const std::string& path :
       {missing, WriteFile("empty", ""), WriteFile("two_lines", "127.0.0.1:1\n127.0.0.1:2\n"),
        WriteFile("huge", std::string(300, '1'))}) {
    const absl::StatusOr<std::string> target = ResolveTarget("", path.c_str());
    ASSERT_FALSE(target.ok()) << path;
    EXPECT_TRUE(absl::IsUnavailable(target.status())) << target.status();
    EXPECT_NE(target.status().message().find(path), std::string::npos) << target.status();
    EXPECT_NE(target.status().message().find("LITEFORMER_ADDRESS_FILE"), std::string::npos);
  }
}

}  // namespace
}  // namespace liteformer::client

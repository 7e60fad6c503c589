// The server's address file (server/listen/address_file.h).
#include "server/listen/address_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace liteformer {
namespace {

TEST(DialableAddressTest, WildcardHostsBecomeLoopbackWithTheBoundPort) {
  EXPECT_EQ(DialableAddress("0.0.0.0:50051", 50051), "127.0.0.1:50051");
  EXPECT_EQ(DialableAddress("0.0.0.0:0", 41234), "127.0.0.1:41234");
  EXPECT_EQ(DialableAddress("[::]:50051", 50051), "[::1]:50051");
  EXPECT_EQ(DialableAddress(":7000", 7000), "127.0.0.1:7000");
}

TEST(DialableAddressTest, OtherHostsAndUnixSocketsAreKept) {
  EXPECT_EQ(DialableAddress("127.0.0.2:0", 4242), "127.0.0.2:4242");
  EXPECT_EQ(DialableAddress("localhost:50051", 50051), "localhost:50051");
  EXPECT_EQ(DialableAddress("[::1]:9", 9), "[::1]:9");
  EXPECT_EQ(DialableAddress("unix:/run/liteformer.sock", 1), "unix:/run/liteformer.sock");
}

std::string Read(const std::string& path) {
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  return text.str();
}

TEST(AddressFileTest, WrittenWholeAndRemovedWhenDestroyed) {
  const std::string path = (std::filesystem::path(testing::TempDir()) / "address").string();
  std::ofstream(path) << "stale:1\n";  // A previous run's file is replaced.
  {
    absl::StatusOr<std::unique_ptr<AddressFile>> file = AddressFile::Write(path, "127.0.0.1:5");
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(Read(path), "127.0.0.1:5\n");
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(AddressFileTest, AnUnwritablePathIsAnErrorNamingIt) {
  const std::string path = "/nonexistent/liteformer/address";
  absl::StatusOr<std::unique_ptr<AddressFile>> file = AddressFile::Write(path, "127.0.0.1:5");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find(path), std::string::npos) << file.status();
  EXPECT_NE(file.status().message().find("No such file or directory"), std::string::npos)
      << file.status();
}

}  // namespace
}  // namespace liteformer

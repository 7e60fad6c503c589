// Client text in statuses and logs: model names checked before they are
// echoed, status messages bounded, log text escaped.
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "server/grpc_status.h"
#include "server/request/model_name.h"

namespace liteformer {
namespace {

TEST(ModelNameTest, PlainNamesPass) {
  for (const char* name : {"en-de", "lm_en", "summarize.v2", "A9"}) {
    EXPECT_TRUE(CheckModelName(name).ok()) << name;
  }
  EXPECT_TRUE(CheckModelName(std::string(kMaxModelNameBytes, 'a')).ok());
}

TEST(ModelNameTest, RefusalsDoNotEchoTheName) {
  const struct {
    std::string name;
    std::string message;
  } cases[] = {
      {"", "model name is empty"},
      {std::string(kMaxModelNameBytes + 1, 'a'), "model name of 129 bytes exceeds 128"},
      {std::string(3'000'000, 'b'), "model name of 3000000 bytes exceeds 128"},
      {"mt\nforged", "byte 0x0a at offset 2"},
      {"caf\xc3\xa9", "byte 0xc3 at offset 3"},
      {"a b", "byte 0x20 at offset 1"},
      {"../x", "byte 0x2f at offset 2"},
  };
  for (const auto& c : cases) {
    const absl::Status status = CheckModelName(c.name);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.message;
    EXPECT_NE(status.message().find(c.message), std::string::npos) << status;
    EXPECT_LT(status.message().size(), 200u);
  }
}

TEST(StatusTextTest, GrpcStatusMessagesAreBoundedAtACharacter) {
  const std::string long_message = std::string(kMaxStatusMessageBytes - 1, 'x') + "\xc3\xa9tail";
  const grpc::Status status = ToGrpcStatus(absl::InvalidArgumentError(long_message));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The two-byte character straddling the cut is dropped whole.
  EXPECT_EQ(status.error_message(), std::string(kMaxStatusMessageBytes - 1, 'x') + "... (" +
                                        std::to_string(long_message.size()) + " bytes)");
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("short")).error_message(), "short");
}

TEST(StatusTextTest, LogTextIsEscapedAndBounded) {
  EXPECT_EQ(EscapeForLog("model 'x' is not served"), "model 'x' is not served");
  EXPECT_EQ(EscapeForLog("a\nb\r\x1b[31m\\"), "a\\x0ab\\x0d\\x1b[31m\\x5c");
  EXPECT_EQ(EscapeForLog("naïve ≤ 3"), "naïve ≤ 3");
  EXPECT_EQ(EscapeForLog(std::string(600, 'y'), 512), std::string(512, 'y') + "... (600 bytes)");
}

}  // namespace
}  // namespace liteformer

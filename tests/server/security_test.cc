// The tokens file parser, the authenticator, and the start-up checks of the
// TLS files (the TLS handshakes themselves are tested end to end, against
// the real server: tests/e2e/test_tls.py).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/security/authenticator.h"
#include "server/security/server_credentials.h"
#include "server/security/tokens_file.h"

namespace liteformer::security {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Hex(const Sha256Digest& digest) {
  std::string hex;
  for (std::uint8_t byte : digest) absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  return hex;
}

TEST(Sha256Test, KnownVector) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(TokensFileTest, PlainAndHashedTokensCommentsAndBlankLines) {
  const std::string hashed = Hex(Sha256("secret-b"));
  const std::string text = absl::StrCat(
      "# clients\n\n  alice   secret-a  \n\tbob sha256:", hashed,
      "\r\n# another comment\ncarol.ci-1 sha256:", absl::AsciiStrToUpper(hashed), "\n");
  absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokens(text, "tokens.txt");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].client, "alice");
  EXPECT_EQ((*entries)[0].digest, Sha256("secret-a"));
  EXPECT_EQ((*entries)[1].client, "bob");
  EXPECT_EQ((*entries)[1].digest, Sha256("secret-b"));
  EXPECT_EQ((*entries)[2].client, "carol.ci-1");
  EXPECT_EQ((*entries)[2].digest, Sha256("secret-b"));
}

struct BadLine {
  std::string text;
  std::string error;
};

class TokensFileErrorTest : public ::testing::TestWithParam<BadLine> {};

TEST_P(TokensFileErrorTest, NamesTheFileAndLine) {
  absl::StatusOr<std::vector<TokenEntry>> entries =
      ParseTokens(absl::StrCat("# first\nalice secret-a\n", GetParam().text, "\n"), "t.txt");
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(entries.status().message(), HasSubstr("tokens file t.txt line 3: "));
  EXPECT_THAT(entries.status().message(), HasSubstr(GetParam().error));
  // A token never reaches an error message.
  EXPECT_THAT(entries.status().message(), Not(HasSubstr("hunter2")));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, TokensFileErrorTest,
    ::testing::Values(BadLine{"bob", "got 1 field(s)"},
                      BadLine{"bob hunter2 extra", "got 3 field(s)"},
                      BadLine{"b@b hunter2", "bad client name"},
                      BadLine{absl::StrCat(std::string(129, 'n'), " hunter2"), "bad client name"},
                      BadLine{"bob sha256:abc", "64 hex digits"},
                      BadLine{absl::StrCat("bob sha256:", std::string(63, 'a'), "g"),
                              "64 hex digits"},
                      BadLine{"alice hunter2", "client alice appears twice"}));

TEST(TokensFileTest, NoClientsIsAnError) {
  absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokens("# nobody\n\n", "t.txt");
  ASSERT_FALSE(entries.ok());
  EXPECT_THAT(entries.status().message(), HasSubstr("t.txt: no clients"));
}

TEST(TokensFileTest, UnreadableFileIsNamed) {
  absl::StatusOr<std::vector<TokenEntry>> entries = ReadTokensFile("/nonexistent/tokens.txt");
  ASSERT_FALSE(entries.ok());
  EXPECT_THAT(entries.status().message(), HasSubstr("/nonexistent/tokens.txt"));
}

Authenticator TwoClients() {
  return Authenticator(*ParseTokens(
      absl::StrCat("alice secret-a\nbob sha256:", Hex(Sha256("secret-b")), "\n"), "t"));
}

TEST(AuthenticatorTest, DisabledAcceptsEveryoneAsAnonymous) {
  const Authenticator authenticator;
  EXPECT_FALSE(authenticator.enabled());
  EXPECT_EQ(*authenticator.Authenticate(std::nullopt), "anonymous");
  EXPECT_EQ(*authenticator.Authenticate("Bearer whatever"), "anonymous");
}

TEST(AuthenticatorTest, KnownTokensNameTheirClient) {
  const Authenticator authenticator = TwoClients();
  EXPECT_EQ(*authenticator.Authenticate("Bearer secret-a"), "alice");
  EXPECT_EQ(*authenticator.Authenticate("Bearer secret-b"), "bob");
  EXPECT_EQ(*authenticator.Authenticate("bearer secret-b"), "bob");  // The scheme's case.
}

TEST(AuthenticatorTest, MissingMalformedAndUnknownTokensAreUnauthenticated) {
  const Authenticator authenticator = TwoClients();
  // The last: the digest itself is no token.
  const std::vector<std::optional<std::string>> headers = {
      std::nullopt,
      "secret-a",
      "Basic secret-a",
      "Bearer ",
      "Bearer secret-",
      "Bearer secret-aa",
      absl::StrCat("Bearer sha256:", Hex(Sha256("secret-b")))};
  for (const std::optional<std::string>& header : headers) {
    absl::StatusOr<std::string> client = authenticator.Authenticate(header);
    ASSERT_FALSE(client.ok()) << header.value_or("(none)");
    EXPECT_EQ(client.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(client.status().message(), Not(HasSubstr("secret")));
  }
}

TEST(AuthenticatorTest, ReplaceAddsAndDropsClients) {
  Authenticator authenticator = TwoClients();
  authenticator.Replace(*ParseTokens("carol secret-c\nalice secret-a\n", "t"));
  EXPECT_EQ(*authenticator.Authenticate("Bearer secret-c"), "carol");
  EXPECT_EQ(*authenticator.Authenticate("Bearer secret-a"), "alice");
  EXPECT_EQ(authenticator.Authenticate("Bearer secret-b").status().code(),
            absl::StatusCode::kUnauthenticated);
}

class ServerCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("liteformer_security_test_", getpid());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ServerCredentialsTest, NoFilesIsPlainText) { EXPECT_TRUE(MakeServerCredentials({}).ok()); }

TEST_F(ServerCredentialsTest, CertAndKeyComeTogether) {
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> only_cert =
      MakeServerCredentials({"server.pem", "", ""});
  ASSERT_FALSE(only_cert.ok());
  EXPECT_THAT(only_cert.status().message(), HasSubstr("without a key file (tls_key_file)"));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> only_key =
      MakeServerCredentials({"", "server.key", ""});
  ASSERT_FALSE(only_key.ok());
  EXPECT_THAT(only_key.status().message(), HasSubstr("without a certificate file (tls_cert_file)"));
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> only_ca =
      MakeServerCredentials({"", "", "ca.pem"});
  ASSERT_FALSE(only_ca.ok());
  EXPECT_THAT(only_ca.status().message(), HasSubstr("needs a certificate and key"));
}

TEST_F(ServerCredentialsTest, UnreadableAndInvalidFilesAreNamed) {
  const std::string missing = (dir_ / "missing.pem").string();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> unreadable =
      MakeServerCredentials({missing, missing, ""});
  ASSERT_FALSE(unreadable.ok());
  EXPECT_THAT(unreadable.status().message(), HasSubstr(missing));
  const std::string garbage = Write("garbage.pem", "not a certificate\n");
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> invalid =
      MakeServerCredentials({garbage, garbage, ""});
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(invalid.status().message(),
              HasSubstr(absl::StrCat(garbage, ": not a PEM certificate")));
}

}  // namespace
}  // namespace liteformer::security

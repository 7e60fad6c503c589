#include "server/security/tokens_file.h"

#include <openssl/sha.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/request/model_name.h"

namespace liteformer::security {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseHexDigest(absl::string_view hex, Sha256Digest& digest) {
  if (hex.size() != 2 * digest.size()) return false;
  for (size_t i = 0; i < digest.size(); ++i) {
    const int high = HexValue(hex[2 * i]);
    const int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    digest[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return true;
}

}  // namespace

Sha256Digest Sha256(absl::string_view data) {
  Sha256Digest digest;
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokens(absl::string_view text,
                                                    absl::string_view file_name) {
  std::vector<TokenEntry> entries;
  absl::flat_hash_set<std::string> names;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const auto error = [&](absl::string_view what) {
      return absl::InvalidArgumentError(
          absl::StrCat("tokens file ", file_name, " line ", line_number, ": ", what));
    };
    line = absl::StripAsciiWhitespace(line);  // Also a CRLF file's '\r'.
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 2) {
      return error(
          absl::StrCat("expected NAME TOKEN or NAME sha256:HEX, got ", fields.size(), " field(s)"));
    }
    if (absl::Status name = CheckModelName(fields[0]); !name.ok()) {
      return error(absl::StrCat("bad client name: ", name.message()));
    }
    TokenEntry entry{std::string(fields[0]), {}};
    if (absl::StartsWith(fields[1], kHashPrefix)) {
      if (!ParseHexDigest(fields[1].substr(kHashPrefix.size()), entry.digest)) {
        return error("sha256: must be followed by 64 hex digits");
      }
    } else {
      entry.digest = Sha256(fields[1]);
    }
    if (!names.insert(entry.client).second) {
      return error(absl::StrCat("client ", entry.client, " appears twice"));
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tokens file ", file_name, ": no clients (every call would be refused)"));
  }
  return entries;
}

absl::StatusOr<std::vector<TokenEntry>> ReadTokensFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path));
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) return absl::DataLossError(absl::StrCat("error reading tokens file ", path));
  return ParseTokens(text.str(), path);
}

}  // namespace liteformer::security

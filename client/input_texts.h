// The texts a client sends: one per line of a file or of stdin.
#ifndef LITEFORMER_CLIENT_INPUT_TEXTS_H_
#define LITEFORMER_CLIENT_INPUT_TEXTS_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace liteformer::client {

// One text per line; a trailing '\r' is dropped and blank lines are skipped,
// so a text's index is its position among the non-blank lines (the index the
// clients print and --verify files use).
std::vector<std::string> ReadTexts(std::istream& in);

// ReadTexts on a file; "-" is stdin.
absl::StatusOr<std::vector<std::string>> ReadTextFile(const std::string& path);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_INPUT_TEXTS_H_

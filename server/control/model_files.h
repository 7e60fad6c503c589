// What identifies a model directory's contents, so that a reload loads only
// a model whose files changed: a cheap listing (names, sizes, modification
// times) checked first, and a SHA-256 of the files, read only when the
// listing changed.
#ifndef LITEFORMER_SERVER_CONTROL_MODEL_FILES_H_
#define LITEFORMER_SERVER_CONTROL_MODEL_FILES_H_

#include <string>

#include "absl/status/statusor.h"

namespace liteformer {

// The regular files of `dir` (not its subdirectories): name, size and
// modification time each. Errors name the directory.
absl::StatusOr<std::string> ModelFilesListing(const std::string& dir);

// Hex SHA-256 over every regular file of `dir` (name, size, contents, in
// name order). Errors name the file.
absl::StatusOr<std::string> ModelFilesChecksum(const std::string& dir);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_CONTROL_MODEL_FILES_H_

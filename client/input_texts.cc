#include "client/input_texts.h"

#include <fstream>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace liteformer::client {

std::vector<std::string> ReadTexts(std::istream& in) {
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    texts.push_back(std::move(line));
  }
  return texts;
}

absl::StatusOr<std::vector<std::string>> ReadTextFile(const std::string& path) {
  if (path == "-") return ReadTexts(std::cin);
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::vector<std::string> texts = ReadTexts(file);
  if (file.bad()) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return texts;
}

}  // namespace liteformer::client

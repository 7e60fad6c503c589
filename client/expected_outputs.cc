#include "client/expected_outputs.h"

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace liteformer::client {
namespace {

absl::StatusOr<std::pair<size_t, std::string>> ParseLine(const std::string& line, size_t position) {
  const nlohmann::json value = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (value.is_string()) return std::make_pair(position, value.get<std::string>());
  if (value.is_object()) {
    size_t index = position;
    if (auto it = value.find("index"); it != value.end() && it->is_number_unsigned()) {
      index = it->get<size_t>();
    }
    if (auto it = value.find("text"); it != value.end() && it->is_string()) {
      return std::make_pair(index, it->get<std::string>());
    }
    if (auto it = value.find("hypotheses"); it != value.end() && it->is_array() && !it->empty()) {
      const nlohmann::json& best = it->front();
      if (best.is_object() && best.contains("text") && best["text"].is_string()) {
        return std::make_pair(index, best["text"].get<std::string>());
      }
    }
  }
  return absl::InvalidArgumentError("expected a JSON string or an object with \"text\"");
}

}  // namespace

absl::StatusOr<ExpectedOutputs> ParseExpectedOutputs(std::istream& in) {
  ExpectedOutputs expected;
  std::string line;
  size_t line_number = 0;
  size_t position = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<std::pair<size_t, std::string>> entry = ParseLine(line, position++);
    if (!entry.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": ", entry.status().message()));
    }
    expected[entry->first] = std::move(entry->second);
  }
  return expected;
}

absl::StatusOr<ExpectedOutputs> ReadExpectedOutputs(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  absl::StatusOr<ExpectedOutputs> expected = ParseExpectedOutputs(file);
  if (!expected.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", expected.status().message()));
  }
  return expected;
}

}  // namespace liteformer::client

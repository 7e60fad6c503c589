#include "server/request/sentence_splitter.h"

#include "absl/strings/ascii.h"

namespace liteformer {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsEnd(char c) { return c == '.' || c == '!' || c == '?'; }
bool IsCloser(char c) { return c == '"' || c == '\'' || c == ')' || c == ']'; }

}  // namespace

std::vector<std::string> SplitSentences(absl::string_view text) {
  std::vector<std::string> sentences;
  auto emit = [&](absl::string_view piece) {
    piece = absl::StripAsciiWhitespace(piece);
    if (!piece.empty()) sentences.emplace_back(piece);
  };
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!IsEnd(text[i])) continue;
    std::size_t end = i + 1;
    while (end < text.size() && (IsEnd(text[end]) || IsCloser(text[end]))) ++end;
    if (end < text.size() && IsSpace(text[end])) {
      emit(text.substr(start, end - start));
      start = end;
    }
    i = end - 1;
  }
  emit(text.substr(start));
  return sentences;
}

}  // namespace liteformer

#include "engine/text/vocabulary.h"

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace liteformer {

absl::StatusOr<Vocabulary> Vocabulary::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open dictionary"));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<Vocabulary> Vocabulary::Parse(absl::string_view text,
                                             const std::string& source_name) {
  Vocabulary vocab;
  for (const char* special : {"<s>", "<pad>", "</s>", "<unk>"}) {
    vocab.ids_.emplace(special, vocab.size());
    vocab.tokens_.emplace_back(special);
  }
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    // "token count [#fairseq:overwrite]": the token is everything before the
    // last field that is a count (tokens themselves never contain spaces).
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    bool overwrite = false;
    if (fields.size() == 3 && fields[2] == "#fairseq:overwrite") {
      overwrite = true;
      fields.pop_back();
    }
    long long count = 0;
    if (fields.size() != 2 || fields[0].empty() || !absl::SimpleAtoi(fields[1], &count)) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ":", line_number,
                                                     ": expected 'token count', got '", line, "'"));
    }
    const std::string token(fields[0]);
    if (vocab.ids_.contains(token) && !overwrite) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ":", line_number, ": duplicate token '", token, "'"));
    }
    vocab.ids_[token] = vocab.size();
    vocab.tokens_.push_back(token);
  }
  return vocab;
}

int Vocabulary::Id(absl::string_view token) const {
  const auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

}  // namespace liteformer

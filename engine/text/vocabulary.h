// A fairseq dictionary (dict.txt): ids 0-3 are the implicit specials
// <s> <pad> </s> <unk>; line i of the file ("token count") is id i + 4.
#ifndef LITEFORMER_ENGINE_TEXT_VOCABULARY_H_
#define LITEFORMER_ENGINE_TEXT_VOCABULARY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace liteformer {

class Vocabulary {
 public:
  static constexpr int kBos = 0;
  static constexpr int kPad = 1;
  static constexpr int kEos = 2;
  static constexpr int kUnk = 3;

  static absl::StatusOr<Vocabulary> FromFile(const std::string& path);
  static absl::StatusOr<Vocabulary> Parse(absl::string_view text, const std::string& source_name);

  int size() const { return static_cast<int>(tokens_.size()); }
  // kUnk for a token the dictionary lacks.
  int Id(absl::string_view token) const;
  // Requires 0 <= id < size().
  const std::string& Token(int id) const { return tokens_[id]; }

 private:
  std::vector<std::string> tokens_;
  absl::flat_hash_map<std::string, int> ids_;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_TEXT_VOCABULARY_H_

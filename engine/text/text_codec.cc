#include "engine/text/text_codec.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/text/utf8.h"
#include "engine/util/status_macros.h"

namespace liteformer {

absl::StatusOr<std::unique_ptr<TextCodec>> TextCodec::ForModel(const Model& model) {
  const Vocabulary* source = model.source_vocabulary();
  std::unique_ptr<TextCodec> codec(
      new TextCodec(source ? *source : model.target_vocabulary(), model.target_vocabulary()));
  const std::string& spm = model.config().vocab.sentencepiece;
  if (!spm.empty()) {
    const std::string path = (std::filesystem::path(model.directory()) / spm).string();
    ASSIGN_OR_RETURN(codec->tokenizer_, SentencePieceTokenizer::Load(path));
  }
  return codec;
}

absl::StatusOr<std::vector<int>> TextCodec::Encode(absl::string_view text,
                                                   const Vocabulary& vocab) const {
  if (const auto bad = FindInvalidUtf8(text)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  std::vector<std::string> pieces;
  if (tokenizer_) {
    ASSIGN_OR_RETURN(pieces, tokenizer_->Encode(text));
  } else {
    pieces = absl::StrSplit(text, absl::ByAnyChar(" \t\n\r"), absl::SkipEmpty());
  }
  if (pieces.empty()) return absl::InvalidArgumentError("empty text");
  std::vector<int> ids;
  ids.reserve(pieces.size());
  for (const std::string& piece : pieces) ids.push_back(vocab.Id(piece));
  return ids;
}

absl::StatusOr<std::vector<int>> TextCodec::EncodeSource(absl::string_view text) const {
  return Encode(text, source_);
}

absl::StatusOr<std::vector<int>> TextCodec::EncodeTarget(absl::string_view text) const {
  return Encode(text, target_);
}

absl::StatusOr<std::string> TextCodec::Decode(const std::vector<int>& ids) const {
  std::vector<std::string> pieces;
  for (int id : ids) {
    if (id == Vocabulary::kBos || id == Vocabulary::kPad || id == Vocabulary::kEos) continue;
    if (id < 0 || id >= target_.size()) {
      return absl::InternalError(absl::StrCat("id ", id, " outside the target vocabulary"));
    }
    pieces.push_back(target_.Token(id));
  }
  if (tokenizer_) return tokenizer_->Decode(pieces);
  return absl::StrJoin(pieces, " ");
}

}  // namespace liteformer

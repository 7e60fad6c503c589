// Splits a long text into sentences so each is decoded as its own job (a
// model trained on sentences translates a paragraph badly in one piece, and
// sentence jobs batch with everyone else's).
#ifndef LITEFORMER_SERVER_REQUEST_SENTENCE_SPLITTER_H_
#define LITEFORMER_SERVER_REQUEST_SENTENCE_SPLITTER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace liteformer {

// Breaks after '.', '!' or '?' (and any closing quotes or brackets right
// after it) when whitespace follows; trims each sentence and drops empty
// ones. A text without such a break is one sentence.
std::vector<std::string> SplitSentences(absl::string_view text);

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_REQUEST_SENTENCE_SPLITTER_H_

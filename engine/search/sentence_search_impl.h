// Constructors of the SentenceSearch implementations (one .cc file each).
#ifndef LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_IMPL_H_
#define LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_IMPL_H_

#include "engine/search/sentence_search.h"

namespace liteformer {

std::unique_ptr<SentenceSearch> MakeBeamSearch(const DecodingOptions& options,
                                               std::vector<int> history, int max_len,
                                               SearchConstants constants);
std::unique_ptr<SentenceSearch> MakeGreedySearch(const DecodingOptions& options,
                                                 std::vector<int> history, int max_len,
                                                 SearchConstants constants);
std::unique_ptr<SentenceSearch> MakeSamplingSearch(const DecodingOptions& options,
                                                   std::vector<int> history, int max_len,
                                                   SearchConstants constants);

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_SEARCH_SENTENCE_SEARCH_IMPL_H_

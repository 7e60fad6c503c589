// Request bytes as the server parses them (its own copy of the API, where
// texts are bytes and UTF-8 is checked by hand), then the checks a request
// meets before any work: the model name, each text's UTF-8 and sentences,
// and the decoding options against a model's defaults and the server's
// limits. Every input must end in OK or a status with a message.
#include <cstdint>
#include <string>

#include "engine/models/model_config.h"
#include "engine/text/sentence_splitter.h"
#include "engine/text/utf8.h"
#include "fuzz/fuzz_input.h"
#include "liteformer/v1/liteformer.pb.h"
#include "server/request/decoding_request.h"
#include "server/request/model_name.h"

namespace liteformer {
namespace {

void CheckStatus(const absl::Status& status) {
  fuzz::Check(status.ok() || !status.message().empty());
}

void CheckTexts(const google::protobuf::RepeatedPtrField<std::string>& texts) {
  for (const std::string& text : texts) {
    if (FindInvalidUtf8(text).has_value()) continue;  // Refused before splitting.
    (void)SplitSentences(text, Language::kEnglish);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A translation model's defaults and positions: the fixture model's.
  static const absl::StatusOr<ModelConfig> config =
      ModelConfig::FromFile(LITEFORMER_FUZZ_MODEL_CONFIG);
  if (!config.ok()) std::abort();
  if (size == 0) return 0;
  const std::uint8_t which = data[0] % 3;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const RequestLimits limits;
  if (which == 0) {
    v1::TranslateRequest request;
    if (!request.ParseFromString(bytes)) return 0;  // gRPC refuses it before us.
    CheckStatus(CheckModelName(request.model()));
    CheckTexts(request.texts());
    CheckStatus(ToEngineOptions(request.options(), 0, *config, limits).status());
  } else if (which == 1) {
    v1::GenerateRequest request;
    if (!request.ParseFromString(bytes)) return 0;
    CheckStatus(CheckModelName(request.model()));
    CheckStatus(ToEngineOptions(request.options(), request.max_tokens(), *config, limits).status());
  } else {
    v1::ScoreRequest request;
    if (!request.ParseFromString(bytes)) return 0;
    CheckStatus(CheckModelName(request.model()));
    CheckTexts(request.texts());
  }
  return 0;
}

}  // namespace liteformer

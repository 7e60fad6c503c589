#include "server/request/model_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace liteformer {

absl::Status CheckModelName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("model name is empty");
  if (name.size() > kMaxModelNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("model name of ", name.size(), " bytes exceeds ", kMaxModelNameBytes));
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrFormat(
        "model name has byte 0x%02x at offset %d; names use ASCII letters, digits, '.', '_' "
        "and '-'",
        static_cast<unsigned char>(c), i));
  }
  return absl::OkStatus();
}

}  // namespace liteformer

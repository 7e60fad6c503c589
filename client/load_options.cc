#include "client/load_options.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace liteformer::client {

absl::StatusOr<Method> ParseMethod(absl::string_view name) {
  for (Method method :
       {Method::kTranslate, Method::kSummarize, Method::kGenerate, Method::kScore}) {
    if (name == MethodName(method)) return method;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--method must be translate, summarize, generate or score, not '", name, "'"));
}

const char* MethodName(Method method) {
  switch (method) {
    case Method::kTranslate:
      return "translate";
    case Method::kSummarize:
      return "summarize";
    case Method::kGenerate:
      return "generate";
    case Method::kScore:
      return "score";
  }
  return "?";
}

}  // namespace liteformer::client

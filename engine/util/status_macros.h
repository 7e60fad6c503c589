// The one pair of error-propagation macros used across liteformer.
#ifndef LITEFORMER_ENGINE_UTIL_STATUS_MACROS_H_
#define LITEFORMER_ENGINE_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define LF_STATUS_CONCAT_INNER_(a, b) a##b
#define LF_STATUS_CONCAT_(a, b) LF_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    if (::absl::Status lf_status_ = (expr); !lf_status_.ok()) { \
      return lf_status_;                                        \
    }                                                           \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, MakeX());` binds the value of an absl::StatusOr
// or returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  LF_ASSIGN_OR_RETURN_IMPL_(LF_STATUS_CONCAT_(lf_statusor_, __LINE__), lhs, expr)

#define LF_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) {                                \
    return std::move(statusor).status();               \
  }                                                    \
  lhs = std::move(statusor).value()

#endif  // LITEFORMER_ENGINE_UTIL_STATUS_MACROS_H_

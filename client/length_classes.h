// Splits texts into "short" and "long" at the median length, so a load run
// can show whether long sentences make short ones wait (request-level
// batching) or not (step-level batching).
#ifndef LITEFORMER_CLIENT_LENGTH_CLASSES_H_
#define LITEFORMER_CLIENT_LENGTH_CLASSES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace liteformer::client {

class LengthClasses {
 public:
  explicit LengthClasses(const std::vector<std::string>& texts);

  // Median length in characters (the upper one for an even count). Texts
  // strictly shorter are "short", the others "long".
  size_t median() const { return median_; }
  bool IsShort(double length) const { return length < median_; }

 private:
  size_t median_ = 0;
};

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_LENGTH_CLASSES_H_

// A parity fixture of tests/data/<variant>/ (written by tools/make_fixtures.py):
// the model, its cases.json and the expected tensors.
#ifndef LITEFORMER_TESTS_ENGINE_FIXTURE_H_
#define LITEFORMER_TESTS_ENGINE_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "engine/models/model.h"
#include "engine/tensor/safetensors_file.h"
#include "nlohmann/json.hpp"

namespace liteformer::testing {

inline const std::vector<std::string>& FixtureVariants() {
  static const std::vector<std::string> variants = {
      "lsra_dynamic_shared", "lsra_lightweight_separate", "transformer", "lm_adaptive", "lm_tied"};
  return variants;
}

struct Fixture {
  std::string directory;
  std::shared_ptr<const Model> model;
  nlohmann::json cases;
  std::unique_ptr<SafetensorsFile> expected;

  // Loads the fixture or fails the current test (returns nullptr).
  static std::unique_ptr<Fixture> Load(const std::string& variant,
                                       const ModelOptions& options = {});
  // An expected tensor as fp32 values; `shape` receives its dims.
  std::vector<float> Tensor(const std::string& name,
                            std::vector<std::int64_t>* shape = nullptr) const;
};

}  // namespace liteformer::testing

#endif  // LITEFORMER_TESTS_ENGINE_FIXTURE_H_

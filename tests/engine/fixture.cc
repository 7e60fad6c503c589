#include "tests/engine/fixture.h"

#include <fstream>

#include "gtest/gtest.h"

namespace liteformer::testing {

std::unique_ptr<Fixture> Fixture::Load(const std::string& variant, const ModelOptions& options) {
  auto fixture = std::make_unique<Fixture>();
  fixture->directory = std::string(LITEFORMER_TEST_DATA_DIR) + "/" + variant;
  auto model = Model::Load(fixture->directory, options);
  if (!model.ok()) {
    ADD_FAILURE() << model.status();
    return nullptr;
  }
  fixture->model = *model;
  std::ifstream cases(fixture->directory + "/cases.json");
  fixture->cases = nlohmann::json::parse(cases, nullptr, false);
  if (fixture->cases.is_discarded()) {
    ADD_FAILURE() << "cannot parse " << fixture->directory << "/cases.json";
    return nullptr;
  }
  auto expected = SafetensorsFile::Open(fixture->directory + "/expected.safetensors");
  if (!expected.ok()) {
    ADD_FAILURE() << expected.status();
    return nullptr;
  }
  fixture->expected = std::make_unique<SafetensorsFile>(std::move(*expected));
  return fixture;
}

std::vector<float> Fixture::Tensor(const std::string& name,
                                   std::vector<std::int64_t>* shape) const {
  const StoredTensor* tensor = expected->Find(name);
  if (tensor == nullptr) {
    ADD_FAILURE() << "no expected tensor " << name;
    return {};
  }
  std::vector<float> values(tensor->num_elements());
  EXPECT_TRUE(expected->ReadAsFloat32(*tensor, values).ok());
  if (shape != nullptr) *shape = tensor->shape;
  return values;
}

}  // namespace liteformer::testing

// ModelRegistry's versions and ModelControl's reloads on fixture models:
// a replaced version lives while a request holds it, defaults follow the
// models served, a changed directory loads again and a corrupt one leaves
// the version before serving.
#include "server/control/model_control.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/control/model_files.h"
#include "server/model_registry.h"

namespace liteformer {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kData = LITEFORMER_TEST_DATA_DIR;

ServedModelConfig Config(const std::string& name, const std::string& dir) {
  ServedModelConfig config;
  config.name = name;
  config.path = dir;
  config.scheduler.threads_per_worker = 1;
  return config;
}

std::shared_ptr<ServedModel> Load(const std::string& name, const std::string& dir) {
  absl::StatusOr<std::unique_ptr<ServedModel>> model = ServedModel::Load(Config(name, dir), {});
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

TEST(ModelRegistryTest, AReplacedVersionLivesWhileARequestHoldsIt) {
  ModelRegistry registry;
  registry.Serve(Load("mt", kData + "/lsra_dynamic_shared"), false);
  absl::StatusOr<std::shared_ptr<ServedModel>> held = registry.Find("mt", Task::kTranslation);
  ASSERT_TRUE(held.ok());
  std::weak_ptr<ServedModel> old = *held;
  registry.Serve(Load("mt", kData + "/lsra_dynamic_shared"), false);
  EXPECT_NE(registry.Find("mt", Task::kTranslation)->get(), held->get());
  registry.Reap();
  EXPECT_EQ(registry.retired(), 1) << "a request still holds the old version";
  EXPECT_TRUE((*held)->Warm().ok()) << "the old version still decodes";
  held->reset();
  registry.Reap();
  EXPECT_EQ(registry.retired(), 0);
  EXPECT_TRUE(old.expired());
}

TEST(ModelRegistryTest, DefaultsFollowTheModelsServed) {
  ModelRegistry registry;
  registry.Serve(Load("a", kData + "/lsra_dynamic_shared"), false);
  registry.Serve(Load("b", kData + "/lsra_lightweight_separate"), false);
  EXPECT_EQ((*registry.Find("", Task::kTranslation))->name(), "a");  // The first listed.
  registry.Serve(Load("b", kData + "/lsra_lightweight_separate"), true);
  EXPECT_EQ((*registry.Find("", Task::kTranslation))->name(), "b");
  ASSERT_TRUE(registry.Remove("b").ok());
  EXPECT_EQ((*registry.Find("", Task::kTranslation))->name(), "a");
  absl::Status missing = registry.Remove("b");
  EXPECT_TRUE(absl::IsNotFound(missing));
  EXPECT_THAT(std::string(missing.message()), HasSubstr("served models: a (translation)"));
  EXPECT_TRUE(absl::IsNotFound(registry.Find("b", Task::kTranslation).status()));
}

TEST(ModelRegistryTest, FailuresShowBesideTheVersionServingOrAlone) {
  ModelRegistry registry;
  registry.Serve(Load("a", kData + "/lsra_dynamic_shared"), false);
  registry.RecordFailure("a", "/x/a", "model 'a': broken");
  registry.RecordFailure("c", "/x/c", "model 'c': broken too");
  std::vector<v1::ModelInfo> list = registry.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].state(), v1::MODEL_SERVING);
  EXPECT_EQ(list[0].error(), "model 'a': broken");
  EXPECT_TRUE(list[0].is_default());
  EXPECT_EQ(list[1].state(), v1::MODEL_FAILED);
  EXPECT_EQ(list[1].path(), "/x/c");
  EXPECT_TRUE(absl::IsNotFound(registry.Find("c", Task::kTranslation).status()));
  registry.Serve(Load("a", kData + "/lsra_dynamic_shared"), false);
  EXPECT_EQ(registry.List()[0].error(), "");
}

class ModelControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy(kData + "/lsra_dynamic_shared", dir_ / "mt", fs::copy_options::recursive);
    config_.models.push_back(Config("mt", (dir_ / "mt").string()));
    config_.default_scheduler = config_.models[0].scheduler;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes a file of the model directory with a new modification time.
  void Write(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / "mt" / file, std::ios::binary | std::ios::trunc) << text;
  }
  std::string Version() { return registry_.Serving("mt")->info().version(); }

  fs::path dir_;
  ResolvedServerConfig config_;
  ServerMetrics metrics_;  // Outlives the registry: its schedulers write to it.
  ModelRegistry registry_;
  int missing_reads_ = 0;  // The next reads of the config list no model.
  ModelControl control_{registry_, metrics_, ModelControlMode::kExplicit, absl::Seconds(1),
                        [this]() -> absl::StatusOr<ResolvedServerConfig> {
                          if (missing_reads_ == 0) return config_;
                          --missing_reads_;
                          ResolvedServerConfig empty = config_;
                          empty.models.clear();
                          return empty;
                        }};
};

TEST_F(ModelControlTest, AChangedDirectoryReloadsAndACorruptOneLeavesTheVersionBefore) {
  ASSERT_TRUE(control_.LoadAll(config_).ok());
  const std::shared_ptr<ServedModel> first = registry_.Serving("mt");
  control_.Reload("test");
  EXPECT_EQ(registry_.Serving("mt"), first) << "unchanged files load nothing";

  std::ifstream in(dir_ / "mt" / "config.json");
  std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string v2 =
      std::string(json).replace(json.find("\"version\": \"1\""), 14, "\"version\": \"2\"");
  Write("config.json", v2);
  control_.Reload("test");
  EXPECT_EQ(Version(), "2");

  Write("model.safetensors", "not a safetensors file");
  control_.Reload("test");
  EXPECT_EQ(Version(), "2");
  EXPECT_THAT(registry_.List()[0].error(), HasSubstr("model.safetensors"));

  // A load by RPC of the same refused files tries again and fails again.
  absl::StatusOr<ModelControl::Loaded> again = control_.Load("mt", "");
  EXPECT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.status().message()), HasSubstr("model 'mt'"));

  // The config no longer lists the model: it goes.
  config_.models.clear();
  control_.Reload("test");
  EXPECT_EQ(registry_.Serving("mt"), nullptr);
  EXPECT_TRUE(registry_.List().empty());
}

// A models_dir scan during a deployment's rename misses the directory for a
// moment; the model is unloaded only when it is still missing a second later.
TEST_F(ModelControlTest, AModelMissingForAMomentStaysServing) {
  ASSERT_TRUE(control_.LoadAll(config_).ok());
  missing_reads_ = 1;
  control_.Reload("test");
  EXPECT_NE(registry_.Serving("mt"), nullptr);
  missing_reads_ = 2;
  control_.Reload("test");
  EXPECT_EQ(registry_.Serving("mt"), nullptr);
}

TEST(ModelFilesTest, TheChecksumFollowsTheContents) {
  const fs::path dir = fs::path(::testing::TempDir()) / "model_files";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "a") << "one";
  absl::StatusOr<std::string> first = ModelFilesChecksum(dir.string());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 64u);
  std::ofstream(dir / "a") << "two";
  EXPECT_NE(*ModelFilesChecksum(dir.string()), *first);
  EXPECT_TRUE(ModelFilesListing(dir.string())
                  ->find("a\x1f"
                         "3\x1f") != std::string::npos);
  EXPECT_TRUE(absl::IsNotFound(ModelFilesListing((dir / "nowhere").string()).status()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace liteformer

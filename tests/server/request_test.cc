// The server's request helpers: sentence splitting, request options within
// the limits, and the config file's defaults and refusals.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/server_config.h"
#include "server/request/decoding_request.h"

namespace liteformer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DecodingRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const Model>> model =
        Model::Load(std::string(LITEFORMER_TEST_DATA_DIR) + "/lsra_dynamic_shared");
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *model;
  }
  std::shared_ptr<const Model> model_;
  RequestLimits limits_;
};

TEST_F(DecodingRequestTest, ZeroMeansTheModelsDefault) {
  absl::StatusOr<DecodingOptions> options = ToEngineOptions({}, 0, *model_, limits_);
  ASSERT_TRUE(options.ok()) << options.status();
  const DecodingOptions defaults = DecodingOptions::FromDefaults(model_->config().decoding);
  EXPECT_EQ(options->beam_size, defaults.beam_size);
  EXPECT_EQ(options->length_penalty, defaults.length_penalty);
  EXPECT_EQ(options->max_len_b, defaults.max_len_b);
  EXPECT_FALSE(options->sampling);
}

TEST_F(DecodingRequestTest, SetFieldsOverrideAndSamplingTurnsOn) {
  v1::DecodingOptions request;
  request.set_beam_size(2);
  request.set_max_length(7);
  request.set_num_hypotheses(2);
  absl::StatusOr<DecodingOptions> options = ToEngineOptions(request, 0, *model_, limits_);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->beam_size, 2);
  EXPECT_EQ(options->max_len_a, 0.0f);
  EXPECT_EQ(options->max_len_b, 7);
  EXPECT_EQ(options->nbest, 2);
  v1::DecodingOptions sampling;
  sampling.set_top_k(5);
  sampling.set_beam_size(1);
  options = ToEngineOptions(sampling, 0, *model_, limits_);
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->sampling);
  EXPECT_EQ(options->top_k, 5);
}

// A model whose default is sampling (like models/lm-en): a beam asks for a
// search, SAMPLING_OFF asks for greedy, SAMPLING_ON with a beam is refused.
TEST_F(DecodingRequestTest, SamplingFollowsWhatTheRequestAsksFor) {
  // lm_tied with sampling as its default.
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "lm_sampling";
  std::filesystem::remove_all(dir);
  std::filesystem::copy(std::string(LITEFORMER_TEST_DATA_DIR) + "/lm_tied", dir);
  std::stringstream config;
  config << std::ifstream(dir / "config.json").rdbuf();
  std::string text = config.str();
  const std::size_t at = text.find("\"sampling\": false");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"sampling\": false").size(), "\"sampling\": true");
  std::ofstream(dir / "config.json") << text;
  absl::StatusOr<std::shared_ptr<const Model>> lm = Model::Load(dir.string());
  ASSERT_TRUE(lm.ok()) << lm.status();
  ASSERT_TRUE(ToEngineOptions({}, 0, **lm, limits_)->sampling);
  model_ = *lm;

  v1::DecodingOptions beam;
  beam.set_beam_size(4);
  beam.set_num_hypotheses(4);
  absl::StatusOr<DecodingOptions> options = ToEngineOptions(beam, 0, *model_, limits_);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->sampling);
  EXPECT_EQ(options->rows(), 4);

  v1::DecodingOptions on = beam;
  on.set_sampling(v1::DecodingOptions::SAMPLING_ON);
  absl::Status status = ToEngineOptions(on, 0, *model_, limits_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("beam_size = 4 with sampling"));
  on.set_beam_size(1);
  on.set_num_hypotheses(1);
  options = ToEngineOptions(on, 0, *model_, limits_);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->sampling);

  v1::DecodingOptions off;
  off.set_sampling(v1::DecodingOptions::SAMPLING_OFF);
  off.set_temperature(0.5f);  // Ignored: sampling is off.
  options = ToEngineOptions(off, 0, *model_, limits_);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_FALSE(options->sampling);
}

TEST_F(DecodingRequestTest, UnseededSamplingDrawsAFreshSeed) {
  v1::DecodingOptions request;
  request.set_top_k(5);
  absl::StatusOr<DecodingOptions> first = ToEngineOptions(request, 0, *model_, limits_);
  absl::StatusOr<DecodingOptions> second = ToEngineOptions(request, 0, *model_, limits_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->seed, second->seed);
  request.set_seed(42);
  EXPECT_EQ(ToEngineOptions(request, 0, *model_, limits_)->seed, 42u);
  // Nothing is drawn for a search: the model's default stays.
  EXPECT_EQ(ToEngineOptions({}, 0, *model_, limits_)->seed,
            DecodingOptions::FromDefaults(model_->config().decoding).seed);
}

TEST_F(DecodingRequestTest, LimitsAreNamedWithTheirValues) {
  v1::DecodingOptions request;
  request.set_beam_size(17);
  absl::Status status = ToEngineOptions(request, 0, *model_, limits_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("beam_size = 17 exceeds max_beam_size = 16"));
  request.Clear();
  request.set_max_length(5000);
  status = ToEngineOptions(request, 0, *model_, limits_).status();
  EXPECT_THAT(status.message(), HasSubstr("max_length = 5000"));
  request.Clear();
  request.set_beam_size(2);
  request.set_num_hypotheses(3);
  status = ToEngineOptions(request, 0, *model_, limits_).status();
  EXPECT_THAT(status.message(), HasSubstr("num_hypotheses = 3"));
  request.Clear();
  request.set_top_p(1.5f);
  status = ToEngineOptions(request, 0, *model_, limits_).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("top_p"));
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfigTest, DefaultsAndOverrides) {
  const std::string path = WriteFile("ok.pbtxt", R"(
    listen: "127.0.0.1:1234"
    models { path: "/some/where/mt/" batching { mode: REQUEST_LEVEL workers: 2 join_delay_ms: 0 } }
    models { name: "lm" path: "/x/lm" default: true compute_type: INT8 }
    batching { max_batch_size: 8 threads_per_worker: 1 join_delay_ms: 25 max_queue_wait_ms: 200 }
  )");
  absl::StatusOr<v1::ServerConfig> config = ReadServerConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<ResolvedServerConfig> resolved = ResolveServerConfig(*config, path, 4);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->listen, "127.0.0.1:1234");
  EXPECT_EQ(resolved->metrics_listen, "0.0.0.0:9090");
  EXPECT_EQ(resolved->drain_grace, absl::Seconds(30));
  ASSERT_EQ(resolved->models.size(), 2u);
  EXPECT_EQ(resolved->models[0].name, "mt");
  EXPECT_FALSE(resolved->models[0].scheduler.step_level);
  EXPECT_EQ(resolved->models[0].scheduler.workers, 2);
  EXPECT_EQ(resolved->models[0].scheduler.max_batch_size, 8);
  EXPECT_EQ(resolved->models[0].scheduler.threads_per_worker, 1);
  // join_delay_ms: 0 is a value (join at the next step), not "unset".
  EXPECT_EQ(resolved->models[0].scheduler.join_delay, absl::ZeroDuration());
  EXPECT_EQ(resolved->models[1].scheduler.join_delay, absl::Milliseconds(25));
  EXPECT_EQ(resolved->models[1].scheduler.max_queue_wait, absl::Milliseconds(200));
  EXPECT_TRUE(resolved->models[1].scheduler.step_level);
  EXPECT_EQ(resolved->models[1].scheduler.workers, 4) << "one worker per core";
  EXPECT_TRUE(resolved->models[1].is_default);
  EXPECT_EQ(resolved->models[0].compute_type, ComputeType::kFloat32) << "unset: float32";
  EXPECT_EQ(resolved->models[1].compute_type, ComputeType::kInt8);
  EXPECT_EQ(resolved->limits.max_texts_per_request, 64);

  const std::string unset = WriteFile("unset.pbtxt", "models { path: \"/x/mt\" }\n");
  resolved = ResolveServerConfig(*ReadServerConfig(unset), unset, 2);
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->models[0].scheduler.join_delay, absl::Milliseconds(10));
  EXPECT_EQ(resolved->models[0].scheduler.max_queue_wait, absl::Milliseconds(500));
}

TEST(ServerConfigTest, RefusalsNameTheFileAndTheProblem) {
  const std::string unknown = WriteFile("unknown.pbtxt", "listen: \"x\"\nfoo: 3\n");
  absl::Status status = ReadServerConfig(unknown).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(unknown));
  EXPECT_THAT(status.message(), HasSubstr("line 2"));
  EXPECT_THAT(status.message(), HasSubstr("foo"));
  EXPECT_EQ(ReadServerConfig("/nonexistent/x.pbtxt").status().code(), absl::StatusCode::kNotFound);
  v1::ServerConfig twice;
  twice.add_models()->set_path("/a/m");
  twice.add_models()->set_path("/b/m");
  status = ResolveServerConfig(twice, "cfg", 2).status();
  EXPECT_THAT(status.message(), HasSubstr("two models are named 'm'"));
  v1::ServerConfig huge;
  huge.mutable_batching()->set_max_batch_size(4000000000u);
  status = ResolveServerConfig(huge, "cfg", 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("max_batch_size = 4000000000 is out of range"));
  v1::ServerConfig long_wait;  // The optional field is range-checked too.
  long_wait.add_models()->set_path("/a/m");
  long_wait.mutable_models(0)->mutable_batching()->set_join_delay_ms(4000000000u);
  status = ResolveServerConfig(long_wait, "cfg", 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("join_delay_ms = 4000000000 is out of range"));
  v1::ServerConfig huge_class;  // A priority class's settings, globally and per model.
  huge_class.mutable_batching()->mutable_bulk()->set_max_queue_size(4000000000u);
  status = ResolveServerConfig(huge_class, "cfg", 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("PriorityClassConfig.max_queue_size = 4000000000 is out of range"));
  v1::ServerConfig huge_model_class;
  huge_model_class.add_models()->set_path("/a/m");
  huge_model_class.mutable_models(0)->mutable_batching()->mutable_interactive()->set_max_batch_size(
      4000000000u);
  status = ResolveServerConfig(huge_model_class, "cfg", 2).status();
  EXPECT_THAT(status.message(),
              HasSubstr("PriorityClassConfig.max_batch_size = 4000000000 is out of range"));
  v1::ServerConfig bad_compute;  // A number the text format accepts for an enum.
  bad_compute.add_models()->set_path("/a/m");
  bad_compute.mutable_models(0)->set_compute_type(static_cast<v1::ComputeType>(7));
  status = ResolveServerConfig(bad_compute, "cfg", 2).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("model 'm': unknown compute_type 7"));
  v1::ServerConfig empty_dir;
  empty_dir.set_models_dir(::testing::TempDir() + "/no-such-dir");
  EXPECT_EQ(ResolveServerConfig(empty_dir, "cfg", 2).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace liteformer

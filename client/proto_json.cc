#include "client/proto_json.h"

#include <vector>

namespace liteformer::client {
namespace {

template <typename Repeated>
nlohmann::ordered_json Floats(const Repeated& values) {
  return nlohmann::ordered_json(std::vector<float>(values.begin(), values.end()));
}

}  // namespace

nlohmann::ordered_json ToJson(const liteformer::v1::Usage& usage) {
  return {{"model", usage.model()},
          {"model_version", usage.model_version()},
          {"input_tokens", usage.input_tokens()},
          {"output_tokens", usage.output_tokens()},
          {"macs", usage.macs()},
          {"queue_seconds", usage.queue_seconds()},
          {"compute_seconds", usage.compute_seconds()},
          {"seed", usage.seed()},
          {"dropped_prompt_tokens", usage.dropped_prompt_tokens()}};
}

nlohmann::ordered_json ToJson(const liteformer::v1::Result& result) {
  nlohmann::ordered_json hypotheses = nlohmann::ordered_json::array();
  for (const liteformer::v1::Hypothesis& hypothesis : result.hypotheses()) {
    nlohmann::ordered_json entry = {{"text", hypothesis.text()}, {"score", hypothesis.score()}};
    if (hypothesis.token_scores_size() > 0)
      entry["token_scores"] = Floats(hypothesis.token_scores());
    hypotheses.push_back(std::move(entry));
  }
  return {{"hypotheses", std::move(hypotheses)}};
}

nlohmann::ordered_json ToJson(const liteformer::v1::ScoreResult& result) {
  nlohmann::ordered_json json = {{"log_prob", result.log_prob()},
                                 {"num_tokens", result.num_tokens()},
                                 {"perplexity", result.perplexity()}};
  if (result.token_scores_size() > 0) json["token_scores"] = Floats(result.token_scores());
  return json;
}

nlohmann::ordered_json ToJson(const liteformer::v1::ModelInfo& model) {
  return {{"name", model.name()},
          {"task", model.task()},
          {"source_language", model.source_language()},
          {"target_language", model.target_language()},
          {"version", model.version()},
          {"architecture", model.architecture()},
          {"parameters", model.parameters()},
          {"macs_30_tokens", model.macs_30_tokens()},
          {"is_default", model.is_default()},
          {"batching", model.batching()},
          {"compute_type", model.compute_type()},
          {"state", ModelStateName(model.state())},
          {"error", model.error()},
          {"path", model.path()}};
}

std::string_view ModelStateName(liteformer::v1::ModelState state) {
  switch (state) {
    case liteformer::v1::MODEL_SERVING:
      return "serving";
    case liteformer::v1::MODEL_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

std::string JsonLine(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace liteformer::client

// API messages as the JSON objects liteformer-client prints. Field names are
// the proto's, so a line reads like the message it came from.
#ifndef LITEFORMER_CLIENT_PROTO_JSON_H_
#define LITEFORMER_CLIENT_PROTO_JSON_H_

#include <string>
#include <string_view>

#include "liteformer/v1/liteformer.pb.h"
#include "nlohmann/json.hpp"

namespace liteformer::client {

nlohmann::ordered_json ToJson(const liteformer::v1::Usage& usage);
// {"hypotheses": [{"text", "score", "token_scores"?}...]}
nlohmann::ordered_json ToJson(const liteformer::v1::Result& result);
nlohmann::ordered_json ToJson(const liteformer::v1::ScoreResult& result);
nlohmann::ordered_json ToJson(const liteformer::v1::ModelInfo& model);
// serving, failed (unknown for a value this client does not know).
std::string_view ModelStateName(liteformer::v1::ModelState state);

// One compact line; invalid UTF-8 is replaced rather than thrown on, since
// text comes from a server this client does not control.
std::string JsonLine(const nlohmann::ordered_json& json);

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_PROTO_JSON_H_

// list-models and health: questions about the server rather than texts.
#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/call_context.h"
#include "client/client_commands.h"
#include "client/proto_json.h"
#include "client/rpc_status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "liteformer/v1/liteformer.grpc.pb.h"

namespace liteformer::client {
namespace {

constexpr size_t kColumns = 11;
using Row = std::array<std::string, kColumns>;

// 12345678 -> "12.3M": the table is read by people; --json has exact numbers.
std::string Humanize(uint64_t value) {
  constexpr std::array<std::pair<double, const char*>, 3> kUnits = {
      {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
  for (const auto& [scale, suffix] : kUnits) {
    if (value >= scale) return absl::StrFormat("%.1f%s", value / scale, suffix);
  }
  return absl::StrCat(value);
}

Row ToRow(const liteformer::v1::ModelInfo& model) {
  std::string languages = model.source_language();
  if (!model.target_language().empty()) absl::StrAppend(&languages, "-", model.target_language());
  return {model.name(),
          model.task(),
          languages.empty() ? "-" : languages,
          model.version(),
          model.architecture(),
          Humanize(model.parameters()),
          Humanize(model.macs_30_tokens()),
          model.batching(),
          model.compute_type().empty() ? "float32" : model.compute_type(),
          model.is_default() ? "yes" : "",
          std::string(ModelStateName(model.state()))};
}

void PrintTable(const std::vector<Row>& rows, std::ostream& out) {
  std::array<size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (size_t c = 0; c < kColumns; ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const Row& row : rows) {
    std::string line;
    for (size_t c = 0; c < kColumns; ++c) {
      absl::StrAppend(&line, row[c], std::string(widths[c] - row[c].size() + 2, ' '));
    }
    out << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
  }
}

}  // namespace

absl::Status ListModels(const ChannelPtr& channel, const ClientOptions& options,
                        std::ostream& out) {
  std::unique_ptr<liteformer::v1::ModelService::Stub> stub =
      liteformer::v1::ModelService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context, options.deadline);
  liteformer::v1::ListModelsResponse response;
  if (grpc::Status status = stub->ListModels(&context, {}, &response); !status.ok()) {
    return ToAbslStatus(status);
  }
  if (options.json) {
    for (const liteformer::v1::ModelInfo& model : response.models()) {
      out << JsonLine(ToJson(model)) << "\n";
    }
    return absl::OkStatus();
  }
  std::vector<Row> rows = {{"NAME", "TASK", "LANGUAGES", "VERSION", "ARCHITECTURE", "PARAMETERS",
                            "MACS@30", "BATCHING", "COMPUTE", "DEFAULT", "STATE"}};
  for (const liteformer::v1::ModelInfo& model : response.models()) rows.push_back(ToRow(model));
  PrintTable(rows, out);
  // A failed load of a model, whether or not a version before still serves.
  for (const liteformer::v1::ModelInfo& model : response.models()) {
    if (!model.error().empty())
      out << model.name() << ": last load failed: " << model.error() << "\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckHealth(const ChannelPtr& channel, const ClientOptions& options,
                                        std::ostream& out) {
  std::unique_ptr<grpc::health::v1::Health::Stub> stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(context, options.deadline);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(options.health_service);
  grpc::health::v1::HealthCheckResponse response;
  if (grpc::Status status = stub->Check(&context, request, &response); !status.ok()) {
    return ToAbslStatus(status);
  }
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  if (options.json) {
    out << JsonLine({{"service", options.health_service}, {"status", name}}) << "\n";
  } else {
    out << name << "\n";
  }
  return name;
}

}  // namespace liteformer::client

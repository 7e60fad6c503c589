#include "server/service/model_service.h"

#include <string>

#include "server/control/model_control.h"
#include "server/service/call_auth.h"
#include "server/service/call_reactors.h"

namespace liteformer {
namespace {

// Model control is off, or the server is going away.
absl::Status ControlRefusal(const ServiceContext& context) {
  if (context.control == nullptr || context.control->mode() == ModelControlMode::kNone) {
    return absl::FailedPreconditionError(
        "model control is off: start the server with --model_control=explicit or poll");
  }
  if (context.draining.load()) return absl::UnavailableError("the server is shutting down");
  return absl::OkStatus();
}

}  // namespace

ModelService::~ModelService() {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::thread& load : loads_) load.join();
}

grpc::ServerUnaryReactor* ModelService::ListModels(grpc::CallbackServerContext* rpc,
                                                   const v1::ListModelsRequest*,
                                                   v1::ListModelsResponse* response) {
  auto* call = new UnaryCall(context_.metrics, context_.calls, "ListModels", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  for (v1::ModelInfo& info : context_.registry.List()) *response->add_models() = std::move(info);
  call->Complete(absl::OkStatus());
  return call;
}

grpc::ServerUnaryReactor* ModelService::LoadModel(grpc::CallbackServerContext* rpc,
                                                  const v1::LoadModelRequest* request,
                                                  v1::LoadModelResponse* response) {
  auto* call = new UnaryCall(context_.metrics, context_.calls, "LoadModel", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  if (absl::Status refused = ControlRefusal(context_); !refused.ok()) {
    call->Complete(refused);
    return call;
  }
  std::lock_guard<std::mutex> lock(mu_);
  loads_.emplace_back([this, call, name = request->name(), path = request->path(), response] {
    absl::StatusOr<ModelControl::Loaded> loaded = context_.control->Load(name, path);
    if (loaded.ok()) {
      *response->mutable_model() = std::move(loaded->info);
      response->set_changed(loaded->changed);
    }
    call->Complete(loaded.status());
  });
  return call;
}

grpc::ServerUnaryReactor* ModelService::UnloadModel(grpc::CallbackServerContext* rpc,
                                                    const v1::UnloadModelRequest* request,
                                                    v1::UnloadModelResponse*) {
  auto* call = new UnaryCall(context_.metrics, context_.calls, "UnloadModel", rpc);
  if (!Authenticated(context_, rpc, call)) return call;
  absl::Status status = ControlRefusal(context_);
  if (status.ok()) status = context_.control->Unload(request->name());
  call->Complete(status);
  return call;
}

}  // namespace liteformer

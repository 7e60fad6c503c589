// ModelService: what is served (ListModels).
#ifndef LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_
#define LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_

#include "liteformer/v1/liteformer.grpc.pb.h"
#include "server/service/call_auth.h"
#include "server/service/call_reactors.h"
#include "server/service/service_context.h"

namespace liteformer {

class ModelService final : public v1::ModelService::CallbackService {
 public:
  explicit ModelService(ServiceContext& context) : context_(context) {}

  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* rpc,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override {
    auto* call = new UnaryCall(context_.metrics, context_.calls, "ListModels", rpc);
    if (!Authenticated(context_, rpc, call)) return call;
    for (const auto& model : context_.registry.models()) *response->add_models() = model->info();
    call->Complete(absl::OkStatus());
    return call;
  }

 private:
  ServiceContext& context_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_

// ModelService: what is served (ListModels), and model control (LoadModel,
// UnloadModel) when the server runs with --model_control=explicit or poll.
#ifndef LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_
#define LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_

#include <mutex>
#include <thread>
#include <vector>

#include "liteformer/v1/liteformer.grpc.pb.h"
#include "server/service/service_context.h"

namespace liteformer {

class ModelService final : public v1::ModelService::CallbackService {
 public:
  explicit ModelService(ServiceContext& context) : context_(context) {}
  // Waits for the loads still running.
  ~ModelService() override;

  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* rpc,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;
  // A load takes seconds: it runs on a thread of its own, not gRPC's.
  grpc::ServerUnaryReactor* LoadModel(grpc::CallbackServerContext* rpc,
                                      const v1::LoadModelRequest* request,
                                      v1::LoadModelResponse* response) override;
  grpc::ServerUnaryReactor* UnloadModel(grpc::CallbackServerContext* rpc,
                                        const v1::UnloadModelRequest* request,
                                        v1::UnloadModelResponse* response) override;

 private:
  ServiceContext& context_;
  std::mutex mu_;
  std::vector<std::thread> loads_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_MODEL_SERVICE_H_

// LanguageModel: Generate (streamed continuation of a prompt) and Score.
#ifndef LITEFORMER_SERVER_SERVICE_LANGUAGE_MODEL_SERVICE_H_
#define LITEFORMER_SERVER_SERVICE_LANGUAGE_MODEL_SERVICE_H_

#include "liteformer/v1/liteformer.grpc.pb.h"
#include "server/service/service_context.h"

namespace liteformer {

class LanguageModelService final : public v1::LanguageModel::CallbackService {
 public:
  explicit LanguageModelService(ServiceContext& context) : context_(context) {}

  grpc::ServerWriteReactor<v1::GenerateResponse>* Generate(
      grpc::CallbackServerContext* rpc, const v1::GenerateRequest* request) override;
  grpc::ServerUnaryReactor* Score(grpc::CallbackServerContext* rpc, const v1::ScoreRequest* request,
                                  v1::ScoreResponse* response) override;

 private:
  ServiceContext& context_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_LANGUAGE_MODEL_SERVICE_H_

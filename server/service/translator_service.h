// Translator and Summarizer: sources in, decoded texts out (liteformer.proto).
#ifndef LITEFORMER_SERVER_SERVICE_TRANSLATOR_SERVICE_H_
#define LITEFORMER_SERVER_SERVICE_TRANSLATOR_SERVICE_H_

#include "liteformer/v1/liteformer.grpc.pb.h"
#include "server/service/service_context.h"

namespace liteformer {

class TranslatorService final : public v1::Translator::CallbackService {
 public:
  explicit TranslatorService(ServiceContext& context) : context_(context) {}

  grpc::ServerUnaryReactor* Translate(grpc::CallbackServerContext* rpc,
                                      const v1::TranslateRequest* request,
                                      v1::TranslateResponse* response) override;
  grpc::ServerWriteReactor<v1::TranslateStreamResponse>* TranslateStream(
      grpc::CallbackServerContext* rpc, const v1::TranslateRequest* request) override;

 private:
  ServiceContext& context_;
};

class SummarizerService final : public v1::Summarizer::CallbackService {
 public:
  explicit SummarizerService(ServiceContext& context) : context_(context) {}

  grpc::ServerUnaryReactor* Summarize(grpc::CallbackServerContext* rpc,
                                      const v1::SummarizeRequest* request,
                                      v1::SummarizeResponse* response) override;

 private:
  ServiceContext& context_;
};

}  // namespace liteformer

#endif  // LITEFORMER_SERVER_SERVICE_TRANSLATOR_SERVICE_H_

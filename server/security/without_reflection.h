// A ServerBuilder option that takes gRPC's server reflection out. Linking
// grpc++_reflection registers the plugin by a static initializer, so not
// calling InitProtoReflectionServerBuilderPlugin is not enough: with tokens
// on, reflection (which our token check cannot reach: gRPC 1.51 gives a
// server interceptor no way to refuse a call) must not be served.
#ifndef LITEFORMER_SERVER_SECURITY_WITHOUT_REFLECTION_H_
#define LITEFORMER_SERVER_SECURITY_WITHOUT_REFLECTION_H_

#include <algorithm>
#include <memory>
#include <vector>

#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/impl/server_builder_plugin.h"

namespace liteformer::security {

class WithoutReflection : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}

  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    std::erase_if(*plugins, [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
      return dynamic_cast<grpc::reflection::ProtoServerReflectionPlugin*>(plugin.get()) != nullptr;
    });
  }
};

}  // namespace liteformer::security

#endif  // LITEFORMER_SERVER_SECURITY_WITHOUT_REFLECTION_H_

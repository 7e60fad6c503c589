// A ClientContext carrying the --deadline of liteformer-client.
#ifndef LITEFORMER_CLIENT_CALL_CONTEXT_H_
#define LITEFORMER_CLIENT_CALL_CONTEXT_H_

#include <chrono>

#include "grpcpp/client_context.h"

namespace liteformer::client {

inline void SetDeadline(grpc::ClientContext& context, std::chrono::milliseconds deadline) {
  context.set_deadline(std::chrono::system_clock::now() + deadline);
}

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_CALL_CONTEXT_H_

// What liteformer-client's commands need from the command line.
#ifndef LITEFORMER_CLIENT_CLIENT_OPTIONS_H_
#define LITEFORMER_CLIENT_CLIENT_OPTIONS_H_

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "liteformer/v1/liteformer.pb.h"

namespace liteformer::client {

struct ClientOptions {
  std::string model;  // Empty: the task's default model.
  bool json = false;
  bool stream = false;
  std::chrono::milliseconds deadline{60000};  // Of each RPC.
  // Texts go to the server in requests of this many, so a long file is
  // printed as it is translated and no request exceeds the server's limits.
  size_t texts_per_request = 32;
  std::string health_service;
  liteformer::v1::DecodingOptions decoding;
  liteformer::v1::Priority priority = liteformer::v1::PRIORITY_UNSPECIFIED;
  uint32_t max_tokens = 0;
};

// The end of the request whose texts start at `begin` (of `total`).
inline size_t RequestEnd(const ClientOptions& options, size_t total, size_t begin) {
  if (options.texts_per_request == 0) return total;
  return std::min(total, begin + options.texts_per_request);
}

}  // namespace liteformer::client

#endif  // LITEFORMER_CLIENT_CLIENT_OPTIONS_H_

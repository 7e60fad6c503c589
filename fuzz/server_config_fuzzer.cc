// The server's text-format config (--config), read and resolved as at
// start-up: a bad file must be refused naming the file, never crash.
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "server/config/server_config.h"

namespace liteformer {

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::MemoryFile file(data, size);
  const std::string path = file.path();
  absl::StatusOr<v1::ServerConfig> config = ReadServerConfig(path);
  if (!config.ok()) {
    fuzz::Check(config.status().message().find(path) != std::string::npos);
    return 0;
  }
  // Resolving scans models_dir when the config names one: only an absent
  // directory is looked at here (the fuzzer's paths do not exist).
  (void)ResolveServerConfig(*config, path, 2);
  return 0;
}

}  // namespace liteformer

// A model directory's files as the loader reads them: the first byte picks
// config.json (ModelConfig::Parse) or model.safetensors (the header and
// every tensor's offsets, SafetensorsFile::Open, then reading each tensor
// the header admits). Bad files must be refused with a status, never crash.
#include <cstdint>
#include <string>
#include <vector>

#include "engine/models/model_config.h"
#include "engine/tensor/safetensors_file.h"
#include "fuzz/fuzz_input.h"

namespace liteformer {

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t which = data[0];
  ++data;
  --size;
  if (which % 2 == 0) {
    absl::StatusOr<ModelConfig> config = ModelConfig::Parse(
        absl::string_view(reinterpret_cast<const char*>(data), size), "config.json");
    fuzz::Check(config.ok() || !config.status().message().empty());
    return 0;
  }
  fuzz::MemoryFile file(data, size);
  absl::StatusOr<SafetensorsFile> weights = SafetensorsFile::Open(file.path());
  if (!weights.ok()) {
    fuzz::Check(!weights.status().message().empty());
    return 0;
  }
  for (const StoredTensor& tensor : weights->tensors()) {
    // A header may promise large tensors; reading a few is enough to touch
    // every offset check without the fuzzer spending its time in memcpy.
    if (tensor.num_elements() > (1 << 16)) continue;
    std::vector<float> values(static_cast<std::size_t>(tensor.num_elements()));
    (void)weights->ReadAsFloat32(tensor, values);
  }
  return 0;
}

}  // namespace liteformer

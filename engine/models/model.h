// Model: a loaded model directory (config.json, model.safetensors validated
// against it, dictionaries), immutable after loading and shared by all
// workers through std::shared_ptr<const Model>.
#ifndef LITEFORMER_ENGINE_MODELS_MODEL_H_
#define LITEFORMER_ENGINE_MODELS_MODEL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/models/decoder.h"
#include "engine/models/encoder.h"
#include "engine/models/model_config.h"
#include "engine/ops/compute_type.h"
#include "engine/text/vocabulary.h"

namespace liteformer {

// How to load a model, beyond what its directory says.
struct ModelOptions {
  ComputeType compute_type = ComputeType::kFloat32;
};

class Model {
 public:
  // Loads `directory`; every failure names the file (and the tensor or field).
  // A compute type this CPU cannot run is FailedPrecondition.
  static absl::StatusOr<std::shared_ptr<const Model>> Load(const std::string& directory,
                                                           const ModelOptions& options = {});

  const ModelConfig& config() const { return config_; }
  const std::string& directory() const { return directory_; }
  ComputeType compute_type() const { return compute_type_; }
  bool is_encoder_decoder() const { return encoder_ != nullptr; }
  const Encoder* encoder() const { return encoder_.get(); }
  const Decoder& decoder() const { return *decoder_; }
  // Null for a language model.
  const Vocabulary* source_vocabulary() const { return source_vocab_ ? &*source_vocab_ : nullptr; }
  const Vocabulary& target_vocabulary() const { return target_vocab_; }
  // Stored parameters (tied matrices once), as the model file holds them.
  long parameter_count() const { return parameter_count_; }

 private:
  Model() = default;

  std::string directory_;
  ComputeType compute_type_ = ComputeType::kFloat32;
  ModelConfig config_;
  std::unique_ptr<Encoder> encoder_;
  std::unique_ptr<Decoder> decoder_;
  std::optional<Vocabulary> source_vocab_;
  Vocabulary target_vocab_;
  long parameter_count_ = 0;
};

}  // namespace liteformer

#endif  // LITEFORMER_ENGINE_MODELS_MODEL_H_

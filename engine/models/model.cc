#include "engine/models/model.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "engine/models/tensor_layout.h"
#include "engine/util/status_macros.h"

namespace liteformer {
namespace {

absl::StatusOr<Vocabulary> LoadVocabulary(const std::filesystem::path& directory,
                                          const std::string& file, int expected_size) {
  const std::string path = (directory / file).string();
  ASSIGN_OR_RETURN(Vocabulary vocab, Vocabulary::FromFile(path));
  if (vocab.size() != expected_size) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": dictionary has ", vocab.size(),
                                                   " entries (with the 4 specials), config.json "
                                                   "says ",
                                                   expected_size));
  }
  return vocab;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Model>> Model::Load(const std::string& directory,
                                                         const ModelOptions& options) {
  if (absl::Status supported = CheckComputeTypeSupported(options.compute_type); !supported.ok()) {
    return absl::Status(supported.code(), absl::StrCat(directory, ": ", supported.message()));
  }
  const std::filesystem::path dir(directory);
  std::shared_ptr<Model> model(new Model());
  model->directory_ = directory;
  model->compute_type_ = options.compute_type;
  ASSIGN_OR_RETURN(model->config_, ModelConfig::FromFile((dir / "config.json").string()));
  const ModelConfig& config = model->config_;
  ASSIGN_OR_RETURN(WeightReader weights, WeightReader::Open((dir / "model.safetensors").string(),
                                                            ExpectedTensorShapes(config)));
  weights.set_compute_type(options.compute_type);
  for (const auto& [name, shape] : weights.shapes()) {
    long count = 1;
    for (auto extent : shape) count *= static_cast<long>(extent);
    model->parameter_count_ += count;
  }
  ASSIGN_OR_RETURN(model->target_vocab_,
                   LoadVocabulary(dir, config.vocab.target, config.vocab.target_size));
  if (config.encoder) {
    ASSIGN_OR_RETURN(model->source_vocab_,
                     LoadVocabulary(dir, config.vocab.source, config.vocab.source_size));
  }
  try {
    std::shared_ptr<const TokenEmbedding> decoder_embedding;
    const int target_size = config.vocab.target_size;
    const int decoder_dim = config.decoder.embed_dim;
    if (config.adaptive_input) {
      ASSIGN_OR_RETURN(
          decoder_embedding,
          TokenEmbedding::LoadAdaptive(weights, *config.adaptive_input, target_size, decoder_dim));
    } else if (config.share_all_embeddings) {
      // One matrix: encoder input, decoder input and output projection.
      ASSIGN_OR_RETURN(decoder_embedding,
                       TokenEmbedding::LoadTied(weights, "encoder.embed_tokens.weight", target_size,
                                                decoder_dim));
    } else if (config.share_decoder_input_output_embed) {
      ASSIGN_OR_RETURN(decoder_embedding,
                       TokenEmbedding::LoadTied(weights, "decoder.embed_tokens.weight", target_size,
                                                decoder_dim));
    } else {
      ASSIGN_OR_RETURN(decoder_embedding,
                       TokenEmbedding::LoadPlain(weights, "decoder.embed_tokens.weight",
                                                 target_size, decoder_dim));
    }
    if (config.encoder) {
      std::shared_ptr<const TokenEmbedding> encoder_embedding = decoder_embedding;
      if (!config.share_all_embeddings) {
        ASSIGN_OR_RETURN(
            encoder_embedding,
            TokenEmbedding::LoadPlain(weights, "encoder.embed_tokens.weight",
                                      config.vocab.source_size, config.encoder->embed_dim));
      }
      ASSIGN_OR_RETURN(model->encoder_, Encoder::Load(weights, config, encoder_embedding));
    }
    ASSIGN_OR_RETURN(model->decoder_, Decoder::Load(weights, config, decoder_embedding));
  } catch (const dnnl::error& e) {
    return absl::InternalError(
        absl::StrCat(directory, ": oneDNN failed while loading: ", e.what()));
  }
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace liteformer

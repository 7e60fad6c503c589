"""The benchmark's model directories, with random weights: the paper's WMT
En-De Lite Transformer at C = 496 (6+6 layers, dynamic conv + GLU, kernels
3/7/15/31/31/31, one shared 32k vocabulary: 527M MACs) and the vanilla
Transformer-base (6+6, 512, FFN 2048, 8 heads, the same vocabulary)."""
from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from liteformer_ref.config import ConvConfig, DecodingDefaults, ModelConfig, StackConfig, VocabConfig  # noqa: E402
from liteformer_ref.macs import count_macs  # noqa: E402
from liteformer_ref.model import build_model  # noqa: E402
from liteformer_ref.model_dir import ModelDictionaries, save_model  # noqa: E402
from liteformer_ref.random_model import randomize_, synthetic_dictionary  # noqa: E402

VOCAB = 32768
CACHE = ROOT / "bench" / ".cache"


def wmt496() -> ModelConfig:
    def stack(cross: int) -> StackConfig:
        return StackConfig(embed_dim=496, ffn_dim=496, layers=6, self_attention="lsra", attention_heads=4,
                           conv=ConvConfig(type="dynamic", heads=4, kernel_sizes=[3, 7, 15, 31, 31, 31], glu=True),
                           cross_attention_heads=cross)
    return ModelConfig(task="translation", arch="lite_transformer", name="wmt-en-de-496", source_lang="en",
                       target_lang="de", encoder=stack(0), decoder=stack(8), share_all_embeddings=True,
                       share_decoder_input_output_embed=True,
                       vocab=VocabConfig(source="dict.en.txt", target="dict.de.txt", source_size=VOCAB, target_size=VOCAB),
                       decoding=DecodingDefaults(beam_size=4, length_penalty=0.6))


def transformer_base() -> ModelConfig:
    def stack(cross: int) -> StackConfig:
        return StackConfig(embed_dim=512, ffn_dim=2048, layers=6, self_attention="multihead", attention_heads=8,
                           cross_attention_heads=cross)
    return ModelConfig(task="translation", arch="transformer", name="transformer-base", source_lang="en",
                       target_lang="de", encoder=stack(0), decoder=stack(8), share_all_embeddings=True,
                       share_decoder_input_output_embed=True,
                       vocab=VocabConfig(source="dict.en.txt", target="dict.de.txt", source_size=VOCAB, target_size=VOCAB),
                       decoding=DecodingDefaults(beam_size=4, length_penalty=0.6))


MODELS = {"wmt496": wmt496, "transformer_base": transformer_base}


def model_dir(name: str) -> pathlib.Path:
    """The model's directory, written on first use (random weights, seed 0)."""
    directory = CACHE / name
    if (directory / "model.safetensors").exists():
        return directory
    config = MODELS[name]()
    model = build_model(config)
    randomize_(model, seed=0)
    model.eval()
    dictionary = synthetic_dictionary(VOCAB, "w")
    save_model(directory, model, config, ModelDictionaries(target=dictionary, source=dictionary))
    return directory


def paper_macs(name: str, with_output_projection: bool) -> int:
    count = count_macs(MODELS[name](), 30, 30)
    return count.total_with_output_projection if with_output_projection else count.total

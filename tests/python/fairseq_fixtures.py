"""Builds fairseq-layout checkpoints from the reference's random models, for converter tests.

What a real checkpoint has and these reproduce: `args` as an argparse.Namespace
with fairseq's field names, tied tensors stored under each name, `*.version`
and `*._float_tensor` entries, GPU-trained (H, K) lightweight kernels, and
`extra_state` / `args` holding objects of fairseq classes. Those classes are
pickled under `fairseq.*` module names that exist only while torch.save runs,
so the loading side really lacks them.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
import types
from typing import Any, Dict, Iterator, Optional

import torch

from liteformer_ref.random_model import RandomModel, random_model


class AverageMeter:
    """Stands for fairseq.meters.AverageMeter (plain __dict__ pickling)."""

    def __init__(self) -> None:
        self.val, self.avg, self.sum, self.count = 2.5, 2.4, 240.0, 100


class StopwatchMeter:
    """Stands for fairseq.meters.StopwatchMeter (custom __getstate__/__setstate__)."""

    def __init__(self) -> None:
        self.sum, self.n, self.start_time = 12.0, 3, None

    def __getstate__(self) -> Dict[str, Any]:
        return {"sum": self.sum, "n": self.n}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__dict__.update(state)


class MetersDict(dict):
    """A dict subclass (pickled with SETITEMS), like fairseq.logging.meters.MetersDict."""


def ratio_xavier_uniform_(tensor: torch.Tensor) -> torch.Tensor:
    """Stands for fairseq.models.transformer_multibranch_v2.ratio_xavier_uniform_ (args.ffn_init)."""
    return tensor


_FAKE_CLASSES = {
    "fairseq.meters": {"AverageMeter": AverageMeter, "StopwatchMeter": StopwatchMeter, "MetersDict": MetersDict},
    "fairseq.models.transformer_multibranch_v2": {"ratio_xavier_uniform_": ratio_xavier_uniform_},
}


@contextlib.contextmanager
def fake_fairseq() -> Iterator[None]:
    """Registers throw-away fairseq modules so pickle can name the classes above."""
    assert "fairseq" not in sys.modules and importlib.util.find_spec("fairseq") is None
    created = []
    for module_name, members in _FAKE_CLASSES.items():
        parts = module_name.split(".")
        for i in range(1, len(parts) + 1):
            name = ".".join(parts[:i])
            if name not in sys.modules:
                sys.modules[name] = types.ModuleType(name)
                created.append(name)
                if i > 1:
                    setattr(sys.modules[".".join(parts[:i - 1])], parts[i - 1], sys.modules[name])
        for attr, obj in members.items():
            obj.__module__ = module_name
            setattr(sys.modules[module_name], attr, obj)
    try:
        yield
    finally:
        for name in created:
            del sys.modules[name]
        for members in _FAKE_CLASSES.values():
            for obj in members.values():
                obj.__module__ = __name__


def _lsra_args(dim: int, ffn: int, layers: int, conv: str, kernels: list) -> Dict[str, Any]:
    half = dim // 2
    branches = [f"attn:1:{half}:4", f"{conv}:default:{half}:4"]
    return dict(encoder_embed_dim=dim, decoder_embed_dim=dim, encoder_ffn_embed_dim=ffn, decoder_ffn_embed_dim=ffn,
                encoder_layers=layers, decoder_layers=layers, encoder_branch_type=list(branches),
                decoder_branch_type=list(branches), encoder_kernel_size_list=list(kernels),
                decoder_kernel_size_list=list(kernels), conv_linear=True, weight_softmax=True,
                weight_dropout=0.1, encoder_learned_pos=False, decoder_learned_pos=False,
                encoder_normalize_before=False, decoder_normalize_before=False)


def variant_args(variant: str) -> argparse.Namespace:
    """Training args as fairseq would have stored them for each random-model variant."""
    common: Dict[str, Any] = dict(dropout=0.1, attention_dropout=0.1, activation_fn="relu", max_tokens=4096,
                                  optimizer="adam", lr=[0.0005], seed=1, fp16=False, no_progress_bar=True)
    if variant == "lsra_dynamic_shared":
        fields = dict(arch="transformer_multibranch_v2_wmt_en_de", task="translation", source_lang="xx",
                      target_lang="yy", share_all_embeddings=True, share_decoder_input_output_embed=True,
                      encoder_glu=1, decoder_glu=1, encoder_attention_heads=8, decoder_attention_heads=8,
                      max_source_positions=1024, max_target_positions=1024,
                      **_lsra_args(32, 48, 2, "dynamic", [3, 5, 15, 31, 31, 31, 31]))
    elif variant == "lsra_lightweight_separate":
        fields = dict(arch="transformer_multibranch_v2_iwslt_de_en", task="translation", source_lang="xx",
                      target_lang="yy", share_all_embeddings=False, share_decoder_input_output_embed=False,
                      encoder_glu=0, decoder_glu=0, encoder_attention_heads=4, decoder_attention_heads=4,
                      ffn_init=ratio_xavier_uniform_, **_lsra_args(32, 40, 2, "lightweight", [3, 7]))
    elif variant == "transformer":
        fields = dict(arch="transformer", task="translation", source_lang="xx", target_lang="yy",
                      encoder_embed_dim=32, decoder_embed_dim=32, encoder_ffn_embed_dim=64, decoder_ffn_embed_dim=64,
                      encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                      encoder_normalize_before=True, decoder_normalize_before=True,
                      share_all_embeddings=False, share_decoder_input_output_embed=True,
                      max_source_positions=1024, max_target_positions=1024)
    elif variant in ("lm_adaptive", "lm_tied"):
        adaptive = variant == "lm_adaptive"
        dim = 64 if adaptive else 32
        fields = dict(task="language_modeling", decoder_embed_dim=dim, decoder_input_dim=dim, decoder_output_dim=dim,
                      decoder_ffn_embed_dim=64 if adaptive else 48, decoder_layers=2, decoder_attention_heads=8,
                      decoder_branch_type=[f"attn:1:{dim // 2}:4", f"dynamic:default:{dim // 2}:4"],
                      decoder_kernel_size_list=[3, 7] if adaptive else [5, 3], decoder_glu=True, conv_linear=True,
                      weight_softmax=True, tokens_per_sample=1024, max_target_positions=1024,
                      sample_break_mode="none", decoder_learned_pos=False)
        if adaptive:
            fields.update(arch="transformer_lm_multibranch_v2_wiki103_small", adaptive_input=True,
                          adaptive_input_cutoff="20,40", adaptive_softmax_cutoff="20,40", adaptive_input_factor=4,
                          adaptive_softmax_factor=4, tie_adaptive_weights=True, tie_adaptive_proj=True,
                          no_decoder_final_norm=True, share_decoder_input_output_embed=False)
        else:
            fields.update(arch="transformer_lm_multibranch_v2", share_decoder_input_output_embed=True,
                          no_decoder_final_norm=False)
    else:
        raise ValueError(variant)
    return argparse.Namespace(**common, **fields)


def fairseq_state_dict(rm: RandomModel, gpu_lightweight: bool = True) -> Dict[str, torch.Tensor]:
    """The model's state dict as fairseq saves it (tied copies included, bookkeeping added)."""
    state = {k: v.clone() for k, v in rm.model.state_dict().items()}
    for key in list(state):
        # GPU-trained LightconvLayer keeps its kernel as (H, K).
        if gpu_lightweight and key.endswith("self_attn.branches.1.weight") and state[key].dim() == 3:
            state[key] = state[key].squeeze(1)
    sides = ["decoder"] if rm.config.encoder is None else ["encoder", "decoder"]
    for side in sides:
        state[f"{side}.version"] = torch.tensor([3.0])
        state[f"{side}.embed_positions._float_tensor"] = torch.empty(1)
    return state


def checkpoint_dict(args: argparse.Namespace, state: Dict[str, torch.Tensor]) -> Dict[str, Any]:
    meters = MetersDict()
    meters["train_loss"] = AverageMeter()
    meters["wall"] = StopwatchMeter()
    return {
        "args": args,
        "model": state,
        "optimizer_history": [{"criterion_name": "LabelSmoothedCrossEntropyCriterion",
                               "optimizer_name": "FairseqAdam", "lr_scheduler_state": {"best": 3.2},
                               "num_updates": 1000}],
        "extra_state": {"train_iterator": {"epoch": 3, "iterations_in_epoch": 0}, "val_loss": 3.3,
                        "best": 3.2, "meters": meters, "wall": StopwatchMeter()},
        "last_optimizer_state": {"state": {}, "param_groups": [{"lr": 0.0005, "betas": (0.9, 0.98)}]},
    }


def save_checkpoint(path: str, args: argparse.Namespace, state: Dict[str, torch.Tensor],
                    legacy_format: bool = False) -> None:
    """torch.save as fairseq does; legacy_format: the pre-1.6 (non-zip) torch format of older checkpoints."""
    with fake_fairseq():
        torch.save(checkpoint_dict(args, state), path, _use_new_zipfile_serialization=not legacy_format)
    assert "fairseq" not in sys.modules


def write_dicts(rm: RandomModel, directory: str, skip: Optional[str] = None) -> None:
    """dict.<src>.txt / dict.<tgt>.txt (or dict.txt) for the model's vocabularies."""
    os.makedirs(directory, exist_ok=True)
    files = {rm.config.vocab.target: rm.dicts.target}
    if rm.config.vocab.source is not None and rm.dicts.source is not None:
        files[rm.config.vocab.source] = rm.dicts.source
    for name, dictionary in files.items():
        if name != skip:
            dictionary.save(os.path.join(directory, name))


def make_checkpoint(tmp: str, variant: str, seed: int = 0) -> tuple:
    """(random model, checkpoint path, dicts dir) for a variant, written under tmp."""
    rm = random_model(variant, seed=seed)
    path = os.path.join(tmp, f"{variant}.pt")
    save_checkpoint(path, variant_args(variant), fairseq_state_dict(rm))
    dicts = os.path.join(tmp, f"{variant}-dicts")
    write_dicts(rm, dicts)
    return rm, path, dicts

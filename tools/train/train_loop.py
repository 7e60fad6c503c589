"""The training loop: Adam + inverse-sqrt warm-up, label smoothing, gradient
clipping, periodic validation and checkpoints, resumable mid-epoch."""
from __future__ import annotations

import argparse
import math
import pathlib
import sys
import time
from dataclasses import dataclass
from typing import Callable

import torch

from . import batching, checkpoint
from .loss import label_smoothed_nll
from .schedule import inverse_sqrt_lr

# One batch: (src_tokens or None, prev_output_tokens, targets).
Batch = tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]


@dataclass
class LoopOptions:
    out_dir: pathlib.Path
    lr: float = 1e-3
    warmup: int = 4000
    label_smoothing: float = 0.1
    clip_norm: float = 0.0
    max_hours: float = 1.0
    max_epochs: int = 100
    save_minutes: float = 20.0
    keep_last: int = 8
    log_every: int = 50
    seed: int = 1
    # bfloat16 autocast of the forward pass (weights, optimizer and the
    # log-softmax stay fp32): 1.7x faster steps on AVX512-BF16 CPUs.
    bf16: bool = False


def _log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def evaluate(model: torch.nn.Module, batches: list[Batch]) -> float:
    """Mean nll per target token (nats) over the validation batches."""
    model.eval()
    nll_sum, tokens = 0.0, 0
    with torch.no_grad():
        for src, prev, targets in batches:
            _, nll = label_smoothed_nll(model(src, prev), targets, 0.0)
            nll_sum += float(nll)
            tokens += int(targets.ne(batching.PAD).sum())
    model.train()
    return nll_sum / max(tokens, 1)


def run(model: torch.nn.Module, args: argparse.Namespace, train_batches: Callable[[int], list[Batch]],
        valid_batches: list[Batch], options: LoopOptions) -> None:
    options.out_dir.mkdir(parents=True, exist_ok=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=options.lr, betas=(0.9, 0.98), eps=1e-8)
    step, epoch, batch_in_epoch, best = 0, 1, 0, math.inf
    last_path = options.out_dir / "checkpoint_last.pt"
    if last_path.exists():
        state = checkpoint.load(last_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["last_optimizer_state"])
        extra = state["extra_state"]
        step, epoch, batch_in_epoch = extra["step"], extra["epoch"], extra["batch_in_epoch"]
        best = extra.get("best_valid_nll", math.inf)
        _log(f"resumed from {last_path}: epoch {epoch}, step {step}, batch {batch_in_epoch}")
    model.train()
    deadline = time.time() + options.max_hours * 3600
    next_save = time.time() + options.save_minutes * 60

    def save(final: bool) -> None:
        nonlocal best
        valid_nll = evaluate(model, valid_batches)
        best = min(best, valid_nll)
        extra = {"step": step, "epoch": epoch, "batch_in_epoch": batch_in_epoch, "valid_nll": valid_nll,
                 "best_valid_nll": best}
        checkpoint.save(last_path, args, model, optimizer, extra)
        numbered = options.out_dir / f"checkpoint_{step}.pt"
        checkpoint.save(numbered, args, model, optimizer, extra)
        kept = sorted(options.out_dir.glob("checkpoint_[0-9]*.pt"), key=lambda p: int(p.stem.split("_")[1]))
        for old in kept[:-options.keep_last]:
            old.unlink()
        _log(f"saved {numbered.name}: valid nll {valid_nll:.3f} ppl {math.exp(valid_nll):.2f} (best {math.exp(best):.2f})"
             + (" [final]" if final else ""))

    window_loss, window_tokens, window_start = 0.0, 0, time.time()
    while epoch <= options.max_epochs:
        batches = train_batches(epoch)
        while batch_in_epoch < len(batches):
            src, prev, targets = batches[batch_in_epoch]
            batch_in_epoch += 1
            step += 1
            for group in optimizer.param_groups:
                group["lr"] = inverse_sqrt_lr(step, options.lr, options.warmup)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=options.bf16):
                log_probs = model(src, prev)
            loss, nll = label_smoothed_nll(log_probs.float(), targets, options.label_smoothing)
            tokens = int(targets.ne(batching.PAD).sum())
            optimizer.zero_grad(set_to_none=True)
            (loss / tokens).backward()
            if options.clip_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip_norm)
            optimizer.step()
            window_loss += float(nll)
            window_tokens += tokens
            if step % options.log_every == 0:
                elapsed = time.time() - window_start
                _log(f"epoch {epoch} step {step} batch {batch_in_epoch}/{len(batches)} "
                     f"nll {window_loss / window_tokens:.3f} lr {optimizer.param_groups[0]['lr']:.2e} "
                     f"tokens/s {window_tokens / elapsed:.0f}")
                window_loss, window_tokens, window_start = 0.0, 0, time.time()
            if time.time() >= deadline:
                save(final=True)
                _log("time budget reached; run the same command again to continue")
                return
            if time.time() >= next_save:
                save(final=False)
                next_save = time.time() + options.save_minutes * 60
        epoch += 1
        batch_in_epoch = 0
        save(final=False)
    _log("max epochs reached")
    sys.stdout.flush()

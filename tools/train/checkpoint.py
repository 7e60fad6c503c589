"""fairseq-layout checkpoints: {"args", "model", "optimizer_history",
"extra_state", "last_optimizer_state"}, written atomically, and their average."""
from __future__ import annotations

import argparse
import os
import pathlib
from collections import OrderedDict
from typing import Any

import torch


def save(path: pathlib.Path, args: argparse.Namespace, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
         extra_state: dict[str, Any]) -> None:
    state = {
        "args": args,
        "model": model.state_dict(),
        "optimizer_history": [{"criterion_name": "LabelSmoothedCrossEntropyCriterion",
                               "optimizer_name": "Adam", "num_updates": extra_state["step"]}],
        "extra_state": extra_state,
        "last_optimizer_state": optimizer.state_dict(),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # A crash mid-write never leaves a half checkpoint behind.


def load(path: pathlib.Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu")


def average(paths: list[pathlib.Path]) -> dict[str, Any]:
    """The mean of the checkpoints' parameters (fairseq's average_checkpoints),
    keeping the newest one's args."""
    total: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    last: dict[str, Any] = {}
    for path in paths:
        last = load(path)
        for name, tensor in last["model"].items():
            value = tensor.double()
            total[name] = total[name] + value if name in total else value.clone()
    averaged = OrderedDict((name, (tensor / len(paths)).float()) for name, tensor in total.items())
    return {"args": last["args"], "model": averaged, "optimizer_history": last["optimizer_history"],
            "extra_state": {**last["extra_state"], "averaged_from": [p.name for p in paths]}}

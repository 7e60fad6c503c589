"""The trainer end to end on a toy copy task: it learns, saves fairseq-layout
checkpoints, resumes where it stopped, averages checkpoints, and its
checkpoints convert to model directories that compute what the trained model
computes."""
from __future__ import annotations

import pathlib
import random
import sys

import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from liteformer_ref.convert_fairseq import ConvertOptions, convert  # noqa: E402
from liteformer_ref.model import build_model  # noqa: E402
from train import cli as train_cli  # noqa: E402
from liteformer_ref.model_dir import load_model  # noqa: E402
from train import checkpoint  # noqa: E402
from train.batching import decoder_inputs, make_batches, pad_right  # noqa: E402
from train.loss import label_smoothed_nll  # noqa: E402
from train.schedule import inverse_sqrt_lr  # noqa: E402


def write_copy_task(directory: pathlib.Path, pairs: int = 200) -> dict[str, pathlib.Path]:
    rng = random.Random(0)
    words = [f"▁w{i}" for i in range(20)]
    files = {name: directory / name for name in ("train.src", "train.tgt", "valid.src", "valid.tgt", "dict.txt")}
    for split, count in (("train", pairs), ("valid", 20)):
        with open(files[f"{split}.src"], "w") as src, open(files[f"{split}.tgt"], "w") as tgt:
            for _ in range(count):
                sentence = " ".join(rng.choice(words) for _ in range(rng.randint(2, 6)))
                src.write(sentence + "\n")
                tgt.write(sentence + "\n")
    files["dict.txt"].write_text("".join(f"{w} 1\n" for w in words))
    return files


def run_trainer(files: dict[str, pathlib.Path], out: pathlib.Path, epochs: int, extra: tuple[str, ...] = ()) -> None:
    assert train_cli.main([
        "seq2seq", "--name", "toy", "--task", "translation", "--train", str(files["train.src"]),
        str(files["train.tgt"]), "--valid", str(files["valid.src"]), str(files["valid.tgt"]), "--dict",
        str(files["dict.txt"]), "--langs", "xx", "yy", "--out", str(out), "--width", "32", "--layers", "2",
        "--max-tokens", "160", "--warmup", "20", "--lr", "3e-3", "--max-epochs", str(epochs), "--threads", "1",
        "--dropout", "0.0", *extra]) == 0


def valid_nll(out: pathlib.Path) -> float:
    return checkpoint.load(out / "checkpoint_last.pt")["extra_state"]["valid_nll"]


def test_trains_resumes_averages_and_converts(tmp_path: pathlib.Path) -> None:
    files = write_copy_task(tmp_path)
    out = tmp_path / "ckpt"
    run_trainer(files, out, epochs=3)
    first = checkpoint.load(out / "checkpoint_last.pt")["extra_state"]
    assert first["epoch"] == 4 and first["step"] > 0  # finished epochs 1 to 3
    run_trainer(files, out, epochs=6)  # resumes from checkpoint_last.pt
    second = checkpoint.load(out / "checkpoint_last.pt")["extra_state"]
    assert second["step"] == 2 * first["step"]
    assert second["valid_nll"] < first["valid_nll"] < 3.0 and second["valid_nll"] < 2.8  # chance: log(24) ≈ 3.18
    numbered = sorted(out.glob("checkpoint_[0-9]*.pt"), key=lambda p: int(p.stem.split("_")[1]))
    averaged = checkpoint.average(numbered[-2:])
    torch.save(averaged, out / "averaged.pt")
    dicts = tmp_path / "dicts"
    dicts.mkdir()
    for lang in ("xx", "yy"):
        (dicts / f"dict.{lang}.txt").write_bytes(files["dict.txt"].read_bytes())
    model_dir = tmp_path / "model"
    convert(ConvertOptions(checkpoint=str(out / "averaged.pt"), dicts=str(dicts), out=str(model_dir)))
    loaded = load_model(model_dir)
    # The converted model computes what the averaged weights compute.
    reference = build_model(loaded.config)
    reference.load_state_dict(averaged["model"])
    reference.eval()
    src = torch.tensor([[5, 6, 7, 2]])
    prev = torch.tensor([[2, 5, 6, 7]])
    with torch.no_grad():
        assert torch.allclose(loaded.model(src, prev), reference(src, prev), atol=1e-6)


def test_fine_tunes_from_another_runs_weights_on_several_corpora(tmp_path: pathlib.Path) -> None:
    files = write_copy_task(tmp_path)
    base = tmp_path / "base"
    run_trainer(files, base, epochs=3)
    trained = checkpoint.load(base / "checkpoint_last.pt")
    tuned = tmp_path / "tuned"
    # A learning rate of ~0 keeps the weights: the fine-tune must start where the base ended.
    run_trainer(files, tuned, epochs=1, extra=("--init", str(base / "checkpoint_last.pt"), "--lr", "1e-12",
                                               "--train", str(files["train.src"]), str(files["train.tgt"])))
    state = checkpoint.load(tuned / "checkpoint_last.pt")
    assert state["extra_state"]["valid_nll"] == pytest.approx(trained["extra_state"]["valid_nll"], abs=1e-4)
    # The train corpus given twice makes an epoch of twice the batches; a new run restarts the schedule.
    assert state["extra_state"]["step"] == pytest.approx(2 * trained["extra_state"]["step"] / 3, rel=0.15)
    # Once OUT has its own checkpoint, --init is ignored and the run resumes.
    run_trainer(files, tuned, epochs=2, extra=("--init", str(tmp_path / "missing.pt")))
    assert checkpoint.load(tuned / "checkpoint_last.pt")["extra_state"]["epoch"] == 3


def test_batches_respect_the_token_budget_and_cover_every_example() -> None:
    lengths = [random.Random(i).randint(1, 30) for i in range(500)]
    batches = make_batches(lengths, max_tokens=256, seed=1, epoch=3)
    assert sorted(i for batch in batches for i in batch) == list(range(500))
    assert all(len(b) * max(lengths[i] for i in b) <= 256 for b in batches)
    assert batches == make_batches(lengths, max_tokens=256, seed=1, epoch=3)
    assert batches != make_batches(lengths, max_tokens=256, seed=1, epoch=4)


def test_teacher_forcing_inputs_and_padding() -> None:
    targets = [torch.tensor([7, 8, 2]), torch.tensor([9, 2])]
    assert decoder_inputs(targets).tolist() == [[2, 7, 8], [2, 9, 1]]
    assert pad_right(targets).tolist() == [[7, 8, 2], [9, 2, 1]]


def test_label_smoothed_loss_by_hand() -> None:
    log_probs = torch.log(torch.tensor([[[0.5, 0.25, 0.25]], [[0.2, 0.2, 0.6]]]))
    targets = torch.tensor([[0], [1]])  # the second target is pad (1): ignored
    loss, nll = label_smoothed_nll(log_probs, targets, epsilon=0.3)
    smooth = -(torch.log(torch.tensor([0.5, 0.25, 0.25]))).sum()
    assert nll.item() == pytest.approx(-torch.log(torch.tensor(0.5)).item())
    assert loss.item() == pytest.approx(0.7 * nll.item() + 0.1 * smooth.item(), rel=1e-6)


def test_inverse_sqrt_schedule() -> None:
    assert inverse_sqrt_lr(0, 1e-3, 100) == pytest.approx(1e-7)
    assert inverse_sqrt_lr(100, 1e-3, 100) == pytest.approx(1e-3)
    assert inverse_sqrt_lr(400, 1e-3, 100) == pytest.approx(5e-4)


def test_language_model_with_adaptive_softmax_trains_and_converts(tmp_path: pathlib.Path) -> None:
    files = write_copy_task(tmp_path, pairs=100)
    lines = files["train.src"].read_text().splitlines()
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "valid.txt").write_text("\n".join(lines[:20]) + "\n")
    out = tmp_path / "lm"
    assert train_cli.main([
        "lm", "--name", "toy-lm", "--train", str(tmp_path / "train.txt"), "--valid", str(tmp_path / "valid.txt"),
        "--dict", str(files["dict.txt"]), "--out", str(out), "--width", "32", "--layers", "2", "--context", "16",
        "--cutoffs", "8", "16", "--max-tokens", "64", "--warmup", "10", "--lr", "3e-3", "--max-epochs", "12",
        "--threads", "1", "--dropout", "0.0"]) == 0
    state = checkpoint.load(out / "checkpoint_last.pt")
    assert state["extra_state"]["valid_nll"] < 2.9  # chance: log(24) ≈ 3.18 over 24 ids
    dicts = tmp_path / "lm-dicts"
    dicts.mkdir()
    (dicts / "dict.txt").write_bytes(files["dict.txt"].read_bytes())
    model_dir = tmp_path / "lm-model"
    convert(ConvertOptions(checkpoint=str(out / "checkpoint_last.pt"), dicts=str(dicts), out=str(model_dir)))
    loaded = load_model(model_dir)
    assert loaded.config.adaptive_input is not None and loaded.config.adaptive_input.cutoffs == [8, 16]
    reference = build_model(loaded.config)
    reference.load_state_dict(state["model"])
    reference.eval()
    prev = torch.tensor([[2, 5, 6, 7]])
    with torch.no_grad():
        assert torch.allclose(loaded.model(None, prev), reference(None, prev), atol=1e-6)

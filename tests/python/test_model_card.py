"""tools/model_card.py on the tiny fixture model: sections, parameter and MAC counts, training time
from a synthetic log, scores from an eval dir written by evaluate.py itself (with a stand-in engine
that echoes its input, so the C++ binary is not needed), examples from --example-outputs."""
from __future__ import annotations

import json
import math
import pathlib
import re
import shutil
import stat
import struct

import evaluate
from liteformer_ref.macs import count_macs
from liteformer_ref.model_dir import load_config
from model_card import cli, train_log

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "lsra_dynamic_shared"
SECTIONS = ["Data", "Architecture", "Training", "Test scores", "Examples", "Limitations"]

# Three runs: 20 min, then (after a crash and 1 h 40 min away) 30 min, then 15 min across midnight.
TRAIN_LOG = """\
train 900 pairs (2 dropped), valid 50
model fixture: 0.03M parameters
10:00:00 saved checkpoint_1.pt: valid nll 5.000 ppl 148.41 (best 148.41)
10:10:00 epoch 1 step 50 batch 50/80 nll 4.100 lr 2.51e-05 tokens/s 900
10:20:00 epoch 2 step 100 batch 20/80 nll 3.900 lr 5.01e-05 tokens/s 910
train 900 pairs (2 dropped), valid 50
model fixture: 0.03M parameters
12:00:00 resumed from /ckpt/checkpoint_last.pt: epoch 1, step 1, batch 1
12:20:00 saved checkpoint_80.pt: valid nll 3.000 ppl 20.09 (best 20.09)
12:30:00 epoch 2 step 120 batch 40/80 nll 3.100 lr 6.00e-05 tokens/s 950
train 900 pairs (2 dropped), valid 50
model fixture: 0.03M parameters
23:50:00 resumed from /ckpt/checkpoint_last.pt: epoch 2, step 80, batch 0
23:59:00 saved checkpoint_100.pt: valid nll 3.200 ppl 24.53 (best 20.09)
00:05:00 saved checkpoint_130.pt: valid nll 2.900 ppl 18.17 (best 18.17) [final]
00:05:00 time budget reached; run the same command again to continue
"""
TRAIN_SECONDS = 20 * 60 + 30 * 60 + 15 * 60

FAKE_ENGINE = """#!/usr/bin/python3
import json, sys
status = 0
for line in sys.stdin:
    line = line.rstrip("\\n")
    if "zzz" in line:
        print(json.dumps({"error": "unknown token"})); status = 1
    else:
        print(json.dumps({"hypotheses": [{"text": line, "ids": [], "score": -1.0}], "macs": 0}))
sys.exit(status)
"""


def _write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(text, encoding="utf-8")
    return path


def _safetensors_parameters(path: pathlib.Path) -> int:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    return sum(math.prod(e["shape"]) for name, e in header.items() if name != "__metadata__")


def _eval_dir(tmp_path: pathlib.Path, model: pathlib.Path) -> pathlib.Path:
    """evaluate.py translate's --out-dir, written by evaluate.py with the echoing stand-in engine."""
    engine = _write(tmp_path / "fake-engine", FAKE_ENGINE)
    engine.chmod(engine.stat().st_mode | stat.S_IXUSR)
    src = _write(tmp_path / "test.src", "t4 t5 t6 t7\nt8 t9 t10 t11\nzzz t5\n")
    ref = _write(tmp_path / "test.ref", "t4 t5 t6 t7\nt8 t9 t10 t12\nt5\n")
    out = tmp_path / "eval"
    assert evaluate.run(["translate", "--model", str(model), "--src", str(src), "--ref", str(ref),
                         "--engine", str(engine), "--out-dir", str(out)]) == 0
    return out


def _data_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    data = tmp_path / "data" / "translation"
    (data / "spm").mkdir(parents=True)
    files = {"train.xx": {"lines": 902, "words": 4510, "bytes": 1, "sha256": "0"},
             "train.yy": {"lines": 902, "words": 4700, "bytes": 1, "sha256": "0"}}
    _write(data / "manifest.json", json.dumps({"corpus": "translation", "examples": {"train": 902}, "files": files}))
    pieces = {"train.xx": {"lines": 902, "words": 6123, "bytes": 1, "sha256": "0"}}
    _write(data / "spm" / "manifest.json", json.dumps({"corpus": "translation", "files": pieces, "vocab_size": 36}))
    return data


def _row(card: str, label: str) -> str:
    match = re.search(rf"^\| {re.escape(label)} \| (.*) \|$", card, re.MULTILINE)
    assert match, f"no '{label}' row"
    return match.group(1)


def test_training_time_leaves_out_the_gaps_between_runs() -> None:
    log = train_log.parse(TRAIN_LOG.splitlines())
    assert log.seconds == TRAIN_SECONDS and log.runs == 3
    assert (log.step, log.epoch, log.batch, log.batches_per_epoch) == (130, 2, 50, 80)
    assert log.best is not None and (log.best.step, log.best.valid_ppl) == (130, 18.17)
    assert [c.step for c in log.checkpoints] == [1, 80, 100, 130]
    assert log.data_line == "train 900 pairs (2 dropped), valid 50" and log.reported_parameters_m == 0.03


def test_card_for_fixture_model(tmp_path: pathlib.Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(FIXTURE, model)
    eval_dir = _eval_dir(tmp_path, model)
    examples = _write(tmp_path / "examples.txt", "t4 t5\nt6 | t7\nzzz\n")
    records = [{"hypotheses": [{"text": "t12 t10", "ids": [16, 14]}]}, {"text": "a|b <unk>"},
               {"error": "unknown token"}]
    outputs = _write(tmp_path / "outputs.jsonl", "".join(json.dumps(r) + "\n" for r in records))
    refs = _write(tmp_path / "refs.txt", "t12 t10\nt12\nt4\n")
    train_command = "nice /usr/bin/python3 tools/train.py seq2seq --name fixture --task translation " \
                    "--train a.xx a.yy --valid b.xx b.yy --dict dict.txt --langs xx yy --out ckpt --width 32"
    eval_command = f"nice /usr/bin/python3 tools/evaluate.py translate --model {model} --out-dir {eval_dir}"
    rc = cli.main(["--model", str(model), "--data-description", "Synthetic xx→yy pairs.",
                   "--data-command", "make-data --fixture", "--data-dir", str(_data_dir(tmp_path)),
                   "--train-command", train_command, "--train-log", str(_write(tmp_path / "train.log", TRAIN_LOG)),
                   "--checkpoint", "average of checkpoint_80.pt..checkpoint_130.pt",
                   "--eval-dir", str(eval_dir), "--eval-command", eval_command,
                   "--examples", str(examples), "--example-outputs", str(outputs), "--example-refs", str(refs),
                   "--notes", "Tiny random fixture: outputs are meaningless."])
    assert rc == 0
    card = (model / "MODEL_CARD.md").read_text(encoding="utf-8")

    assert re.findall(r"^## (.+)$", card, re.MULTILINE) == SECTIONS
    # Architecture: parameters = sum of the safetensors shapes; MACs = macs.py at 30 + 30 tokens
    params = int(_row(card, "parameters").split(" ")[0].replace(",", ""))
    assert params == _safetensors_parameters(model / "model.safetensors")
    macs = int(_row(card, "MACs, 30-token sentence").split(" ")[0].replace(",", ""))
    assert macs == count_macs(load_config(model), 30, 30).total
    assert _row(card, "conv kernel sizes").count("|") == 1 and _row(card, "weights").startswith("F32, ")
    # Data: description, command, sizes from the manifests
    assert "Synthetic xx→yy pairs." in card and "make-data --fixture" in card
    assert "| train.xx | 902 | 4,510 | 6,123 |" in card and "| train.yy | 902 | 4,700 | - |" in card
    # Training: the resume gap (10:20 -> 12:00) and the time between runs are not counted
    assert f"({TRAIN_SECONDS} s) over 3 runs (2 resumes)" in card and "1 h 05 min" in card
    assert train_command in card and "width 32" in card and "max-tokens 4096" in card
    assert "step 80 nll 3.000, step 100 nll 3.200, step 130 nll 2.900" in card
    assert "best nll 2.900 (ppl 18.17) at step 130" in card
    # Test scores: evaluate.py's scores.json
    scores = json.loads((eval_dir / "scores.json").read_text(encoding="utf-8"))
    assert _row(card, "BLEU") == f"{scores['engine']['score']:.2f}"
    assert _row(card, "lines refused") == "1" and "on 3 test lines" in card
    assert eval_command in card and scores["engine"]["command"] in card
    # Examples: source -> output (| escaped, < as an entity), reference column, refusals shown
    assert "| source | output | reference |" in card
    assert "| t6 \\| t7 | a\\|b &lt;unk> | t12 |" in card and "| zzz | (refused: unknown token) | t4 |" in card
    # Limitations: the notes and the target verdict
    assert "Tiny random fixture: outputs are meaningless." in card
    verdict = "met" if scores["engine"]["score"] >= 20 else "NOT met"
    assert f"Target: BLEU ≥ 20 on the test set: {verdict} (BLEU {scores['engine']['score']:.2f}" in card


def test_language_model_card_without_log_or_scores(tmp_path: pathlib.Path) -> None:
    model = tmp_path / "lm"
    shutil.copytree(ROOT / "tests" / "data" / "lm_adaptive", model)
    out = tmp_path / "card.md"
    assert cli.main(["--model", str(model), "--out", str(out), "--data-dir", str(tmp_path / "none")]) == 0
    card = out.read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", card, re.MULTILINE) == SECTIONS
    assert int(_row(card, "MACs, 30-token sentence").split(" ")[0].replace(",", "")) == \
        count_macs(load_config(model), 30, 30).total
    assert "No score target is set for language modeling models." in card
    assert "Not evaluated" in card and "No training log given" in card


def test_misaligned_example_outputs_are_refused(tmp_path: pathlib.Path, capsys) -> None:  # type: ignore[no-untyped-def]
    examples = _write(tmp_path / "examples.txt", "t4\nt5\n")
    outputs = _write(tmp_path / "outputs.jsonl", '"t6"\n')
    rc = cli.main(["--model", str(FIXTURE), "--out", str(tmp_path / "card.md"), "--examples", str(examples),
                   "--example-outputs", str(outputs)])
    assert rc == 2 and "--example-outputs has 1 lines but --examples has 2" in capsys.readouterr().err
    assert not (tmp_path / "card.md").exists()


FINE_TUNE_LOG = """\
train 1900 pairs (0 dropped), valid 90
initialised from /ckpt/checkpoint_130.pt
model fixture: 0.03M parameters
08:00:00 epoch 1 step 50 batch 50/120 nll 3.000 lr 2.51e-05 tokens/s 900
08:10:00 saved checkpoint_60.pt: valid nll 2.500 ppl 12.18 (best 12.18)
"""


def test_card_for_a_fine_tuned_model_with_two_corpora_and_two_test_sets(tmp_path: pathlib.Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(FIXTURE, model)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = _eval_dir(tmp_path / "a", model), _eval_dir(tmp_path / "b", model)
    general = tmp_path / "general"
    shutil.copytree(_data_dir(tmp_path), general)
    base, tune = "tools/train.py seq2seq --name base --width 32", "tools/train.py seq2seq --name tuned --init x.pt"
    out = tmp_path / "card.md"
    rc = cli.main(["--model", str(model), "--out", str(out), "--data-dir", str(tmp_path / "data" / "translation"),
                   "--data-dir", str(general),
                   "--train-command", base, "--train-log", str(_write(tmp_path / "base.log", TRAIN_LOG)),
                   "--train-command", tune, "--train-log", str(_write(tmp_path / "tune.log", FINE_TUNE_LOG)),
                   "--checkpoint", "checkpoint_60.pt",
                   "--eval-dir", str(first), "--eval-command", "eval software", "--eval-name", "software test set",
                   "--eval-dir", str(second), "--eval-command", "eval general", "--eval-name", "general test set"])
    assert rc == 0
    card = out.read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", card, re.MULTILINE) == SECTIONS
    assert re.findall(r"^### (.+)$", card, re.MULTILINE) == ["Stage 1", "Stage 2", "software test set",
                                                             "general test set"]
    # Both corpora's sizes; both stages with their own commands, times and validation tables.
    assert str(general / "manifest.json") in card and str(tmp_path / "data" / "translation" / "manifest.json") in card
    total = TRAIN_SECONDS + 10 * 60
    assert f"2 stages, each starting from the weights of the one before; wall-clock training time of all: " \
           f"1 h 15 min ({total} s)." in card
    assert base in card and tune in card and "name tuned" in card and "init x.pt" in card
    assert "Checkpoint used: checkpoint_60.pt (last stage)." in card and "step 60 nll 2.500" in card
    assert card.count("Validation at each save") == 2
    assert "eval software" in card and "eval general" in card
    # The target is judged on the first test set.
    assert "Target: BLEU ≥ 20 on the test set" in card


def test_stage_options_must_pair_up(tmp_path: pathlib.Path, capsys) -> None:  # type: ignore[no-untyped-def]
    log = str(_write(tmp_path / "train.log", TRAIN_LOG))
    rc = cli.main(["--model", str(FIXTURE), "--out", str(tmp_path / "card.md"), "--train-command", "a",
                   "--train-command", "b", "--train-log", log])
    assert rc == 2 and "--train-command is given 2 times for 1" in capsys.readouterr().err

"""tools/evaluate.py end to end on the tiny fixture models: engine and reference must agree.

The fixtures have no sentencepiece model, so "text" is whitespace tokens of their dictionaries
(t0 .. tN); generation is capped at a few tokens to keep the reference fast.
"""
import json
import pathlib

import pytest

import evaluate
from eval.runner import DEFAULT_ENGINE

ROOT = pathlib.Path(__file__).resolve().parents[2]
SEQ2SEQ = ROOT / "tests" / "data" / "lsra_dynamic_shared"
LM = ROOT / "tests" / "data" / "lm_tied"
FAST = ["--max-len-b", "6", "--beam", "2"]

SOURCES = ["t4 t5 t6", "t7 t8 t9 t10", "zzz t5", "t11 t12 t13 t14 t15 t16", "t20 t4"]
REFERENCES = ["t12 t12 t12 t10", "t10 t10 t12", "t12 t12 t12 t12 t12", "t10 t12 t10", "t12 t10 t10 t10"]
TOO_LONG = " ".join(["t4"] * 1024)  # 1025 tokens with </s> > max_source_positions: both refuse


def _require_engine() -> None:
    assert DEFAULT_ENGINE.is_file(), (
        f"{DEFAULT_ENGINE} is missing: build the engine first (scripts/test.sh, or "
        "cmake -S . -B build -G Ninja && cmake --build build)")


def _write(path: pathlib.Path, lines: list) -> pathlib.Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _scores(out: pathlib.Path) -> dict:
    return json.loads((out / "scores.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", ["translate", "summarize"])
def test_generation_engine_and_reference_agree(tmp_path, capsys, command: str) -> None:
    _require_engine()
    src = _write(tmp_path / "src", SOURCES + [TOO_LONG])
    ref = _write(tmp_path / "ref", REFERENCES + ["t4 t5"])
    out = tmp_path / "out"
    rc = evaluate.run([command, "--model", str(SEQ2SEQ), "--src", str(src), "--ref", str(ref),
                       "--reference", "--out-dir", str(out), *FAST])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    scores = _scores(out)
    assert scores["agree"] is True and scores["lines"] == 6
    for tool in ("engine", "reference"):
        # the commands actually run are printed and recorded
        assert scores[tool]["command"] in printed
        assert f"--json --beam 2 --max-len-b 6 < {out / 'input.txt'}" in scores[tool]["command"]
        hyps = (out / f"{tool}.hyp").read_text(encoding="utf-8").split("\n")
        assert len(hyps) == 7 and hyps[6] == ""
        if command == "translate":
            # the over-long line is refused, reported, and scored as an empty hypothesis
            assert list(scores[tool]["refused"]) == ["6"]
            assert hyps[5] == ""
        else:
            # summarize keeps the over-long document's beginning (--truncate-source)
            assert not scores[tool]["refused"]
            assert hyps[5] != ""
    assert ("line 6 refused" in printed) == (command == "translate")
    if command == "translate":
        e, r = scores["engine"]["score"], scores["reference"]["score"]
        assert abs(e - r) <= 0.1
        assert "engine: BLEU = " in printed and "reference: BLEU = " in printed
    else:
        for key in ("rouge1", "rouge2", "rougeL"):
            assert abs(scores["engine"][key] - scores["reference"][key]) <= 0.1
        assert scores["engine"]["rouge1"] > 0  # the references share tokens with the outputs


def test_perplexity_engine_and_reference_agree(tmp_path, capsys) -> None:
    _require_engine()
    # a blank line (document separator) is skipped, not sent
    text = _write(tmp_path / "text", ["t4 t5 t6", "t7 t8", "", "t9 t10 t11 t12", "zzz t4"])
    out = tmp_path / "out"
    rc = evaluate.run(["perplexity", "--model", str(LM), "--text", str(text), "--reference",
                       "--out-dir", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "skipped 1 blank lines" in printed
    scores = _scores(out)
    e, r = scores["engine"], scores["reference"]
    assert e["lines"] == r["lines"] == 4
    # 3 + 2 + 4 + 2 tokens, each with its </s>
    assert e["tokens"] == r["tokens"] == 15
    assert e["perplexity"] == pytest.approx(r["perplexity"], rel=1e-4)
    assert "liteformer-run score --model" in e["command"] and "reference_run.py score --model" in r["command"]


def test_engine_alone_counts_a_refused_line_as_empty(tmp_path, capsys) -> None:
    _require_engine()
    # the engine refuses an empty source line: an empty hypothesis, listed in the report
    src = _write(tmp_path / "src", ["t4 t5 t6", ""])
    ref = _write(tmp_path / "ref", ["t12 t12 t12", "t10 t10"])
    out = tmp_path / "out"
    rc = evaluate.run(["translate", "--model", str(SEQ2SEQ), "--src", str(src), "--ref", str(ref),
                       "--limit", "2", "--out-dir", str(out), *FAST])
    printed = capsys.readouterr().out
    assert rc == 0, printed
    assert "[engine]   line 2 refused: empty line" in printed
    scores = _scores(out)
    assert "reference" not in scores and scores["engine"]["refused"] == {"2": "empty line"}
    assert scores["engine"]["ref_len"] == 5


def test_missing_engine_is_a_clear_error(tmp_path, capsys) -> None:
    src = _write(tmp_path / "src", ["t4"])
    rc = evaluate.run(["translate", "--model", str(SEQ2SEQ), "--src", str(src), "--ref", str(src),
                       "--engine", str(tmp_path / "no-such-binary"), "--out-dir", str(tmp_path / "out")])
    assert rc == evaluate.EXIT_UNUSABLE
    assert "engine binary not found" in capsys.readouterr().err


def test_misaligned_inputs_rejected(tmp_path, capsys) -> None:
    src = _write(tmp_path / "src", ["t4", "t5"])
    ref = _write(tmp_path / "ref", ["t4"])
    rc = evaluate.run(["translate", "--model", str(SEQ2SEQ), "--src", str(src), "--ref", str(ref),
                       "--out-dir", str(tmp_path / "out")])
    assert rc == evaluate.EXIT_UNUSABLE
    assert "has 2 lines but" in capsys.readouterr().err

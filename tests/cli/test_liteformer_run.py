"""liteformer-run against the PyTorch reference's CLI (tools/reference_run.py) on
the fixture models: the same output lines for every command, and one-line
errors for bad options and bad lines while the other lines still get answers."""
from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
REFERENCE = [ "/usr/bin/python3", str(ROOT / "tools" / "reference_run.py")]


def run(command: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300)


def both(binary: pathlib.Path, args: list[str], stdin: str) -> tuple[list[dict], list[dict]]:
    engine = run([str(binary), *args], stdin)
    reference = run([*REFERENCE, *args], stdin)
    assert engine.returncode == reference.returncode == 0, (engine.stderr, reference.stderr)
    parse = lambda out: [json.loads(line) for line in out.splitlines()]  # noqa: E731
    return parse(engine.stdout), parse(reference.stdout)


def assert_same_hypotheses(engine: list[dict], reference: list[dict]) -> None:
    assert len(engine) == len(reference)
    for e, r in zip(engine, reference):
        assert e["macs"] == r["macs"]
        assert [h["ids"] for h in e["hypotheses"]] == [h["ids"] for h in r["hypotheses"]]
        assert [h["text"] for h in e["hypotheses"]] == [h["text"] for h in r["hypotheses"]]
        for he, hr in zip(e["hypotheses"], r["hypotheses"]):
            assert he["score"] == pytest.approx(hr["score"], abs=1e-4)
            assert he["token_scores"] == pytest.approx(hr["token_scores"], abs=1e-4)


SOURCES = "4 5 6 7\n9 8 7 6 5 4 10 11\n12\n"


@pytest.mark.parametrize("variant", ["lsra_dynamic_shared", "lsra_lightweight_separate", "transformer"])
@pytest.mark.parametrize("options", [[], ["--beam", "1"], ["--beam", "3", "--nbest", "2", "--lenpen", "1.5"],
                                     ["--min-len", "4", "--no-repeat-ngram", "2", "--max-len-b", "9"]])
def test_translate_matches_reference(run_binary: pathlib.Path, variant: str, options: list[str]) -> None:
    args = ["translate", "--model", str(DATA / variant), "--ids", "--json", "--max-len-a", "1", *options]
    assert_same_hypotheses(*both(run_binary, args, SOURCES))


@pytest.mark.parametrize("variant", ["lm_adaptive", "lm_tied"])
@pytest.mark.parametrize("options", [["--beam", "1"], ["--beam", "2", "--nbest", "2"],
                                     ["--sampling", "--topk", "5", "--seed", "3"],
                                     ["--sampling", "--topp", "0.8", "--temperature", "0.7", "--seed", "9"]])
def test_generate_matches_reference(run_binary: pathlib.Path, variant: str, options: list[str]) -> None:
    args = ["generate", "--model", str(DATA / variant), "--ids", "--json", "--max-tokens", "7", *options]
    assert_same_hypotheses(*both(run_binary, args, "5 6 7\n8\n"))


@pytest.mark.parametrize("variant,stdin", [("lsra_dynamic_shared", "4 5 6\t7 8 9 10\n11\t12 13\n"),
                                           ("lm_adaptive", "5 6 7 8 9\n30 45\n")])
def test_score_matches_reference(run_binary: pathlib.Path, variant: str, stdin: str) -> None:
    engine, reference = both(run_binary, ["score", "--model", str(DATA / variant), "--ids", "--json"], stdin)
    for e, r in zip(engine, reference):
        assert e["token_scores"] == pytest.approx(r["token_scores"], abs=1e-4)
        assert e["score"] == pytest.approx(r["score"], abs=1e-4)
        assert e["perplexity"] == pytest.approx(r["perplexity"], rel=1e-4)


def has_vnni() -> bool:
    return "avx512_vnni" in pathlib.Path("/proc/cpuinfo").read_text()


# The int8 compute type against the reference's implementation of the same scheme
# (tools/liteformer_ref/int8.py), on every fixture: teacher-forced log-probs within 1e-3.
# (int8 vs float32 differ by ~3e-2 on these models.)
@pytest.mark.skipif(not has_vnni(), reason="int8 needs AVX-512 VNNI")
@pytest.mark.parametrize("variant,stdin", [
    ("lsra_dynamic_shared", "4 5 6\t7 8 9 10\n11\t12 13\n9 8 7 6 5 4 10 11\t4 5 6 7 8 9\n"),
    ("lsra_lightweight_separate", "4 5 6\t7 8 9 10\n11\t12 13\n"),
    ("transformer", "4 5 6\t7 8 9 10\n11\t12 13\n"),
    ("lm_adaptive", "5 6 7 8 9\n30 45\n"),
    ("lm_tied", "5 6 7 8 9\n30 45 12 13 14 15\n")])
def test_int8_scores_match_the_reference_int8(run_binary: pathlib.Path, variant: str, stdin: str) -> None:
    args = ["score", "--model", str(DATA / variant), "--ids", "--json", "--compute-type", "int8"]
    engine, reference = both(run_binary, args, stdin)
    assert len(engine) == len(reference) == stdin.count("\n")
    for e, r in zip(engine, reference):
        assert e["token_scores"] == pytest.approx(r["token_scores"], abs=1e-3)
    float32, _ = both(run_binary, args[:-2], stdin)
    assert [e["token_scores"] for e in engine] != [f["token_scores"] for f in float32], "int8 changed nothing"


def test_bad_lines_get_one_line_errors_and_the_rest_is_answered(run_binary: pathlib.Path) -> None:
    model = DATA / "lsra_dynamic_shared"
    too_long = " ".join(["5"] * 1100)
    stdin = f"4 5 6\n\n4 999\n4 x\n{too_long}\n4 2 5\n7 8\n"
    result = run([str(run_binary), "translate", "--model", str(model), "--ids"], stdin)
    assert result.returncode == 1
    lines = result.stdout.split("\n")[:-1]
    assert len(lines) == 7
    assert lines[0] and lines[6] and not any(lines[1:6])
    errors = result.stderr.strip().split("\n")
    assert errors[0] == "line 2: empty line"
    assert errors[1] == "line 3: source: id 999 outside the vocabulary [0, 40)"
    assert errors[2] == "line 4: 'x' is not an integer id"
    assert errors[3] == "line 5: 1101 tokens with </s> exceed the model's max_source_positions 1024"
    assert errors[4] == "line 6: source: id 2 (</s>) may not appear inside a sentence"


def test_summarize_keeps_the_beginning_of_a_document_longer_than_the_positions(run_binary: pathlib.Path) -> None:
    # Translate refuses such a source (above); summarize, like the server's
    # Summarize and fairseq's --truncate-source, summarizes its first 1023 tokens.
    model = DATA / "lsra_dynamic_shared"
    beginning = " ".join(str(4 + i % 30) for i in range(1023))
    stdin = f"{beginning} {' '.join(['5'] * 77)}\n{beginning}\n"
    engine, reference = both(run_binary, ["summarize", "--model", str(model), "--ids", "--json", "--max-len-b", "5"],
                             stdin)
    long_summary, beginning_summary = engine
    assert long_summary == beginning_summary
    assert_same_hypotheses(engine, reference)  # tools/reference_run.py truncates alike.


@pytest.mark.parametrize("beam", ["1", "4"])
def test_options_that_rule_out_every_continuation_are_a_line_error(run_binary: pathlib.Path, beam: str) -> None:
    # 40 words, none repeated, and no </s> before 60 tokens: no hypothesis exists.
    model = DATA / "lsra_dynamic_shared"
    result = run([str(run_binary), "translate", "--model", str(model), "--ids", "--beam", beam,
                  "--no-repeat-ngram", "1", "--min-len", "60", "--max-len-b", "100"], "4 5 6\n7 8\n")
    assert result.returncode == 1
    message = ("no hypothesis: the decoding options (min_length, no_repeat_ngram_size, max_length) "
               "ruled out every continuation")
    assert result.stderr.strip().split("\n") == [f"line 1: {message}", f"line 2: {message}"]
    assert result.stdout == "\n\n"


def test_invalid_utf8_line_is_refused(run_binary: pathlib.Path) -> None:
    model = DATA / "lsra_dynamic_shared"
    result = subprocess.run([str(run_binary), "translate", "--model", str(model)], input=b"t1 t2\n\xff\xfe t3\nt4\n",
                            capture_output=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == "line 2: invalid UTF-8 at byte 0"
    assert result.stdout.decode().split("\n")[0] != ""


@pytest.mark.parametrize("args,message", [
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--beam", "0"], "beam_size = 0: must be at least 1"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--beam", "two"], "--beam: 'two' is not a number"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--frobnicate"], "unknown option '--frobnicate'"),
    (["translate"], "--model DIR is required"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--compute-type", "int4"],
     "--compute-type: unknown compute type \"int4\": expected float32 or int8"),
    (["fly", "--model", "x"], "unknown command 'fly'"),
    (["translate", "--model", "/nonexistent/model"], "/nonexistent/model/config.json: cannot open"),
    (["generate", "--model", str(DATA / "transformer")], "is an encoder-decoder model"),
    (["translate", "--model", str(DATA / "lm_tied")], "is a language model"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--topp", "1.5"], "top_p = 1.5: must be in (0, 1]"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--lenpen", "1e30"],
     "length_penalty = 1e+30: must be in [-10, 10]"),
    (["score", "--model", str(DATA / "lm_tied"), "--split-sentences"], "--split-sentences is for translate"),
    (["translate", "--model", str(DATA / "lsra_dynamic_shared"), "--ids", "--split-sentences"],
     "--split-sentences is for translate, without --ids"),
])
def test_bad_options_exit_2_with_one_line(run_binary: pathlib.Path, args: list[str], message: str) -> None:
    result = run([str(run_binary), *args], "4 5\n")
    assert result.returncode == 2
    assert message in result.stderr.splitlines()[0]
    assert result.stdout == ""


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["translate", "--help"],
                                  ["score", "--model", str(DATA / "lm_tied"), "--help"]])
def test_help_prints_the_usage_and_exits_0(run_binary: pathlib.Path, args: list[str]) -> None:
    result = run([str(run_binary), *args], "")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: liteformer-run COMMAND")
    assert result.stderr == ""


def test_any_64_bit_seed_is_accepted(run_binary: pathlib.Path) -> None:
    # The server reports drawn seeds as uint64 (Usage.seed); each must replay here.
    args = [str(run_binary), "generate", "--model", str(DATA / "lm_tied"), "--ids", "--sampling", "--max-tokens", "4"]
    first = run([*args, "--seed", "18446744073709551615"], "4 5\n")
    assert first.returncode == 0, first.stderr
    assert run([*args, "--seed", "18446744073709551615"], "4 5\n").stdout == first.stdout
    assert run([*args, "--seed", "-1"], "4 5\n").returncode == 2


@pytest.fixture(scope="module")
def short_lm(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """lm_tied with 24 positions (they are sinusoidal, so any number loads): short
    lines already need several scoring windows and long prompts lose their beginning."""
    path = tmp_path_factory.mktemp("short_lm")
    for item in (DATA / "lm_tied").iterdir():
        (path / item.name).symlink_to(item)
    (path / "config.json").unlink()
    config = json.loads((DATA / "lm_tied" / "config.json").read_text())
    config["max_target_positions"] = 24
    (path / "config.json").write_text(json.dumps(config))
    return path


LONG_LINES = "".join(" ".join(str(4 + (i * k) % 44) for i in range(n)) + "\n"
                     for n, k in [(3, 1), (23, 5), (24, 7), (70, 3), (101, 11)])


@pytest.mark.parametrize("context", [None, "0", "1", "12", "23"])
def test_windowed_scores_match_reference(run_binary: pathlib.Path, short_lm: pathlib.Path,
                                         context: str | None) -> None:
    args = ["score", "--model", str(short_lm), "--ids", "--json"]
    if context is not None:
        args += ["--context-window", context]
    engine, reference = both(run_binary, args, LONG_LINES)
    assert len(engine) == len(reference) == 5
    for line, e, r in zip(LONG_LINES.splitlines(), engine, reference):
        assert len(e["token_scores"]) == len(r["token_scores"]) == len(line.split()) + 1
        assert e["token_scores"] == pytest.approx(r["token_scores"], abs=1e-4)
        assert e["score"] == pytest.approx(r["score"], abs=1e-3)
        assert e["perplexity"] == pytest.approx(r["perplexity"], rel=1e-4)


def test_a_line_that_fits_scores_as_before_windows(run_binary: pathlib.Path, short_lm: pathlib.Path) -> None:
    # 23 tokens + </s> = the 24 positions: one window whatever the context, and the
    # same scores as the 1024-position original.
    line = LONG_LINES.splitlines()[1] + "\n"
    scores = [json.loads(run([str(run_binary), "score", "--model", str(model), "--ids", "--json", *extra],
                             line).stdout)["token_scores"]
              for model, extra in [(DATA / "lm_tied", []), (short_lm, ["--context-window", "0"]),
                                   (short_lm, ["--context-window", "23"])]]
    assert scores[0] == scores[1] == scores[2]


def test_a_long_prompt_keeps_its_end_and_reports_the_drop(run_binary: pathlib.Path, short_lm: pathlib.Path) -> None:
    prompts = "5 6 7\n" + " ".join(str(4 + i % 40) for i in range(40)) + "\n"
    args = ["generate", "--model", str(short_lm), "--ids", "--json", "--max-tokens", "6", "--beam", "1"]
    engine, reference = both(run_binary, args, prompts)
    assert_same_hypotheses(engine, reference)
    assert [e["dropped_prompt_tokens"] for e in engine] == [r["dropped_prompt_tokens"] for r in reference]
    assert [e["dropped_prompt_tokens"] for e in engine] == [0, 40 - (24 - 1 - 6)]
    # The same as the prompt's last 17 tokens given alone.
    tail = " ".join(prompts.split("\n")[1].split()[-17:]) + "\n"
    alone = json.loads(run([str(run_binary), *args], tail).stdout)
    assert alone["hypotheses"] == engine[1]["hypotheses"] and alone["dropped_prompt_tokens"] == 0


@pytest.mark.parametrize("args,message", [
    (["score", "--context-window", "24"], "--context-window = 24: must be in [0, 23] (the model has 24 positions)"),
    (["score", "--context-window", "-1"], "--context-window = -1: must be in [0, 23]"),
    (["score", "--context-window", "x"], None),
    (["generate", "--context-window", "3"], "--context-window is for scoring with a language model"),
    (["generate", "--max-tokens", "24"], "--max-tokens 24: must be below max_target_positions 24"),
])
def test_bad_window_options_exit_2(run_binary: pathlib.Path, short_lm: pathlib.Path, args: list[str],
                                   message: str | None) -> None:
    command = [*args[:1], "--model", str(short_lm), *args[1:]]
    engine = run([str(run_binary), *command], "4 5\n")
    reference = run([*REFERENCE, *command], "4 5\n")
    assert engine.returncode == reference.returncode == 2
    assert engine.stdout == reference.stdout == ""
    if message is not None:
        assert message in engine.stderr.splitlines()[0]
        assert message in reference.stderr.splitlines()[0]
    else:
        assert "--context-window: 'x' is not a number" in engine.stderr


def test_context_window_is_refused_on_an_encoder_decoder_model(run_binary: pathlib.Path) -> None:
    result = run([str(run_binary), "score", "--model", str(DATA / "lsra_dynamic_shared"), "--context-window", "4"],
                 "4\t5\n")
    assert result.returncode == 2
    assert "--context-window is for scoring with a language model" in result.stderr


# Three paragraphs of the CC0 1.0 legal code (/usr/share/common-licenses/CC0-1.0;
# Creative Commons dedicates its legal code to the public domain), 163 to 365
# tokens with </s>: each needs several windows of the bundled LM's 128 positions.
# No public-domain novel is available offline, so these long real lines stand in.
LONG_TEXT = DATA / "text" / "cc0-1.0-long-paragraphs.txt"


@pytest.mark.parametrize("context", [[], ["--context-window", "0"], ["--context-window", "100"]])
def test_long_real_lines_score_alike_on_the_bundled_lm(run_binary: pathlib.Path, context: list[str]) -> None:
    lines = LONG_TEXT.read_text().splitlines()
    engine, reference = both(run_binary, ["score", "--model", str(ROOT / "models" / "lm-en"), "--json", *context],
                             LONG_TEXT.read_text())
    assert len(engine) == len(reference) == len(lines) == 3
    for e, r in zip(engine, reference):
        assert len(e["token_scores"]) == len(r["token_scores"]) > 128
        assert e["token_scores"] == pytest.approx(r["token_scores"], abs=1e-4)
        assert e["perplexity"] == pytest.approx(r["perplexity"], rel=1e-4)


def test_split_sentences_translates_each_sentence_alone_and_keeps_the_line(run_binary: pathlib.Path) -> None:
    """The server's splitter (the model's source language, here English): "Dr."
    does not end a sentence, the list marker and the spacing stay as they were."""
    model = ROOT / "models" / "en-de"
    if not (model / "config.json").exists():
        pytest.skip("models/en-de is missing")
    sentences = ["Dr. Smith wrote the guide.", "Then he left.", "It works!"]
    alone = run([str(run_binary), "translate", "--model", str(model)], "".join(s + "\n" for s in sentences))
    assert alone.returncode == 0, alone.stderr
    first, second, third = alone.stdout.splitlines()
    lines = f"{sentences[0]} {sentences[1]}\n- {sentences[2]}\n"
    split = run([str(run_binary), "translate", "--model", str(model), "--split-sentences"], lines)
    assert split.returncode == 0, split.stderr
    assert split.stdout.splitlines() == [f"{first} {second}", f"- {third}"]
    as_json = run([str(run_binary), "translate", "--model", str(model), "--split-sentences", "--json"], lines)
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [row["text"] for row in rows] == [f"{first} {second}", f"- {third}"]
    assert [len(row["sentences"]) for row in rows] == [2, 1]

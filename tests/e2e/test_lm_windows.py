"""Score of texts longer than a language model's positions (context windows,
ModelEntry.context_window) and Generate with a prompt longer than they allow
(Usage.dropped_prompt_tokens), against liteformer-run on the same model; and
the config errors of context_window."""
from __future__ import annotations

import json
import pathlib
import subprocess
from typing import Any

import grpc
import pytest

from e2e_util import assert_status, rpc_error
from server_process import config_text, run_server_expecting_exit

TIMEOUT = 60.0
POSITIONS = 24


@pytest.fixture(scope="module")
def short_lm(data_dir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """lm_tied with 24 positions (sinusoidal: any number loads) and a small
    generation budget, so that short texts already need windows."""
    path = tmp_path_factory.mktemp("models") / "short_lm"
    path.mkdir()
    for item in (data_dir / "lm_tied").iterdir():
        if item.name != "config.json":
            (path / item.name).symlink_to(item)
    config = json.loads((data_dir / "lm_tied" / "config.json").read_text())
    config["max_target_positions"] = POSITIONS
    config["decoding"]["max_tokens"] = 6
    (path / "config.json").write_text(json.dumps(config))
    return path


@pytest.fixture(scope="module")
def server(server_factory: Any, short_lm: pathlib.Path):
    config = config_text(
        [("lm", short_lm, True)],
        batching="mode: STEP_LEVEL max_batch_size: 16 workers: 1 threads_per_worker: 1",
        limits="max_sentences_per_request: 24",
        extra=f'models {{ name: "lm5" path: "{short_lm}" context_window: 5 }}\n'
              f'models {{ name: "lm0" path: "{short_lm}" context_window: 0 }}\ndrain_grace_seconds: 10')
    with server_factory(config, name="lm_windows", stop_timeout=15) as process:
        yield process


@pytest.fixture(scope="module")
def lm(stubs: Any, server: Any) -> Any:
    return stubs.pb_grpc.LanguageModelStub(server.channel())


def words(count: int, step: int = 7) -> str:
    return " ".join(f"t{4 + (i * step) % 40}" for i in range(count))


TEXTS = [words(3), words(23), words(24, 3), words(70), words(101, 11)]


@pytest.mark.parametrize("model,context", [("lm", "12"), ("lm5", "5"), ("lm0", "0")])
def test_long_texts_are_scored_in_windows_as_liteformer_run_does(stubs: Any, lm: Any, engine_run: Any,
                                                                 short_lm: pathlib.Path, model: str,
                                                                 context: str) -> None:
    response = lm.Score(stubs.pb.ScoreRequest(model=model, texts=TEXTS), timeout=TIMEOUT)
    expected = engine_run("score", short_lm, TEXTS, "--context-window", context)
    assert len(response.results) == len(TEXTS)
    for text, result, engine in zip(TEXTS, response.results, expected):
        assert result.num_tokens == len(text.split()) + 1  # Every token once, </s> included.
        assert list(result.token_scores) == pytest.approx(engine["token_scores"], abs=1e-5)
        assert result.log_prob == pytest.approx(engine["score"], abs=1e-4)
        assert result.perplexity == pytest.approx(engine["perplexity"], rel=1e-5)
    assert response.usage.input_tokens == sum(len(text.split()) + 1 for text in TEXTS)


def test_the_context_window_changes_only_the_later_windows(stubs: Any, lm: Any) -> None:
    [wide, none] = [lm.Score(stubs.pb.ScoreRequest(model=model, texts=[TEXTS[3]]), timeout=TIMEOUT).results[0]
                    for model in ("lm", "lm0")]
    assert list(wide.token_scores)[:POSITIONS] == list(none.token_scores)[:POSITIONS]
    assert list(wide.token_scores)[POSITIONS:] != list(none.token_scores)[POSITIONS:]


def test_windows_count_against_max_sentences_per_request(stubs: Any, lm: Any) -> None:
    # lm0: 24 targets per window: 600 words + </s> make 26 windows > 24; 575 + </s> make 24.
    error = rpc_error(lm.Score, stubs.pb.ScoreRequest(model="lm0", texts=[words(600)]), timeout=TIMEOUT)
    assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "texts[0]", "26 scoring windows",
                  "max_sentences_per_request = 24")
    assert len(lm.Score(stubs.pb.ScoreRequest(model="lm0", texts=[words(575)]), timeout=TIMEOUT).results) == 1
    # Earlier texts' windows count too.
    error = rpc_error(lm.Score, stubs.pb.ScoreRequest(model="lm0", texts=[words(300), words(300)]),
                      timeout=TIMEOUT)
    assert_status(error, grpc.StatusCode.INVALID_ARGUMENT, "texts[1]", "its 13 scoring windows bring the "
                  "request to 26")


def generate(stubs: Any, lm: Any, prompt: str, max_tokens: int) -> tuple[list[int], Any]:
    request = stubs.pb.GenerateRequest(prompt=prompt, max_tokens=max_tokens,
                                       options=stubs.pb.DecodingOptions(beam_size=1))
    ids: list[int] = []
    usage = None
    for message in lm.Generate(request, timeout=TIMEOUT):
        ids += list(message.ids)
        if message.finished:
            usage = message.usage
    assert usage is not None
    return ids, usage


def test_a_long_prompt_keeps_its_end_and_usage_reports_the_drop(stubs: Any, lm: Any, engine_run: Any,
                                                                short_lm: pathlib.Path) -> None:
    prompt = words(40)
    ids, usage = generate(stubs, lm, prompt, 6)
    assert usage.dropped_prompt_tokens == 40 - (POSITIONS - 1 - 6)
    assert usage.input_tokens == 41  # The prompt as sent, </s> included.
    [engine] = engine_run("generate", short_lm, [prompt], "--max-tokens", "6", "--beam", "1")
    assert engine["dropped_prompt_tokens"] == usage.dropped_prompt_tokens
    assert ids == engine["hypotheses"][0]["ids"]
    # The same as its last tokens alone.
    tail = " ".join(prompt.split()[usage.dropped_prompt_tokens:])
    tail_ids, tail_usage = generate(stubs, lm, tail, 6)
    assert tail_ids == ids and tail_usage.dropped_prompt_tokens == 0


@pytest.mark.parametrize("prompt", ["", words(3), words(POSITIONS - 1 - 6)])
def test_a_prompt_that_fits_reports_no_drop(stubs: Any, lm: Any, prompt: str) -> None:
    _, usage = generate(stubs, lm, prompt, 6)
    assert usage.dropped_prompt_tokens == 0


def test_the_client_reports_the_drop_in_json(client_binary: pathlib.Path, server: Any) -> None:
    result = subprocess.run([str(client_binary), "generate", f"--target={server.address}", "--max_tokens=6",
                             "--json", words(40), words(2)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    finals = [json.loads(line) for line in result.stdout.splitlines() if "usage" in json.loads(line)]
    assert [line["usage"]["dropped_prompt_tokens"] for line in finals] == [40 - (POSITIONS - 1 - 6), 0]


@pytest.mark.parametrize("entry,needles", [
    ('context_window: 24', ["model 'lm'", "context_window = 24: must be in [0, 23] (the model has 24 positions)"]),
    ('context_window: 4294967295', ["model 'lm'", "context_window = 4294967295: must be in [0, 23]"]),
])
def test_a_context_window_outside_the_positions_stops_the_start(server_binary: pathlib.Path, short_lm: pathlib.Path,
                                                                tmp_path: pathlib.Path, entry: str,
                                                                needles: list[str]) -> None:
    config = tmp_path / "bad.textproto"
    config.write_text(f'models {{ name: "lm" path: "{short_lm}" {entry} }}\n')
    result = run_server_expecting_exit(server_binary, config)
    assert result.returncode != 0
    for needle in needles:
        assert needle in result.stderr, result.stderr[-3000:]


def test_a_context_window_on_an_encoder_decoder_model_stops_the_start(server_binary: pathlib.Path,
                                                                      data_dir: pathlib.Path,
                                                                      tmp_path: pathlib.Path) -> None:
    config = tmp_path / "bad.textproto"
    config.write_text(f'models {{ name: "mt" path: "{data_dir / "lsra_dynamic_shared"}" context_window: 4 }}\n')
    result = run_server_expecting_exit(server_binary, config)
    assert result.returncode != 0
    assert "model 'mt': context_window is for language models" in result.stderr, result.stderr[-3000:]

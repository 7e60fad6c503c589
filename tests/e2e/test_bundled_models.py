"""The README's run command serves the bundled models (models/*) and
liteformer-client answers: the server started on the default models
directory, each task through the client binary."""
from __future__ import annotations

import json
import pathlib
import subprocess
from typing import Any

import pytest

BUNDLED = ("en-de", "summarize", "lm-en")


@pytest.fixture(scope="module")
def bundled(server_factory: Any, repo: pathlib.Path, request: pytest.FixtureRequest):
    if request.config.getoption("--sanitized"):
        # The bundled models use sentencepiece; sanitizer builds load it with
        # dlopen, where its protobuf 3.14 meets gRPC's 3.21 and aborts.
        pytest.skip("sentencepiece cannot share a sanitized server process with gRPC")
    models = repo / "models"
    missing = [name for name in BUNDLED if not (models / name / "config.json").exists()]
    if missing:
        pytest.skip(f"models/ lacks {missing} (tools/train.py + tools/convert.py)")
    # No model list: the server scans models_dir, as it does without --config.
    config = f'models_dir: "{models}"\ndrain_grace_seconds: 10\n'
    with server_factory(config, name="bundled", stop_timeout=20, startup_timeout=60) as process:
        yield process


def client(binary: pathlib.Path, address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args, f"--target={address}", "--deadline=60"],
                          capture_output=True, text=True, timeout=90)


def test_every_bundled_model_is_served_as_the_default_of_its_task(bundled: Any,
                                                                   client_binary: pathlib.Path) -> None:
    result = client(client_binary, bundled.address, "list-models", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["name"]: m for m in map(json.loads, result.stdout.splitlines())}
    tasks = {"en-de": "translation", "summarize": "summarization", "lm-en": "language_modeling"}
    for name, task in tasks.items():
        assert models[name]["task"] == task
        assert models[name]["is_default"], models[name]


@pytest.mark.parametrize("command,text", [
    ("translate", "The file could not be opened."),
    ("summarize", "GNU Wget is a free software package for retrieving files using HTTP, HTTPS and "
                  "FTP. It is a non-interactive command line tool, so it may easily be called from "
                  "scripts and cron jobs."),
    ("generate", "The"),
])
def test_the_client_answers_with_text(bundled: Any, client_binary: pathlib.Path, command: str,
                                      text: str) -> None:
    extra = ["--max_tokens=12"] if command == "generate" else []
    result = client(client_binary, bundled.address, command, *extra, text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"{command} printed nothing"


@pytest.mark.parametrize("prompt", ["The", "Debian is a free operating system that"])
def test_generate_streams_pieces_that_join_into_the_engine_text(bundled: Any, stubs: Any, engine_run: Any,
                                                                repo: pathlib.Path, prompt: str) -> None:
    # Sentencepiece text streamed piece by piece (each from a window of
    # tokens, not the whole output) must join into what liteformer-run prints.
    # lm-en samples; seed 6 gives both prompts 37-42 tokens (an unseeded request
    # would get a fresh seed, and some seeds end the text within 10 tokens).
    lm = stubs.pb_grpc.LanguageModelStub(bundled.channel())
    messages = list(lm.Generate(stubs.pb.GenerateRequest(
        model="lm-en", prompt=prompt, max_tokens=60, options=stubs.pb.DecodingOptions(beam_size=1, seed=6)),
        timeout=60))
    assert messages[-1].usage.seed == 6
    engine = engine_run("generate", repo / "models" / "lm-en", [prompt], "--beam", "1", "--max-tokens", "60",
                        "--seed", "6")[0]
    assert "".join(m.text for m in messages).strip() == engine["hypotheses"][0]["text"]
    assert len([m for m in messages if m.text]) > 10, [m.text for m in messages]

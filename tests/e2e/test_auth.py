"""Token authentication (--auth_tokens_file, or auth { tokens_file } in the
config): the liteformer.v1 services need "authorization: Bearer TOKEN",
grpc.health.v1 stays open, SIGHUP re-reads the file, and both clients send
--token or $LITEFORMER_TOKEN."""
from __future__ import annotations

import hashlib
import os
import pathlib
import signal
import subprocess
import time
import urllib.request
from typing import Any

import grpc
import pytest

from e2e_util import parse_prometheus
from server_process import config_text, run_server_expecting_exit

TOKENS = f"""# test clients
alice secret-a

bob sha256:{hashlib.sha256(b"secret-b").hexdigest()}
"""


def one_model(data_dir: pathlib.Path, extra: str = "") -> str:
    return config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                       batching="workers: 1 threads_per_worker: 1", extra="drain_grace_seconds: 5\n" + extra)


@pytest.fixture
def server(server_factory: Any, data_dir: pathlib.Path, tmp_path: pathlib.Path):
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(TOKENS)
    process = server_factory(one_model(data_dir, f'auth {{ tokens_file: "{tokens}" }}'), name="auth")
    process.tokens_file = tokens
    with process:
        yield process


def bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def translate(stubs: Any, channel: grpc.Channel, metadata: list[tuple[str, str]] | None) -> Any:
    stub = stubs.pb_grpc.TranslatorStub(channel)
    return stub.Translate(stubs.pb.TranslateRequest(texts=["t1 t2 t3"]), timeout=10, metadata=metadata)


def code_of(call: Any) -> grpc.StatusCode:
    try:
        call()
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def test_calls_need_a_known_token(stubs: Any, server: Any) -> None:
    channel = server.channel()
    unauthenticated = grpc.StatusCode.UNAUTHENTICATED
    assert code_of(lambda: translate(stubs, channel, None)) == unauthenticated
    assert code_of(lambda: translate(stubs, channel, bearer("secret-x"))) == unauthenticated
    assert code_of(lambda: translate(stubs, channel, [("authorization", "secret-a")])) == unauthenticated
    # bob's line holds the digest: the digest itself is no token.
    digest = hashlib.sha256(b"secret-b").hexdigest()
    assert code_of(lambda: translate(stubs, channel, bearer(f"sha256:{digest}"))) == unauthenticated
    # A plain token and a hashed one.
    assert translate(stubs, channel, bearer("secret-a")).results[0].hypotheses[0].text
    assert translate(stubs, channel, bearer("secret-b")).results[0].hypotheses[0].text
    # The stream, too.
    stream = stubs.pb_grpc.TranslatorStub(channel).TranslateStream
    request = stubs.pb.TranslateRequest(texts=["t1 t2"])
    assert code_of(lambda: list(stream(request, timeout=10))) == unauthenticated
    assert len(list(stream(request, timeout=10, metadata=bearer("secret-a")))) == 1
    # ListModels as well.
    list_models = stubs.pb_grpc.ModelServiceStub(channel).ListModels
    assert code_of(lambda: list_models(stubs.pb.ListModelsRequest(), timeout=5)) == unauthenticated
    assert [m.name for m in list_models(stubs.pb.ListModelsRequest(), timeout=5,
                                        metadata=bearer("secret-b")).models] == ["mt"]


def test_health_stays_open_and_reflection_is_off(stubs: Any, server: Any) -> None:
    health = stubs.health_pb2_grpc.HealthStub(server.channel())
    for service in ("", "liteformer.v1.Translator", "model/mt"):
        response = health.Check(stubs.health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert response.status == stubs.health_pb2.HealthCheckResponse.SERVING
    reflection = stubs.reflection_pb2_grpc.ServerReflectionStub(server.channel())
    request = stubs.reflection_pb2.ServerReflectionRequest(list_services="")
    assert code_of(lambda: list(reflection.ServerReflectionInfo(iter([request]), timeout=5,
                                                                metadata=bearer("secret-a")))) == \
        grpc.StatusCode.UNIMPLEMENTED


def test_metrics_and_logs_name_the_client(stubs: Any, server: Any) -> None:
    channel = server.channel()
    translate(stubs, channel, bearer("secret-b"))
    code_of(lambda: translate(stubs, channel, bearer("wrong")))
    with urllib.request.urlopen(server.metrics_url, timeout=10) as response:
        _, samples = parse_prometheus(response.read().decode())
    requests = {(labels.get("client"), labels.get("code")): value for name, labels, value in samples
                if name == "liteformer_requests_total" and labels.get("method") == "Translate"}
    assert requests.get(("bob", "OK")) == 1, requests
    assert requests.get(("anonymous", "UNAUTHENTICATED")) == 1, requests
    assert "Translate model=- client=anonymous failed: UNAUTHENTICATED" in server.log()
    assert "wrong" not in server.log()


def wait_for_log(server: Any, text: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while text not in server.log():
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.05)


def test_sighup_reloads_the_tokens(stubs: Any, server: Any) -> None:
    channel = server.channel()
    assert code_of(lambda: translate(stubs, channel, bearer("secret-b"))) == grpc.StatusCode.OK
    server.tokens_file.write_text("carol secret-c\nalice secret-a\n")
    server.signal(signal.SIGHUP)
    wait_for_log(server, "reloaded 2 client token(s)")
    assert code_of(lambda: translate(stubs, channel, bearer("secret-c"))) == grpc.StatusCode.OK
    assert code_of(lambda: translate(stubs, channel, bearer("secret-a"))) == grpc.StatusCode.OK
    assert code_of(lambda: translate(stubs, channel, bearer("secret-b"))) == grpc.StatusCode.UNAUTHENTICATED
    # A bad file keeps the tokens the server has, and says why.
    server.tokens_file.write_text("carol secret-c\ndave\n")
    server.signal(signal.SIGHUP)
    wait_for_log(server, "keeping the old tokens")
    assert f"tokens file {server.tokens_file} line 2" in server.log()
    assert code_of(lambda: translate(stubs, channel, bearer("secret-a"))) == grpc.StatusCode.OK
    server.assert_alive()


def run_client(binary: pathlib.Path, args: list[str], token_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LITEFORMER_TOKEN"}
    if token_env is not None:
        env["LITEFORMER_TOKEN"] = token_env
    return subprocess.run([str(binary), *args, "--deadline=10"], capture_output=True, text=True, timeout=60, env=env)


def test_clients_send_the_token(server: Any, client_binary: pathlib.Path, load_binary: pathlib.Path,
                                tmp_path: pathlib.Path) -> None:
    target = f"--target={server.address}"
    refused = run_client(client_binary, ["list-models", target])
    assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr, refused.stderr
    by_flag = run_client(client_binary, ["translate", target, "--token=secret-a", "t1 t2 t3"])
    assert by_flag.returncode == 0 and by_flag.stdout.strip(), by_flag.stderr
    by_env = run_client(client_binary, ["list-models", target], token_env="secret-b")
    assert by_env.returncode == 0 and "mt" in by_env.stdout, by_env.stderr
    # The flag wins over the environment.
    wrong_env = run_client(client_binary, ["list-models", target, "--token=secret-a"], token_env="nope")
    assert wrong_env.returncode == 0, wrong_env.stderr
    # Health needs no token.
    health = run_client(client_binary, ["health", target])
    assert health.returncode == 0 and health.stdout.strip() == "SERVING", health.stderr
    texts = tmp_path / "texts.txt"
    texts.write_text("t1 t2 t3\nt5 t6\n")
    load = [str(load_binary), target, "--method=translate", f"--input={texts}", "--requests=4", "--fail_on_error"]
    env = {k: v for k, v in os.environ.items() if k != "LITEFORMER_TOKEN"}
    result = subprocess.run(load, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode != 0, result.stderr[-3000:]
    assert "UNAUTHENTICATED" in result.stdout + result.stderr, result.stdout + result.stderr[-3000:]
    result = subprocess.run(load, capture_output=True, text=True, timeout=120,
                            env={**env, "LITEFORMER_TOKEN": "secret-a"})
    assert result.returncode == 0, result.stderr[-3000:]


BAD_TOKENS = {
    "missing_field": ("alice secret-a\nbob\n", ["line 2", "got 1 field(s)"]),
    "bad_name": ("# c\nal/ice secret-a\n", ["line 2", "bad client name"]),
    "bad_digest": ("alice sha256:1234\n", ["line 1", "64 hex digits"]),
    "duplicate": ("alice a\nalice b\n", ["line 2", "appears twice"]),
    "empty": ("# nobody\n", ["no clients"]),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_file_stops_the_start_up(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                            tmp_path: pathlib.Path, case: str) -> None:
    text, expected = BAD_TOKENS[case]
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(text)
    config = tmp_path / "server.textproto"
    config.write_text(one_model(data_dir))
    result = run_server_expecting_exit(server_binary, config, extra_args=[f"--auth_tokens_file={tokens}"])
    assert result.returncode != 0
    assert f"tokens file {tokens}" in result.stderr, result.stderr
    for part in expected:
        assert part in result.stderr, result.stderr


def test_missing_tokens_file_stops_the_start_up(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                                tmp_path: pathlib.Path) -> None:
    config = tmp_path / "server.textproto"
    config.write_text(one_model(data_dir, 'auth { tokens_file: "/nonexistent/tokens.txt" }'))
    result = run_server_expecting_exit(server_binary, config)
    assert result.returncode != 0 and "/nonexistent/tokens.txt" in result.stderr, result.stderr


def test_the_flag_overrides_the_config(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                       tmp_path: pathlib.Path) -> None:
    tokens = tmp_path / "flag-tokens.txt"
    tokens.write_text("erin secret-e\n")
    config = one_model(data_dir, 'auth { tokens_file: "/nonexistent/tokens.txt" }')
    with server_factory(config, name="auth_override", extra_args=[f"--auth_tokens_file={tokens}"]) as server:
        channel = server.channel()
        assert code_of(lambda: translate(stubs, channel, bearer("secret-e"))) == grpc.StatusCode.OK
        assert code_of(lambda: translate(stubs, channel, None)) == grpc.StatusCode.UNAUTHENTICATED

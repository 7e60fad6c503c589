"""Deadlines, cancellation, overload, SIGTERM with requests in flight, bad
configurations and --models_dir."""
from __future__ import annotations

import collections
import json
import pathlib
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from e2e_util import assert_status, best, fetch_metrics, parse_prometheus, rpc_error, total
from server_process import config_text, run_server_expecting_exit

TIMEOUT = 30.0
OK = grpc.StatusCode.OK
UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


def long_generation(stubs: Any, max_tokens: int = 1000, beam_size: int = 4) -> Any:
    """An LM generation that runs to max_tokens (the fixture never says </s>
    greedily): ~0.4 s of compute at beam 4 on one core."""
    return stubs.pb.GenerateRequest(prompt="t1 t2", max_tokens=max_tokens,
                                    options=stubs.pb.DecodingOptions(beam_size=beam_size))


def generate_status(lm: Any, request: Any, timeout: float = 60.0) -> tuple[grpc.StatusCode, str]:
    try:
        messages = list(lm.Generate(request, timeout=timeout))
        assert messages and messages[-1].finished
        return OK, ""
    except grpc.RpcError as error:
        return error.code(), error.details() or ""


def assert_serving(stubs: Any, channel: grpc.Channel) -> None:
    health = stubs.health_pb2_grpc.HealthStub(channel)
    assert health.Check(stubs.health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status == \
        stubs.health_pb2.HealthCheckResponse.SERVING
    translator = stubs.pb_grpc.TranslatorStub(channel)
    response = translator.Translate(stubs.pb.TranslateRequest(texts=["t1 t2 t3"]), timeout=TIMEOUT)
    assert best(response.results[0]).text
    lm = stubs.pb_grpc.LanguageModelStub(channel)
    assert generate_status(lm, stubs.pb.GenerateRequest(prompt="t1", max_tokens=3), timeout=TIMEOUT)[0] == OK


def two_models(data_dir: pathlib.Path) -> list[tuple[str, pathlib.Path, bool]]:
    return [("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True)]


# ------------------------------------------------------------------ deadlines and cancellation
@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path):
    config = config_text(two_models(data_dir),
                         batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 64 workers: 1 "
                                  "threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra="drain_grace_seconds: 10")
    with server_factory(config, name="lifecycle", stop_timeout=15) as process:
        yield process


@pytest.fixture(scope="module")
def channel(server: Any) -> grpc.Channel:
    return server.channel()


def test_deadline_1ms_translate(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(channel)
    request = stubs.pb.TranslateRequest(texts=["t1 t2 t3 t4 t5 t6 t7 t8"] * 8,
                                        options=stubs.pb.DecodingOptions(beam_size=4, max_length=1000))
    error = rpc_error(translator.Translate, request, timeout=0.001)
    assert_status(error, grpc.StatusCode.DEADLINE_EXCEEDED)
    server.assert_alive()
    assert_serving(stubs, channel)


def test_deadline_50ms_long_generation(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    lm = stubs.pb_grpc.LanguageModelStub(channel)
    started = time.monotonic()
    code, details = generate_status(lm, long_generation(stubs), timeout=0.05)
    assert code == grpc.StatusCode.DEADLINE_EXCEEDED, (code, details)
    assert time.monotonic() - started < 5
    server.assert_alive()
    assert_serving(stubs, channel)


def test_deadline_on_many_long_generations_then_serving(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    """16 long generations at once, each with a 100 ms deadline: all
    DEADLINE_EXCEEDED, and the server keeps serving."""
    lm = stubs.pb_grpc.LanguageModelStub(channel)
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: generate_status(lm, long_generation(stubs), timeout=0.1)[0], range(16)))
    assert set(codes) == {grpc.StatusCode.DEADLINE_EXCEEDED}, collections.Counter(codes)
    server.assert_alive()
    assert_serving(stubs, channel)


def test_cancel_generate_stream_after_first_message(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    lm = stubs.pb_grpc.LanguageModelStub(channel)
    call = lm.Generate(long_generation(stubs, beam_size=1), timeout=TIMEOUT)
    first = next(call)
    assert first.text or first.ids or first.finished
    if not first.finished:
        # Streamed token by token: cancel the rest (cancel() is False only
        # when the call already ended).
        assert call.cancel(), "the 1000-token generation ended right after its first message"
        with pytest.raises(grpc.RpcError) as raised:
            for _ in call:
                pass
        assert raised.value.code() == grpc.StatusCode.CANCELLED
    server.assert_alive()
    assert_serving(stubs, channel)


def test_cancel_translate_stream(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(channel)
    request = stubs.pb.TranslateRequest(texts=["t1 t2 t3 t4 t5 t6 t7 t8", "t9", "t3 t4 t5"] * 2,
                                        options=stubs.pb.DecodingOptions(beam_size=4, max_length=1000))
    call = translator.TranslateStream(request, timeout=TIMEOUT)
    next(call)
    call.cancel()
    # And one cancelled before anything came back.
    call = translator.TranslateStream(request, timeout=TIMEOUT)
    time.sleep(0.01)
    call.cancel()
    server.assert_alive()
    assert_serving(stubs, channel)


def test_cancel_many_unary_calls(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    translator = stubs.pb_grpc.TranslatorStub(channel)
    request = stubs.pb.TranslateRequest(texts=["t1 t2 t3 t4 t5 t6 t7 t8"] * 4,
                                        options=stubs.pb.DecodingOptions(beam_size=4, max_length=1000))
    futures = [translator.Translate.future(request, timeout=TIMEOUT) for _ in range(10)]
    time.sleep(0.05)
    for future in futures:
        future.cancel()
    for future in futures:
        if not future.cancelled():  # finished before the cancel: then it succeeded
            assert future.exception() is None, future.exception()
    server.assert_alive()
    assert_serving(stubs, channel)


# ------------------------------------------------------------------ overload
def test_full_queue_is_unavailable_then_recovers(stubs: Any, server_factory: Any, data_dir: pathlib.Path) -> None:
    config = config_text(two_models(data_dir),
                         batching="mode: STEP_LEVEL max_batch_size: 2 max_queue_size: 2 workers: 1 "
                                  "threads_per_worker: 1",
                         extra="drain_grace_seconds: 10")
    with server_factory(config, name="overload", stop_timeout=15) as process:
        channels = [process.channel() for _ in range(4)]
        stubs_by_channel = [stubs.pb_grpc.LanguageModelStub(c) for c in channels]
        barrier = threading.Barrier(40)

        def fire(i: int) -> tuple[grpc.StatusCode, str]:
            barrier.wait(timeout=30)
            return generate_status(stubs_by_channel[i % 4], long_generation(stubs), timeout=120)

        with ThreadPoolExecutor(40) as pool:
            results = list(pool.map(fire, range(40)))
        codes = collections.Counter(code for code, _ in results)
        print(f"overload: {dict((c.name, n) for c, n in codes.items())}")
        assert set(codes) <= {OK, UNAVAILABLE}, codes
        assert codes[UNAVAILABLE] >= 1, codes
        assert codes[OK] >= 1, codes
        for code, details in results:
            if code == UNAVAILABLE:
                assert "queue" in details, details
        process.assert_alive()
        assert_serving(stubs, channels[0])


# ------------------------------------------------------------------ SIGTERM
def test_sigterm_with_requests_in_flight(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                        client_binary: pathlib.Path) -> None:
    config = config_text(two_models(data_dir),
                         batching="mode: STEP_LEVEL max_batch_size: 4 max_queue_size: 64 workers: 1 "
                                  "threads_per_worker: 1 max_queue_wait_ms: 600000",
                         extra="drain_grace_seconds: 10")
    process = server_factory(config, name="sigterm", stop_timeout=20)
    with process:
        channels = [process.channel() for _ in range(4)]
        for channel in channels:  # Connected before the calls, so none is late for a slow connect.
            grpc.channel_ready_future(channel).result(timeout=30)
        lms = [stubs.pb_grpc.LanguageModelStub(c) for c in channels]
        translators = [stubs.pb_grpc.TranslatorStub(c) for c in channels]
        barrier = threading.Barrier(21)

        def fire(i: int) -> tuple[grpc.StatusCode, str]:
            barrier.wait(timeout=30)
            if i % 2:
                return generate_status(lms[i % 4], long_generation(stubs, max_tokens=600), timeout=60)
            try:
                translators[i % 4].Translate(stubs.pb.TranslateRequest(
                    texts=["t1 t2 t3 t4 t5 t6 t7 t8"], options=stubs.pb.DecodingOptions(beam_size=4, max_length=600)),
                    timeout=60)
                return OK, ""
            except grpc.RpcError as error:
                return error.code(), error.details() or ""

        with ThreadPoolExecutor(20) as pool:
            futures = [pool.submit(fire, i) for i in range(20)]
            barrier.wait(timeout=30)
            # SIGTERM once sentences wait in the queue (one worker, batches of 4:
            # most of the 20 do), not after a fixed pause: on a loaded machine
            # or in a sanitized build the calls once all arrived after it.
            give_up = time.monotonic() + 30
            while time.monotonic() < give_up and total(
                    parse_prometheus(fetch_metrics(process.metrics_url)[1])[1], "liteformer_queue_depth") == 0:
                time.sleep(0.01)
            process.signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(0.3)
            draining = process.alive()

            # Health during the drain: NOT_SERVING (or the call itself refused).
            health = stubs.health_pb2_grpc.HealthStub(channels[0])
            try:
                status = health.Check(stubs.health_pb2.HealthCheckRequest(), timeout=5).status
                health_seen = stubs.health_pb2.HealthCheckResponse.ServingStatus.Name(status)
            except grpc.RpcError as error:
                health_seen = error.code().name
            # liteformer-client's channel skips NOT_SERVING servers for calls,
            # but its health command must still reach one and say so.
            client_health = subprocess.run([str(client_binary), "health", f"--target={process.address}",
                                            "--deadline=5"], capture_output=True, text=True, timeout=30)
            # New calls after the signal: UNAVAILABLE, on an open channel and a new one.
            late = []
            for channel in (channels[1], process.channel()):
                try:
                    stubs.pb_grpc.TranslatorStub(channel).Translate(
                        stubs.pb.TranslateRequest(texts=["t1 t2"]), timeout=5)
                    late.append(OK)
                except grpc.RpcError as error:
                    late.append(error.code())
            results = [future.result(timeout=60) for future in futures]

        exit_code = process.wait(timeout=max(0.0, 15 - (time.monotonic() - signalled)))
        codes = collections.Counter(code for code, _ in results)
        print(f"sigterm: in flight {dict((c.name, n) for c, n in codes.items())}, late calls "
              f"{[c.name for c in late]}, health while draining {health_seen}, liteformer-client health "
              f"{client_health.stdout.strip() or client_health.stderr.strip()} (still draining: {draining}), "
              f"exit {exit_code} after {time.monotonic() - signalled:.1f} s")
        assert set(codes) <= {OK, UNAVAILABLE}, (codes, results)
        assert codes[OK] >= 1, codes
        assert late == [UNAVAILABLE, UNAVAILABLE], late
        if draining:
            assert health_seen in ("NOT_SERVING", "UNAVAILABLE"), health_seen
            assert client_health.returncode == 1, (client_health.stdout, client_health.stderr)
            assert ("NOT_SERVING" in client_health.stdout
                    or "UNAVAILABLE" in client_health.stderr), (client_health.stdout, client_health.stderr)
        assert exit_code == 0, process.log_tail()


# SIGUSR1 and SIGQUIT would kill the process at once by default; they drain as SIGTERM does.
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGQUIT],
                         ids=["SIGTERM", "SIGINT", "SIGUSR1", "SIGQUIT"])
def test_idle_server_exits_0_on_signal(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                       signum: int) -> None:
    config = config_text(two_models(data_dir), extra="drain_grace_seconds: 10")
    process = server_factory(config, name=f"idle_{signal.Signals(signum).name}", stop_timeout=20)
    with process:
        assert_serving(stubs, process.channel())
        process.signal(signum)
        assert process.wait(timeout=10) == 0, process.log_tail()
        assert f"{signal.Signals(signum).name}: draining" in process.log()


# SIGHUP reloads the tokens file (test_auth.py); without one it changes
# nothing, and the server keeps serving.
def test_sighup_keeps_serving(stubs: Any, server_factory: Any, data_dir: pathlib.Path) -> None:
    config = config_text(two_models(data_dir), extra="drain_grace_seconds: 10")
    process = server_factory(config, name="idle_SIGHUP", stop_timeout=20)
    with process:
        process.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "SIGHUP: no tokens file to reload" not in process.log():
            assert time.monotonic() < deadline, process.log_tail()
            time.sleep(0.05)
        process.assert_alive()
        assert_serving(stubs, process.channel())
        process.signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0, process.log_tail()
        assert "SIGHUP: draining" not in process.log()


# ------------------------------------------------------------------ configuration
@pytest.fixture
def corrupt_model(data_dir: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    target = tmp_path / "corrupt_model"
    shutil.copytree(data_dir / "lsra_dynamic_shared", target)
    weights = target / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    return target


@pytest.fixture
def misspelt_model(data_dir: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    target = tmp_path / "misspelt_model"
    shutil.copytree(data_dir / "lsra_dynamic_shared", target)
    config = json.loads((target / "config.json").read_text())
    config["decoding"]["beam_sise"] = 3
    (target / "config.json").write_text(json.dumps(config))
    return target


# case: (config template, strings stderr must contain). A config problem names
# the config file, a model problem the model's directory (or a file in it).
BAD_CONFIGS = {
    "unknown_field": ('models {{ name: "mt" path: "{mt}" }}\nfrobnicate: 3\n', ["{config}", "frobnicate"]),
    "unknown_nested_field": ('models {{ name: "mt" path: "{mt}" }}\nbatching {{ wokers: 2 }}\n',
                             ["{config}", "wokers"]),
    "bad_enum": ('models {{ name: "mt" path: "{mt}" }}\nbatching {{ mode: SOMETIMES }}\n', ["{config}", "SOMETIMES"]),
    "unparsable": ('models {{ name: "mt" path: \n', ["{config}"]),
    "missing_model_path": ('models {{ name: "mt" path: "/nonexistent/liteformer_model" }}\n',
                           ["/nonexistent/liteformer_model"]),
    "corrupt_model": ('models {{ name: "mt" path: "{corrupt}" }}\n', ["{corrupt}", "model.safetensors"]),
    "unknown_config_json_key": ('models {{ name: "mt" path: "{misspelt}" }}\n', ["{misspelt}", "beam_sise"]),
    # A name clients could not ask for: refused at start, not served unreachable.
    "unrequestable_model_name": ('models {{ name: "my model" path: "{mt}" }}\n',
                                 ["{config}", "'my model'", "byte 0x20 at offset 2"]),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_exits_nonzero_naming_the_problem(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                                     tmp_path: pathlib.Path, corrupt_model: pathlib.Path,
                                                     misspelt_model: pathlib.Path, case: str) -> None:
    template, needles = BAD_CONFIGS[case]
    config = tmp_path / f"{case}.textproto"
    paths = {"mt": data_dir / "lsra_dynamic_shared", "corrupt": corrupt_model, "misspelt": misspelt_model,
             "config": config}
    config.write_text(template.format(**paths))
    result = run_server_expecting_exit(server_binary, config)
    assert result.returncode != 0, f"exit status 0; stderr: {result.stderr[-3000:]}"
    for needle in needles:
        assert needle.format(**paths) in result.stderr, \
            f"{needle.format(**paths)!r} not on stderr:\n{result.stderr[-3000:]}\nstdout:\n{result.stdout[-2000:]}"


def test_missing_config_file(server_binary: pathlib.Path, tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "missing.textproto"
    result = run_server_expecting_exit(server_binary, missing)
    assert result.returncode != 0
    assert str(missing) in result.stderr, result.stderr[-3000:]


def test_models_dir_flag_overrides_config(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                         tmp_path: pathlib.Path) -> None:
    models = tmp_path / "served"
    shutil.copytree(data_dir / "lsra_dynamic_shared", models / "alpha")
    shutil.copytree(data_dir / "lm_tied", models / "beta")
    config = 'models_dir: "/nonexistent/models"\nbatching { workers: 1 threads_per_worker: 1 }\n' \
             "drain_grace_seconds: 5\n"
    with server_factory(config, name="models_dir", extra_args=[f"--models_dir={models}"], stop_timeout=15) as process:
        channel = process.channel()
        listed = stubs.pb_grpc.ModelServiceStub(channel).ListModels(stubs.pb.ListModelsRequest(), timeout=TIMEOUT)
        assert {(m.name, m.task, m.is_default) for m in listed.models} == {
            ("alpha", "translation", True), ("beta", "language_modeling", True)}
        response = stubs.pb_grpc.TranslatorStub(channel).Translate(
            stubs.pb.TranslateRequest(texts=["t1 t2"]), timeout=TIMEOUT)
        assert response.usage.model == "alpha"
        health = stubs.health_pb2_grpc.HealthStub(channel)
        assert health.Check(stubs.health_pb2.HealthCheckRequest(service="model/beta"), timeout=TIMEOUT).status == \
            stubs.health_pb2.HealthCheckResponse.SERVING

"""The address file: the server writes the address a local client dials
(--address_file, or $LITEFORMER_ADDRESS_FILE), and liteformer-client without
--target reads it from the same variable. The image's HEALTHCHECK relies on
this to follow --listen and the config instead of guessing 127.0.0.1:50051."""
from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import time
from typing import Any

import pytest

from server_process import config_text, run_server_expecting_exit

ENV = "LITEFORMER_ADDRESS_FILE"


def one_model_config(data_dir: pathlib.Path, tmp_path: pathlib.Path) -> pathlib.Path:
    config = tmp_path / "server.textproto"
    config.write_text(config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                                  batching="workers: 1 threads_per_worker: 1", extra="drain_grace_seconds: 5"))
    return config


def client(binary: pathlib.Path, address_file: pathlib.Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != ENV}
    if address_file is not None:
        env[ENV] = str(address_file)
    return subprocess.run([str(binary), *args, "--deadline=10"], capture_output=True, text=True, timeout=30,
                          env=env)


def wait_for_file(path: pathlib.Path, process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return path.read_text()
        assert process.poll() is None, f"server exited with {process.returncode}: {process.communicate()[1][-3000:]}"
        time.sleep(0.05)
    raise AssertionError(f"{path} not written within {timeout} s")


@pytest.mark.parametrize("listen", ["0.0.0.0:0", "127.0.0.1:0"])
def test_the_client_follows_the_address_the_server_bound(server_binary: pathlib.Path, client_binary: pathlib.Path,
                                                         data_dir: pathlib.Path, tmp_path: pathlib.Path,
                                                         listen: str) -> None:
    # Port 0: only the server knows where it listens, so only the file can tell.
    address_file = tmp_path / "address"
    env = {**os.environ, ENV: str(address_file)}
    process = subprocess.Popen([str(server_binary), f"--config={one_model_config(data_dir, tmp_path)}",
                                f"--listen={listen}", "--metrics_listen=none"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True, env=env)
    try:
        address = wait_for_file(address_file, process)
        match = re.fullmatch(r"127\.0\.0\.1:(\d+)\n", address)
        assert match and int(match.group(1)) > 0, address
        health = client(client_binary, address_file, "health")
        assert health.returncode == 0 and health.stdout.strip() == "SERVING", health
        models = client(client_binary, address_file, "list-models")
        assert models.returncode == 0 and "mt" in models.stdout, models
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert not address_file.exists(), "a stopped server left its address behind"
        after = client(client_binary, address_file, "health")
        assert after.returncode == 1 and str(address_file) in after.stderr, after
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_the_flag_names_the_file_too(server_factory: Any, client_binary: pathlib.Path, data_dir: pathlib.Path,
                                     tmp_path: pathlib.Path) -> None:
    address_file = tmp_path / "from_flag"
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)], extra="drain_grace_seconds: 5")
    with server_factory(config, name="address_flag", extra_args=[f"--address_file={address_file}"]) as server:
        assert address_file.read_text() == f"{server.address}\n"
        assert client(client_binary, address_file, "health").returncode == 0
    assert not address_file.exists()


def test_without_the_file_the_client_reports_no_server(client_binary: pathlib.Path, tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "never_written"
    result = client(client_binary, missing, "health")
    assert result.returncode == 1, result
    assert str(missing) in result.stderr and ENV in result.stderr, result.stderr


def test_an_unwritable_address_file_stops_the_start_naming_it(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                                              tmp_path: pathlib.Path) -> None:
    path = tmp_path / "no_such_dir" / "address"
    result = run_server_expecting_exit(server_binary, one_model_config(data_dir, tmp_path),
                                       extra_args=[f"--address_file={path}"])
    assert result.returncode != 0
    assert f"cannot write the address file {path}" in result.stderr, result.stderr[-3000:]

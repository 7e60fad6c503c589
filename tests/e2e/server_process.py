"""Starts the real liteformer-server binary for the end-to-end tests.

ServerProcess writes a text-format ServerConfig to a temporary directory, picks
free loopback ports (bind to port 0, close), starts the binary with its stdout
and stderr going to a log file, waits until grpc.health.v1 reports SERVING for
the overall service "", and on exit sends SIGTERM, then SIGKILL after a
timeout. The log's tail is attached to any error it raises (and, through
conftest.py, to the report of any test that fails while it runs).
"""
from __future__ import annotations

import pathlib
import signal
import socket
import subprocess
import time
from typing import Any, Iterable

import grpc

# Every ServerProcess still running, so that conftest.py can show their logs
# when a test fails.
LIVE: list["ServerProcess"] = []


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: pathlib.Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class ServerError(AssertionError):
    pass


class ServerProcess:
    """The real server on free loopback ports.

    with ServerProcess(binary, stubs, tmp_dir, config_text) as server:
        server.channel() / server.address / server.metrics_url
    """

    def __init__(self, binary: pathlib.Path | str, stubs: Any, tmp_dir: pathlib.Path, config: str, *,
                 name: str = "server", metrics: bool = True, extra_args: Iterable[str] = (),
                 startup_timeout: float = 30.0, stop_timeout: float | None = None,
                 credentials: grpc.ChannelCredentials | None = None, port: int = 0) -> None:
        self.binary = pathlib.Path(binary)
        self.stubs = stubs
        self.dir = pathlib.Path(tmp_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.config_text = config
        self.metrics = metrics
        self.extra_args = list(extra_args)
        # A TLS server's channels (and the start-up health check) use these.
        self.credentials = credentials
        self.startup_timeout = startup_timeout
        # SIGTERM -> exit: the configured grace (default 30 s) plus slack.
        self.stop_timeout = stop_timeout if stop_timeout is not None else 35.0
        self.config_path = self.dir / f"{name}.textproto"
        self.log_path = self.dir / f"{name}.log"
        self.port = port  # 0: a free port at each start.
        self.fixed_port = port != 0
        self.metrics_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        self._channels: list[grpc.Channel] = []
        self._log_file = None

    # ----------------------------------------------------------------- addresses
    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def command(self) -> list[str]:
        metrics = f"127.0.0.1:{self.metrics_port}" if self.metrics else "none"
        return [str(self.binary), f"--config={self.config_path}", f"--listen={self.address}",
                f"--metrics_listen={metrics}", *self.extra_args]

    # ----------------------------------------------------------------- life cycle
    def start(self) -> "ServerProcess":
        if not self.binary.exists():
            raise ServerError(f"{self.binary} does not exist (not built yet?)")
        self.config_path.write_text(self.config_text)
        if not self.fixed_port:
            self.port = free_port()
        self.metrics_port = free_port()
        while self.metrics_port == self.port:
            self.metrics_port = free_port()
        self._log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command(), stdout=self._log_file, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        LIVE.append(self)
        try:
            self.wait_serving(self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_serving(self, timeout: float) -> None:
        """Polls Health/Check("") until SERVING; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        last = "port not open"
        # Wait for the port first: a gRPC channel whose first connection is
        # refused backs off for seconds before it tries again.
        while time.monotonic() < deadline and self.process.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    break
            time.sleep(0.02)
        health = self.stubs.health_pb2_grpc.HealthStub(self.channel())
        request = self.stubs.health_pb2.HealthCheckRequest(service="")
        serving = self.stubs.health_pb2.HealthCheckResponse.SERVING
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"{self.name} exited with status {self.process.returncode} before serving\n"
                                  f"command: {' '.join(self.command())}\n--- log tail ---\n{self.log_tail()}")
            try:
                status = health.Check(request, timeout=1.0).status
                if status == serving:
                    return
                last = f"status {status}"
            except grpc.RpcError as error:
                last = f"{error.code().name}: {error.details()}"
            time.sleep(0.05)
        raise ServerError(f"{self.name} not SERVING after {timeout} s (last: {last})\n"
                          f"command: {' '.join(self.command())}\n--- log tail ---\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int = signal.SIGTERM) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        self.returncode = self.process.wait(timeout=timeout)
        return self.returncode

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after stop_timeout. Returns the exit status
        (negative: killed by that signal), None if it never started."""
        for channel in self._channels:
            channel.close()
        self._channels.clear()
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                self.returncode = self.process.returncode
                self._close_log()
                raise ServerError(f"{self.name} still running {self.stop_timeout} s after SIGTERM: killed\n"
                                  f"--- log tail ---\n{self.log_tail()}")
        self.returncode = self.process.returncode
        self._close_log()
        return self.returncode

    def _close_log(self) -> None:
        if self in LIVE:
            LIVE.remove(self)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        code = self.stop()
        if exc_type is None and code not in (0, None):
            raise ServerError(f"{self.name} exited with status {code} after SIGTERM\n"
                              f"--- log tail ---\n{self.log_tail()}")

    # ----------------------------------------------------------------- helpers
    def log_tail(self, lines: int = 60) -> str:
        if self._log_file is not None:
            self._log_file.flush()
        return tail(self.log_path, lines)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def channel(self, options: list[tuple[str, Any]] | None = None) -> grpc.Channel:
        """A new channel to the server (closed when the server stops)."""
        if self.credentials is not None:
            channel = grpc.secure_channel(self.address, self.credentials, options=options)
        else:
            channel = grpc.insecure_channel(self.address, options=options)
        self._channels.append(channel)
        return channel

    def assert_alive(self) -> None:
        if not self.alive():
            raise ServerError(f"{self.name} died (status {self.process.returncode if self.process else None})\n"
                              f"--- log tail ---\n{self.log_tail()}")


def config_text(models: Iterable[tuple[str, pathlib.Path | str, bool]], *, batching: str = "",
                limits: str = "", extra: str = "") -> str:
    """A ServerConfig in text format. models: (name, path, default)."""
    lines = []
    for name, path, default in models:
        flag = " default: true" if default else ""
        lines.append(f'models {{ name: "{name}" path: "{path}"{flag} }}')
    if batching:
        lines.append(f"batching {{ {batching} }}")
    if limits:
        lines.append(f"limits {{ {limits} }}")
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def run_server_expecting_exit(binary: pathlib.Path | str, config_path: pathlib.Path, *,
                              extra_args: Iterable[str] = (), timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Runs the server on free ports and expects it to exit by itself (bad config)."""
    port, metrics_port = free_port(), free_port()
    command = [str(binary), f"--config={config_path}", f"--listen=127.0.0.1:{port}",
               f"--metrics_listen=127.0.0.1:{metrics_port}", *extra_args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate(timeout=10)
        raise ServerError(f"{command} did not exit within {timeout} s on a bad config\n"
                          f"--- stderr ---\n{stderr[-4000:]}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def refused_start_output(binary: pathlib.Path | str, tmp_path: pathlib.Path, model: pathlib.Path,
                         extra: str) -> str:
    """Starts the server on one model with `extra` in its config, expects it
    to refuse the config and exit non-zero, and returns what it printed."""
    path = tmp_path / "refused.textproto"
    path.write_text(config_text([("mt", model, True)], extra=extra))
    result = run_server_expecting_exit(binary, path)
    assert result.returncode != 0, f"the server accepted {extra!r}"
    return result.stderr + result.stdout

"""Idle HTTP/2 connections are closed (config `connections`): a client that
opens a connection and sends no call gets a GOAWAY after max_idle_seconds,
where before 200 idle connections were still open after 330 s."""
from __future__ import annotations

import pathlib
import socket
import struct
import time
from typing import Any

from server_process import config_text, refused_start_output

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS = 0x4
GOAWAY = 0x7


def frame(kind: int, flags: int = 0, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", 0) + payload


def read_frames_until_goaway(sock: socket.socket, timeout: float) -> tuple[bool, float]:
    """Reads HTTP/2 frames (acking the server's SETTINGS) until a GOAWAY, the
    end of the stream or `timeout`; -> (GOAWAY seen, seconds taken)."""
    start = time.monotonic()
    buffer = b""
    while time.monotonic() - start < timeout:
        sock.settimeout(max(0.05, timeout - (time.monotonic() - start)))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        buffer += data
        while len(buffer) >= 9:
            length = int.from_bytes(buffer[:3], "big")
            if len(buffer) < 9 + length:
                break
            kind, flags = buffer[3], buffer[4]
            buffer = buffer[9 + length:]
            if kind == GOAWAY:
                return True, time.monotonic() - start
            if kind == SETTINGS and not flags & 0x1:
                sock.sendall(frame(SETTINGS, 0x1))  # ACK
    return False, time.monotonic() - start


def test_an_idle_connection_gets_goaway_after_max_idle(server_factory: Any, data_dir: pathlib.Path) -> None:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                         extra="drain_grace_seconds: 5\nconnections { max_idle_seconds: 1 }")
    with server_factory(config, name="idle_connections") as server:
        idle = []
        for _ in range(3):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(PREFACE + frame(SETTINGS))
            idle.append(sock)
        try:
            for sock in idle:
                seen, seconds = read_frames_until_goaway(sock, timeout=15)
                assert seen, f"no GOAWAY within {seconds:.1f} s"
                assert seconds < 5, seconds
        finally:
            for sock in idle:
                sock.close()


def test_an_out_of_range_setting_stops_the_start(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                                 tmp_path: pathlib.Path) -> None:
    output = refused_start_output(server_binary, tmp_path, data_dir / "lsra_dynamic_shared",
                                  "connections { keepalive_time_seconds: 20000000 }")
    assert "liteformer.v1.ConnectionsConfig.keepalive_time_seconds = 20000000 is out of range" in output, \
        output[-2000:]

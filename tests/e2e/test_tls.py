"""TLS and mutual TLS of the gRPC port (--tls_cert_file, --tls_key_file,
--tls_client_ca_file, or tls { } in the config): plain text refused, the
right CA accepted, client certificates checked, certificates rotated without
a restart, bad files refused at start-up. Certificates come from certs.py."""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time
from typing import Any

import grpc
import pytest

from certs import Pair, make_ca, make_leaf
from server_process import config_text, run_server_expecting_exit

# The server re-reads its certificate files this often (server_credentials.h).
REFRESH_SECONDS = 2


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pair]:
    directory = tmp_path_factory.mktemp("pki")
    ca, other_ca = make_ca(directory, "ca"), make_ca(directory, "other-ca")
    return {
        "ca": ca,
        "other_ca": other_ca,
        "server": make_leaf(ca, directory, "server", server=True),
        "client": make_leaf(ca, directory, "client", server=False),
        "stranger": make_leaf(other_ca, directory, "stranger", server=False),
    }


def one_model(data_dir: pathlib.Path, extra: str = "") -> str:
    return config_text([("mt", data_dir / "lsra_dynamic_shared", True)],
                       batching="workers: 1 threads_per_worker: 1", extra="drain_grace_seconds: 5\n" + extra)


def credentials(ca: Pair, client: Pair | None = None) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=ca.cert.read_bytes(),
        private_key=client.key.read_bytes() if client else None,
        certificate_chain=client.cert.read_bytes() if client else None)


def list_models(stubs: Any, channel: grpc.Channel) -> list[str]:
    response = stubs.pb_grpc.ModelServiceStub(channel).ListModels(stubs.pb.ListModelsRequest(), timeout=5)
    return [model.name for model in response.models]


def health_error(stubs: Any, channel: grpc.Channel) -> grpc.RpcError:
    stub = stubs.health_pb2_grpc.HealthStub(channel)
    with pytest.raises(grpc.RpcError) as raised:
        stub.Check(stubs.health_pb2.HealthCheckRequest(service=""), timeout=3)
    return raised.value


def secure_channel(server: Any, creds: grpc.ChannelCredentials) -> grpc.Channel:
    channel = grpc.secure_channel(server.address, creds)
    server._channels.append(channel)
    return channel


def client_run(binary: pathlib.Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(binary), *args, "--deadline=10"], capture_output=True, text=True, timeout=60)


def test_tls_server(stubs: Any, server_factory: Any, data_dir: pathlib.Path, client_binary: pathlib.Path,
                    pki: dict[str, Pair]) -> None:
    # Flags; the config's tls { } is covered by the mutual TLS test.
    server = server_factory(one_model(data_dir), name="tls", credentials=credentials(pki["ca"]),
                            extra_args=[f"--tls_cert_file={pki['server'].cert}",
                                        f"--tls_key_file={pki['server'].key}"])
    with server:
        assert list_models(stubs, server.channel()) == ["mt"]
        assert "(gRPC TLS," in server.log()
        # A plain-text client cannot talk to it.
        plain = grpc.insecure_channel(server.address)
        server._channels.append(plain)
        assert health_error(stubs, plain).code() == grpc.StatusCode.UNAVAILABLE
        # Nor one that trusts another CA.
        assert health_error(stubs, secure_channel(server, credentials(pki["other_ca"]))).code() == \
            grpc.StatusCode.UNAVAILABLE
        # liteformer-client with the CA; by name through --server_name too.
        result = client_run(client_binary, "translate", f"--target={server.address}", "--tls",
                            f"--ca_file={pki['ca'].cert}", "t1 t2 t3")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()
        result = client_run(client_binary, "list-models", f"--target={server.address}", "--tls",
                            f"--ca_file={pki['ca'].cert}", "--server_name=localhost")
        assert result.returncode == 0 and "mt" in result.stdout, result.stderr
        # Without --tls, or with a CA that did not sign it: a failed RPC.
        result = client_run(client_binary, "list-models", f"--target={server.address}")
        assert result.returncode == 1, (result.stdout, result.stderr)
        result = client_run(client_binary, "list-models", f"--target={server.address}", "--tls",
                            f"--ca_file={pki['other_ca'].cert}")
        assert result.returncode == 1, (result.stdout, result.stderr)


def test_mutual_tls_server(stubs: Any, server_factory: Any, data_dir: pathlib.Path, client_binary: pathlib.Path,
                           load_binary: pathlib.Path, pki: dict[str, Pair], tmp_path: pathlib.Path) -> None:
    tls = (f'tls {{ cert_file: "{pki["server"].cert}" key_file: "{pki["server"].key}" '
           f'client_ca_file: "{pki["ca"].cert}" }}')
    server = server_factory(one_model(data_dir, tls), name="mtls",
                            credentials=credentials(pki["ca"], pki["client"]))
    with server:
        assert list_models(stubs, server.channel()) == ["mt"]
        assert "(gRPC mutual TLS," in server.log()
        # No client certificate, or one from another CA: refused in the handshake.
        for creds in (credentials(pki["ca"]), credentials(pki["ca"], pki["stranger"])):
            assert health_error(stubs, secure_channel(server, creds)).code() == grpc.StatusCode.UNAVAILABLE
        tls_flags = ["--tls", f"--ca_file={pki['ca'].cert}"]
        result = client_run(client_binary, "list-models", f"--target={server.address}", *tls_flags)
        assert result.returncode == 1, (result.stdout, result.stderr)
        client_flags = [*tls_flags, f"--cert_file={pki['client'].cert}", f"--key_file={pki['client'].key}"]
        result = client_run(client_binary, "list-models", f"--target={server.address}", *client_flags)
        assert result.returncode == 0 and "mt" in result.stdout, result.stderr
        texts = tmp_path / "texts.txt"
        texts.write_text("t1 t2 t3\nt5 t6\n")
        result = subprocess.run([str(load_binary), f"--target={server.address}", "--method=translate",
                                 f"--input={texts}", "--requests=4", *client_flags, "--fail_on_error"],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]


def test_certificate_rotation_needs_no_restart(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                               pki: dict[str, Pair], tmp_path: pathlib.Path) -> None:
    live = Pair(tmp_path / "live.pem", tmp_path / "live.key")
    shutil.copy(pki["server"].cert, live.cert)
    shutil.copy(pki["server"].key, live.key)
    server = server_factory(one_model(data_dir), name="rotation", credentials=credentials(pki["ca"]),
                            extra_args=[f"--tls_cert_file={live.cert}", f"--tls_key_file={live.key}"])
    with server:
        assert list_models(stubs, server.channel()) == ["mt"]
        new_ca = make_ca(tmp_path / "new", "new-ca")
        new_server = make_leaf(new_ca, tmp_path / "new", "new-server", server=True)
        assert health_error(stubs, secure_channel(server, credentials(new_ca))).code() == \
            grpc.StatusCode.UNAVAILABLE
        # Each file replaced at once (rename), so the watcher never reads half of one.
        for source, target in ((new_server.key, live.key), (new_server.cert, live.cert)):
            staged = target.with_suffix(".new")
            shutil.copy(source, staged)
            os.replace(staged, target)
        deadline = time.monotonic() + 3 * REFRESH_SECONDS + 5
        while True:
            try:
                assert list_models(stubs, secure_channel(server, credentials(new_ca))) == ["mt"]
                break
            except grpc.RpcError:
                assert time.monotonic() < deadline, "the new certificate was not served"
                time.sleep(0.5)
        # The old CA's clients are now refused: the old certificate is gone.
        assert health_error(stubs, secure_channel(server, credentials(pki["ca"]))).code() == \
            grpc.StatusCode.UNAVAILABLE
        server.assert_alive()


BAD_TLS = {
    "cert_without_key": (lambda p, g: [f"--tls_cert_file={p['server'].cert}"], ["tls_key_file"]),
    "key_without_cert": (lambda p, g: [f"--tls_key_file={p['server'].key}"], ["tls_cert_file"]),
    "ca_without_cert": (lambda p, g: [f"--tls_client_ca_file={p['ca'].cert}"], ["certificate and key"]),
    "missing_cert": (lambda p, g: ["--tls_cert_file=/nonexistent/server.pem", f"--tls_key_file={p['server'].key}"],
                     ["/nonexistent/server.pem"]),
    "invalid_cert": (lambda p, g: [f"--tls_cert_file={g}", f"--tls_key_file={p['server'].key}"],
                     ["{garbage}", "not a PEM certificate"]),
    "invalid_key": (lambda p, g: [f"--tls_cert_file={p['server'].cert}", f"--tls_key_file={g}"],
                    ["{garbage}", "not a PEM private key"]),
    "key_of_another_cert": (lambda p, g: [f"--tls_cert_file={p['server'].cert}", f"--tls_key_file={p['client'].key}"],
                            ["is not the key of the certificate"]),
    "invalid_client_ca": (lambda p, g: [f"--tls_cert_file={p['server'].cert}", f"--tls_key_file={p['server'].key}",
                                        f"--tls_client_ca_file={g}"], ["{garbage}", "client CA"]),
}


@pytest.mark.parametrize("case", sorted(BAD_TLS))
def test_bad_tls_files_stop_the_start_up(server_binary: pathlib.Path, data_dir: pathlib.Path,
                                         pki: dict[str, Pair], tmp_path: pathlib.Path, case: str) -> None:
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n")
    config = tmp_path / "server.textproto"
    config.write_text(one_model(data_dir))
    args, expected = BAD_TLS[case]
    result = run_server_expecting_exit(server_binary, config, extra_args=args(pki, garbage))
    assert result.returncode != 0
    for text in expected:
        assert text.format(garbage=garbage) in result.stderr, result.stderr


def test_flags_override_the_config(stubs: Any, server_factory: Any, data_dir: pathlib.Path,
                                   pki: dict[str, Pair]) -> None:
    # The config's files do not exist: only the flags' can have been used.
    tls = 'tls { cert_file: "/nonexistent/server.pem" key_file: "/nonexistent/server.key" }'
    server = server_factory(one_model(data_dir, tls), name="tls_override", credentials=credentials(pki["ca"]),
                            extra_args=[f"--tls_cert_file={pki['server'].cert}",
                                        f"--tls_key_file={pki['server'].key}"])
    with server:
        assert list_models(stubs, server.channel()) == ["mt"]


# Usage errors of both clients' TLS and token flags: exit 2 before any RPC.
BAD_CLIENT_FLAGS = {
    "ca_without_tls": (["--ca_file={ca}"], "--ca_file needs --tls"),
    "cert_without_tls": (["--cert_file={cert}", "--key_file={key}"], "--cert_file needs --tls"),
    "server_name_without_tls": (["--server_name=localhost"], "--server_name needs --tls"),
    "cert_without_key": (["--tls", "--cert_file={cert}"], "--cert_file needs --key_file"),
    "key_without_cert": (["--tls", "--key_file={key}"], "--key_file needs --cert_file"),
    "unreadable_ca": (["--tls", "--ca_file=/nonexistent/ca.pem"], "--ca_file: cannot read /nonexistent/ca.pem"),
    "token_with_space": (["--token=two words"], "printable ASCII without spaces"),
}


@pytest.mark.parametrize("binary_name", ["client", "load"])
@pytest.mark.parametrize("case", sorted(BAD_CLIENT_FLAGS))
def test_bad_client_security_flags(client_binary: pathlib.Path, load_binary: pathlib.Path, pki: dict[str, Pair],
                                   tmp_path: pathlib.Path, binary_name: str, case: str) -> None:
    flags, message = BAD_CLIENT_FLAGS[case]
    flags = [f.format(ca=pki["ca"].cert, cert=pki["client"].cert, key=pki["client"].key) for f in flags]
    texts = tmp_path / "texts.txt"
    texts.write_text("t1 t2\n")
    if binary_name == "client":
        command = [str(client_binary), "list-models", "--target=127.0.0.1:1", *flags]
    else:
        command = [str(load_binary), "--target=127.0.0.1:1", f"--input={texts}", "--requests=1", *flags]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr, result.stderr


def test_tls_with_tokens(stubs: Any, server_factory: Any, data_dir: pathlib.Path, client_binary: pathlib.Path,
                         pki: dict[str, Pair], tmp_path: pathlib.Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("alice secret-a\n")
    server = server_factory(one_model(data_dir), name="tls_tokens", credentials=credentials(pki["ca"]),
                            extra_args=[f"--tls_cert_file={pki['server'].cert}", f"--tls_key_file={pki['server'].key}",
                                        f"--auth_tokens_file={tokens}"])
    with server:
        flags = ["list-models", f"--target={server.address}", "--tls", f"--ca_file={pki['ca'].cert}"]
        refused = client_run(client_binary, *flags)
        assert refused.returncode == 1 and "UNAUTHENTICATED" in refused.stderr, refused.stderr
        accepted = client_run(client_binary, *flags, "--token=secret-a")
        assert accepted.returncode == 0 and "mt" in accepted.stdout, accepted.stderr

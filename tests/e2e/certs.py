"""Test certificates, made at test time with Debian's openssl CLI (none are
committed): CAs, and leaf certificates they sign for a server
(localhost / 127.0.0.1 in subjectAltName) or a client."""
from __future__ import annotations

import dataclasses
import pathlib
import subprocess


@dataclasses.dataclass
class Pair:
    cert: pathlib.Path
    key: pathlib.Path


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"openssl {' '.join(args)}: {result.stderr}"


_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def make_ca(directory: pathlib.Path, name: str) -> Pair:
    directory.mkdir(parents=True, exist_ok=True)
    pair = Pair(directory / f"{name}.pem", directory / f"{name}.key")
    _openssl("req", "-x509", *_EC_KEY, "-keyout", str(pair.key), "-out", str(pair.cert), "-days", "2",
             "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return pair


def make_leaf(ca: Pair, directory: pathlib.Path, name: str, *, server: bool) -> Pair:
    """A certificate `ca` signs: a server's (serverAuth, for localhost and
    127.0.0.1) or a client's (clientAuth)."""
    pair = Pair(directory / f"{name}.pem", directory / f"{name}.key")
    csr = directory / f"{name}.csr"
    extensions = directory / f"{name}.ext"
    lines = ["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment"]
    if server:
        lines += ["extendedKeyUsage=serverAuth", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    else:
        lines += ["extendedKeyUsage=clientAuth", f"subjectAltName=DNS:{name}"]
    extensions.write_text("\n".join(lines) + "\n")
    _openssl("req", "-new", *_EC_KEY, "-keyout", str(pair.key), "-out", str(csr),
             "-subj", f"/CN={'localhost' if server else name}")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial",
             "-out", str(pair.cert), "-days", "2", "-extfile", str(extensions))
    return pair

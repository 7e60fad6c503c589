"""Checks the TLS-and-tokens deployment variants against the base files:
deploy/k8s-secure (a kustomize overlay of deploy/k8s) and
deploy/docker-compose.secure.yaml (an override of deploy/docker-compose.yaml).
Each mounts the key material from a Secret (never from the repository),
passes the server the flags that read it from where it is mounted, and
probes health over TLS with the mounted CA."""
from __future__ import annotations

import pathlib
import subprocess
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAY = DEPLOY / "k8s-secure"
SECURE_COMPOSE = DEPLOY / "docker-compose.secure.yaml"
FILE_FLAGS = ("--tls_cert_file", "--tls_key_file", "--auth_tokens_file")


def flag_values(args: list[str]) -> dict[str, str]:
    return dict(arg.split("=", 1) for arg in args if arg.startswith("--") and "=" in arg)


def base_container() -> dict[str, Any]:
    (deployment,) = [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "deployment.yaml").read_text())
                     if doc and doc["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


def overlay_patch() -> dict[str, Any]:
    return yaml.safe_load((OVERLAY / "deployment-secrets.yaml").read_text())


def test_overlay_builds_on_the_base_and_patches_its_deployment() -> None:
    kustomization = yaml.safe_load((OVERLAY / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["../k8s"]
    patches = [entry["path"] for entry in kustomization["patches"]]
    assert patches == ["deployment-secrets.yaml"]
    patch = overlay_patch()
    assert patch["kind"] == "Deployment" and patch["metadata"]["name"] == "liteformer"
    (container,) = patch["spec"]["template"]["spec"]["containers"]
    assert container["name"] == base_container()["name"]
    # Nothing else in the directory: no key, certificate or token is committed.
    assert sorted(p.name for p in OVERLAY.iterdir()) == ["deployment-secrets.yaml", "kustomization.yaml"]


def test_overlay_flags_read_files_from_the_mounted_secrets() -> None:
    spec = overlay_patch()["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    base_args = base_container()["args"]
    assert container["args"][: len(base_args)] == base_args, "the base's args come first, unchanged"
    flags = flag_values(container["args"])
    secrets = {volume["name"]: volume["secret"]["secretName"] for volume in spec["volumes"]}
    assert secrets == {"tls": "liteformer-tls", "tokens": "liteformer-tokens"}
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert all(mount.get("readOnly") for mount in container["volumeMounts"])
    assert flags["--tls_cert_file"] == f"{mounts['tls']}/tls.crt"
    assert flags["--tls_key_file"] == f"{mounts['tls']}/tls.key"
    assert flags["--auth_tokens_file"] == f"{mounts['tokens']}/tokens.txt"
    # The server's user reads the files through its group.
    assert spec["securityContext"]["fsGroup"] == base_container()["securityContext"]["runAsUser"]
    # A mount inside the config's ConfigMap volume would be written into it.
    assert not any(path.startswith("/etc/liteformer/") for path in mounts.values())


def test_overlay_probes_speak_tls_with_the_mounted_ca() -> None:
    (container,) = overlay_patch()["spec"]["template"]["spec"]["containers"]
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert probe in base_container(), probe
        assert container[probe]["grpc"] is None, f"{probe}: the native gRPC probe cannot speak TLS"
        command = container[probe]["exec"]["command"]
        assert command[:3] == ["liteformer-client", "health", "--deadline=2"], command
        assert "--tls" in command
        assert flag_values(command)["--ca_file"] == f"{mounts['tls']}/ca.crt"


def test_compose_override_mounts_secrets_and_checks_health_over_tls() -> None:
    base = yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())["services"]
    override = yaml.safe_load(SECURE_COMPOSE.read_text())
    assert override["services"].keys() == base.keys()
    service = next(iter(override["services"].values()))
    base_command = next(iter(base.values()))["command"]
    assert service["command"][: len(base_command)] == base_command
    flags = flag_values(service["command"])
    targets = {secret["target"]: secret["source"] for secret in service["secrets"]}
    for flag, target in zip(FILE_FLAGS, ("tls.crt", "tls.key", "tokens.txt")):
        assert flags[flag] == f"/run/secrets/{target}", flag
    assert "ca.crt" in targets
    for source in targets.values():
        path = override["secrets"][source]["file"]
        assert path.startswith("./secrets/"), path
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "liteformer-client", "health"] and "--tls" in test
    assert flag_values(test)["--ca_file"] == "/run/secrets/ca.crt"


def test_the_secrets_directory_stays_out_of_git_and_the_image() -> None:
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "deploy/secrets/tls.key"])
    assert ignored.returncode == 0, "deploy/secrets/ is not git-ignored"
    patterns = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert "deploy/secrets" in patterns

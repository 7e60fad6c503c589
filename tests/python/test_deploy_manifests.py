"""Checks the deployment files against each other and against the server config.

Dockerfile, .dockerignore, deploy/k8s/*.yaml (applied with `kubectl apply -k`),
deploy/docker-compose.yaml and deploy/k8s/server.pbtxt (the config the image
and the ConfigMap carry) must agree: probes on the gRPC port, grace periods
longer than the server's drain grace, the same ports everywhere, resources,
non-root, selectors, and an image built from Debian packages only.
"""
from __future__ import annotations

import pathlib
import re
import shlex
import shutil
import subprocess
from typing import Any

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
CONFIG = K8S / "server.pbtxt"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = DEPLOY / "docker-compose.yaml"

# In debian:bookworm-slim already (and needed by apt itself).
BASE_IMAGE_PACKAGES = {"libc6", "libstdc++6", "libgcc-s1"}


# --- the server config --------------------------------------------------------


def config_text() -> str:
    """The config without comments."""
    return "\n".join(line.split("#", 1)[0] for line in CONFIG.read_text().splitlines())


def config_scalar(field: str) -> str:
    match = re.search(rf'^{field}:\s*"?([^"\s]+)"?\s*$', config_text(), re.MULTILINE)
    assert match, f"{CONFIG.name} sets no top-level {field}"
    return match.group(1)


def drain_grace_seconds() -> int:
    return int(config_scalar("drain_grace_seconds"))


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def grpc_port() -> int:
    return port_of(config_scalar("listen"))


def metrics_port() -> int:
    return port_of(config_scalar("metrics_listen"))


# --- the manifests ------------------------------------------------------------


def k8s_files() -> list[pathlib.Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path: pathlib.Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def objects() -> list[dict[str, Any]]:
    return [doc for path in k8s_files() for doc in load_docs(path)]


def one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objects() if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def deployment() -> dict[str, Any]:
    return one("Deployment")


def pod_spec() -> dict[str, Any]:
    return deployment()["spec"]["template"]["spec"]


def containers() -> list[dict[str, Any]]:
    found = pod_spec()["containers"]
    assert found, "the Deployment has no containers"
    return found


def named_ports(container: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


def pod_labels() -> dict[str, str]:
    return deployment()["spec"]["template"]["metadata"]["labels"]


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def compose_service() -> dict[str, Any]:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert len(services) == 1, "deploy/docker-compose.yaml: expected one service"
    return next(iter(services.values()))


def duration_seconds(value: str | int | float) -> float:
    """A compose duration: 30s, 1m30s, 1h, 500ms (a bare number is seconds)."""
    if isinstance(value, (int, float)):
        return float(value)
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    assert parts and "".join(n + u for n, u in parts) == value, f"not a duration: {value!r}"
    scale = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6}
    return sum(float(n) * scale[u] for n, u in parts)


def prestop_sleep_seconds(container: dict[str, Any]) -> float:
    pre_stop = container.get("lifecycle", {}).get("preStop")
    assert pre_stop, f"container {container['name']}: no lifecycle.preStop hook"
    if "sleep" in pre_stop:  # the native sleep action (Kubernetes >= 1.29)
        return float(pre_stop["sleep"]["seconds"])
    command = pre_stop["exec"]["command"]
    if len(command) == 2 and pathlib.PurePath(command[0]).name == "sleep":
        return float(command[1])
    return 0.0


# --- the Dockerfile -----------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "Dockerfile ends with a continuation line"
    return instructions


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The stages, each starting with its FROM."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "FROM":
            stages.append([])
        assert stages, f"{keyword} before the first FROM"
        stages[-1].append((keyword, rest))
    assert len(stages) >= 2, "the Dockerfile should have a build and a runtime stage"
    return stages


def from_image(stage: list[tuple[str, str]]) -> str:
    return [w for w in stage[0][1].split() if not w.startswith("--")][0]


def runtime_packages() -> list[str]:
    packages = []
    for keyword, rest in dockerfile_stages()[-1]:
        if keyword != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", rest):
            words = shlex.split(command)
            if "apt-get" in words and "install" in words:
                assert "--no-install-recommends" in words, f"apt-get install without --no-install-recommends: {command}"
                after = words[words.index("install") + 1 :]
                packages += [w for w in after if not w.startswith("-")]
    return packages


def exposed_ports() -> set[int]:
    ports = set()
    for keyword, rest in dockerfile_stages()[-1]:
        if keyword == "EXPOSE":
            ports |= {int(p.split("/")[0]) for p in rest.split()}
    return ports


# --- tests: the config --------------------------------------------------------


def test_config_is_a_valid_server_config(tmp_path: pathlib.Path) -> None:
    protoc = shutil.which("protoc")
    if protoc is None:
        pytest.skip("protoc is not installed")
    from google.protobuf import descriptor_pb2, descriptor_pool, text_format

    try:
        from google.protobuf import message_factory

        get_class = message_factory.GetMessageClass  # protobuf >= 4.21
    except (ImportError, AttributeError):  # pragma: no cover - older python3-protobuf
        get_class = lambda d: message_factory.MessageFactory().GetPrototype(d)  # noqa: E731

    descriptors = tmp_path / "config.desc"
    subprocess.run(
        [protoc, f"-I{ROOT / 'proto'}", f"--descriptor_set_out={descriptors}", "liteformer/v1/config.proto"],
        check=True,
    )
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    config = get_class(pool.FindMessageTypeByName("liteformer.v1.ServerConfig"))()
    text_format.Parse(CONFIG.read_text(), config)
    assert config.drain_grace_seconds == drain_grace_seconds()
    assert port_of(config.listen) == grpc_port()
    assert port_of(config.metrics_listen) == metrics_port()


def test_config_has_one_copy() -> None:
    # deploy/server.pbtxt (scripts/run.sh's example) is the same file.
    alias = DEPLOY / "server.pbtxt"
    if alias.exists():
        assert alias.resolve() == CONFIG.resolve()
    assert not (K8S / "configmap.yaml").exists(), "the ConfigMap is generated from server.pbtxt"


# --- tests: Kubernetes ---------------------------------------------------------


def test_every_manifest_parses() -> None:
    for path in k8s_files():
        docs = load_docs(path)
        assert docs, f"{path.name} is empty"
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), path.name
    assert {o["kind"] for o in objects()} >= {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }


def test_probes_are_grpc_health_on_the_grpc_port() -> None:
    for c in containers():
        assert named_ports(c).get("grpc") == grpc_port(), c["name"]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert probe in c, f"container {c['name']}: no {probe}"
            grpc = c[probe].get("grpc")
            assert grpc is not None, f"{c['name']} {probe}: not a native gRPC probe"
            assert grpc["port"] == grpc_port(), f"{c['name']} {probe}: port {grpc['port']}"
            assert grpc.get("service", "") == "", f"{c['name']} {probe}: the server's overall health is service ''"


def test_startup_probe_covers_model_loading() -> None:
    for c in containers():
        startup = c["startupProbe"]
        budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
        assert budget >= 120, f"{c['name']}: startup probe gives model loading only {budget}s"


def test_termination_grace_exceeds_prestop_and_drain() -> None:
    grace = pod_spec().get("terminationGracePeriodSeconds", 30)
    for c in containers():
        needed = prestop_sleep_seconds(c) + drain_grace_seconds()
        assert grace > needed, f"terminationGracePeriodSeconds {grace} <= preStop + drain grace ({needed})"


def test_prestop_hook_waits_for_endpoints() -> None:
    for c in containers():
        assert prestop_sleep_seconds(c) >= 2, f"{c['name']}: preStop should sleep a few seconds"


def test_container_ports_match_config_and_dockerfile() -> None:
    expected = {"grpc": grpc_port(), "metrics": metrics_port()}
    for c in containers():
        assert named_ports(c) == expected, c["name"]
    assert exposed_ports() == set(expected.values())
    annotations = deployment()["spec"]["template"]["metadata"].get("annotations", {})
    assert annotations.get("prometheus.io/scrape") == "true"
    assert int(annotations.get("prometheus.io/port", 0)) == metrics_port()


def test_resources_requests_and_limits() -> None:
    for c in containers():
        resources = c.get("resources", {})
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                assert resource in resources.get(kind, {}), f"{c['name']}: no {kind}.{resource}"


def test_runs_as_non_root() -> None:
    pod_context = pod_spec().get("securityContext", {})
    for c in containers():
        context = {**pod_context, **c.get("securityContext", {})}
        assert context.get("runAsNonRoot") is True, c["name"]
        assert context.get("runAsUser", 0) != 0, c["name"]
        assert context.get("allowPrivilegeEscalation") is False, c["name"]
        assert context.get("readOnlyRootFilesystem") is True, c["name"]
    users = [rest for keyword, rest in dockerfile_stages()[-1] if keyword == "USER"]
    assert users, "the runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"USER {users[-1]}"
    if user.isdigit():
        assert all(
            c.get("securityContext", {}).get("runAsUser", pod_context.get("runAsUser")) == int(user)
            for c in containers()
        ), "runAsUser differs from the image's USER"


def test_config_volume_is_the_generated_configmap() -> None:
    generators = {g["name"]: g for g in kustomization().get("configMapGenerator", [])}
    volumes = {v["name"]: v for v in pod_spec().get("volumes", [])}
    for c in containers():
        args = c.get("args", [])
        config_args = [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
        assert len(config_args) == 1, f"{c['name']}: expected one --config=FILE"
        config_path = pathlib.PurePosixPath(config_args[0])
        mounts = [m for m in c.get("volumeMounts", []) if pathlib.PurePosixPath(m["mountPath"]) == config_path.parent]
        assert len(mounts) == 1, f"{c['name']}: nothing mounted at {config_path.parent}"
        volume = volumes[mounts[0]["name"]]
        generator = generators[volume["configMap"]["name"]]
        assert config_path.name in [pathlib.PurePath(f.split("=")[-1]).name for f in generator["files"]]
    # The image's default config is the same file at the same path.
    copies = [rest.split() for keyword, rest in dockerfile_stages()[-1] if keyword == "COPY"]
    assert ["deploy/k8s/server.pbtxt", str(config_path)] in copies


def test_services_select_the_pods_and_target_named_ports() -> None:
    labels = pod_labels()
    services = [o for o in objects() if o["kind"] == "Service"]
    assert len(services) == 2
    for service in services:
        name = service["metadata"]["name"]
        selector = service["spec"]["selector"]
        assert selector and selector.items() <= labels.items(), f"Service {name} does not select the pods"
        for port in service["spec"]["ports"]:
            assert isinstance(port["targetPort"], str), f"Service {name}: target the named port"
            assert port["targetPort"] in named_ports(containers()[0]), f"Service {name}: {port['targetPort']}"
    cluster_ip = one("Service", "liteformer")
    assert cluster_ip["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert {p["targetPort"] for p in cluster_ip["spec"]["ports"]} == {"grpc", "metrics"}


def test_headless_service_for_client_side_balancing() -> None:
    headless = one("Service", "liteformer-headless")
    assert headless["spec"]["clusterIP"] == "None"
    assert [p["targetPort"] for p in headless["spec"]["ports"]] == ["grpc"]
    # Only ready pods may be resolved: draining ones must drop out of DNS.
    assert not headless["spec"].get("publishNotReadyAddresses", False)


def test_hpa_targets_the_deployment_on_cpu() -> None:
    hpa = one("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        deployment()["metadata"]["name"],
    )
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"] if m["type"] == "Resource"] == ["cpu"]
    assert 1 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"]
    # The HPA owns the replica count; a fixed one would be reset by every apply.
    assert "replicas" not in deployment()["spec"]


def test_pdb_selects_the_pods() -> None:
    pdb = one("PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels().items()
    assert deployment()["spec"]["selector"]["matchLabels"].items() <= pod_labels().items()
    # minAvailable 1 leaves room to evict only with two or more replicas.
    assert one("HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2


def test_kustomization_lists_every_manifest() -> None:
    k = kustomization()
    resources = k.get("resources", [])
    assert sorted(resources) == sorted(p.name for p in k8s_files())
    generated = [f.split("=")[-1] for g in k.get("configMapGenerator", []) for f in g.get("files", [])]
    assert generated == ["server.pbtxt"]
    listed = set(resources) | set(generated) | {"kustomization.yaml"}
    stray = [p.name for p in K8S.iterdir() if p.name not in listed]
    assert not stray, f"deploy/k8s files not in kustomization.yaml: {stray}"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (optional)")
def test_kustomize_renders() -> None:
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(K8S)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    configmap = [d for d in docs if d["kind"] == "ConfigMap"]
    assert len(configmap) == 1 and configmap[0]["data"]["server.pbtxt"] == CONFIG.read_text()
    (rendered_deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    volume_names = [
        v["configMap"]["name"] for v in rendered_deployment["spec"]["template"]["spec"]["volumes"] if "configMap" in v
    ]
    assert volume_names == [configmap[0]["metadata"]["name"]]


# --- tests: docker compose -----------------------------------------------------


def test_compose_service() -> None:
    service = compose_service()
    assert duration_seconds(service["stop_grace_period"]) > drain_grace_seconds()
    assert service.get("stop_signal", "SIGTERM") == "SIGTERM"
    assert service["build"]["dockerfile"] == "Dockerfile"
    assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == DOCKERFILE
    published = {int(str(p).split(":")[-1].split("/")[0]) for p in service["ports"]}
    assert published == {grpc_port(), metrics_port()}
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "liteformer-client", "health"]
    # No fixed address: the client dials what the server wrote to $LITEFORMER_ADDRESS_FILE (the image's ENV).
    assert not [word for word in test if word.startswith("--target")], test
    for volume in service.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (COMPOSE.parent / source).resolve().exists(), volume


# --- tests: the Dockerfile ----------------------------------------------------


def test_dockerfile_build_stage_is_the_setup_script_plus_a_build() -> None:
    build = dockerfile_stages()[0]
    assert from_image(build) == "debian:bookworm"
    runs = [rest for keyword, rest in build if keyword == "RUN"]
    # The set-up script's build-only set: the image's build stage needs no PyTorch or test packages.
    assert runs[0] == "bash scripts/install-deps.sh --build-only"
    assert len(runs) == 2, "the build stage runs the set-up script and the build, nothing else"
    words = shlex.split(runs[1])
    assert words[:2] == ["cmake", "-S"]
    for flag in (
        "-DCMAKE_BUILD_TYPE=Release",
        "-DLITEFORMER_MARCH=x86-64-v3",
        "-DLITEFORMER_BUILD_TESTS=OFF",
        "-DLITEFORMER_BUILD_BENCH=OFF",
    ):
        assert flag in words, flag
    assert "--build" in words
    # The shim beside the binaries (../lib) is loaded at run time, so build it explicitly.
    for target in ("liteformer-server", "liteformer-client", "liteformer_spm"):
        assert target in words, target


def test_dockerfile_runtime_stage() -> None:
    runtime = dockerfile_stages()[-1]
    assert from_image(runtime) == "debian:bookworm-slim"
    packages = runtime_packages()
    assert packages, "the runtime stage installs no libraries"
    assert not [p for p in packages if p.endswith("-dev")], "no -dev packages at run time"
    keywords = {keyword for keyword, _ in runtime}
    assert {"USER", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "STOPSIGNAL", "WORKDIR"} <= keywords
    (stop,) = [rest for keyword, rest in runtime if keyword == "STOPSIGNAL"]
    assert stop == "SIGTERM"
    (health,) = [rest for keyword, rest in runtime if keyword == "HEALTHCHECK"]
    assert "liteformer-client" in health and " health" in health.replace('"', " ")
    # The probe follows the server's real address (--listen may differ from the config's
    # port): the server writes it to $LITEFORMER_ADDRESS_FILE, the client reads it.
    assert "--target" not in health, health
    envs = [rest for keyword, rest in runtime if keyword == "ENV"]
    assert any(re.fullmatch(r"LITEFORMER_ADDRESS_FILE=/tmp/\S+", e) for e in envs), envs
    (entrypoint,) = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"]
    assert "liteformer-server" in entrypoint
    # models_dir is relative: the working directory holds models/.
    (workdir,) = [rest for keyword, rest in runtime if keyword == "WORKDIR"]
    models_dir = config_scalar("models_dir")
    if not models_dir.startswith("/"):
        copies = [rest.split() for keyword, rest in runtime if keyword == "COPY"]
        destination = str(pathlib.PurePosixPath(workdir) / models_dir)
        assert any(c[-1].rstrip("/") == destination for c in copies), f"nothing copied to {destination}"
    # The sentencepiece shim is looked up in <bin>/../lib.
    copies = " ".join(rest for keyword, rest in runtime if keyword == "COPY")
    assert re.search(r"libliteformer_spm\.so\s+(\S+)/lib/", copies)


def test_dockerfile_runtime_install_leaves_no_apt_cache() -> None:
    # Deleted in the layer that installs, or the layer keeps the lists and the .debs.
    installs = [rest for keyword, rest in dockerfile_stages()[-1] if keyword == "RUN" and "apt-get install" in rest]
    assert installs
    for rest in installs:
        assert "apt-get clean" in rest, rest
        assert "rm -rf /var/lib/apt/lists/*" in rest, rest


def test_dockerfile_downloads_nothing_but_debian_packages() -> None:
    text = DOCKERFILE.read_text()
    assert not text.lstrip().startswith("# syntax="), "a syntax directive pulls a frontend image"
    for keyword, rest in dockerfile_instructions():
        assert keyword != "ADD", "ADD may fetch URLs; use COPY"
        if keyword == "RUN":
            for forbidden in (r"\bcurl\b", r"\bwget\b", r"\bgit\s+clone\b", r"\bpip3?\b", r"\bnpm\b", r"https?://"):
                assert not re.search(forbidden, rest), f"RUN {rest!r} downloads ({forbidden})"
    for stage in dockerfile_stages():
        assert from_image(stage).startswith("debian:bookworm"), from_image(stage)


def test_dockerignore_keeps_generated_files_out() -> None:
    patterns = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for needed in (".git", "build", "build-*", "data", "checkpoints"):
        assert needed in patterns, needed
    assert "models" not in patterns, "the image bundles models/"


def dpkg_owners(paths: set[str]) -> dict[str, str]:
    """The package owning each path (one dpkg -S call; merged /usr: /lib is /usr/lib)."""
    variants: dict[str, str] = {}
    for path in paths:
        for candidate in (path, str(pathlib.Path(path).resolve())):
            variants[candidate] = path
            other = candidate[len("/usr") :] if candidate.startswith("/usr/") else "/usr" + candidate
            variants[other] = path
    # Exit status 1 when some variant is unknown: the others are still listed.
    output = subprocess.run(["dpkg", "-S", *sorted(variants)], capture_output=True, text=True).stdout
    owners: dict[str, str] = {}
    for line in output.splitlines():
        packages, _, owned = line.rpartition(": ")
        if owned in variants and packages and "diversion" not in packages:
            owners[variants[owned]] = packages.split(",")[0].strip().split(":")[0]
    return owners


def test_runtime_packages_cover_every_shared_library() -> None:
    server = ROOT / "build" / "bin" / "liteformer-server"
    if not server.exists():
        pytest.skip("build/bin/liteformer-server is not built")
    if shutil.which("ldd") is None or shutil.which("dpkg") is None:
        pytest.skip("needs ldd and dpkg")
    binaries = [
        server,
        ROOT / "build" / "bin" / "liteformer-client",
        ROOT / "build" / "bin" / "liteformer-load",
        ROOT / "build" / "lib" / "libliteformer_spm.so",  # dlmopen'ed by the server
    ]
    libraries: set[str] = set()
    for binary in (b for b in binaries if b.exists()):
        output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
        assert "not found" not in output, output
        for match in re.finditer(r"=>\s+(/\S+)", output):
            path = match.group(1)
            if not pathlib.Path(path).resolve().is_relative_to(ROOT):
                libraries.add(path)
    installed = set(runtime_packages()) | BASE_IMAGE_PACKAGES
    missing = {}
    owners = dpkg_owners(libraries)
    for library in sorted(libraries):
        owner = owners.get(library)
        assert owner is not None, f"{library} belongs to no Debian package"
        if owner not in installed:
            missing.setdefault(owner, library)
    assert not missing, f"the Dockerfile's runtime stage lacks {missing}"

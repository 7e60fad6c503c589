"""Small helpers shared by the e2e test modules."""
from __future__ import annotations

import json
import pathlib
import random
import shutil
import urllib.request
from typing import Any, Callable, Iterable

import grpc
from prometheus_client.parser import text_string_to_metric_families

# The source dictionary of the translation fixtures (dict.xx.txt): t0 .. t35.
MT_WORDS = [f"t{i}" for i in range(36)]
# The language-model fixtures' dict.txt starts with the same words.
LM_WORDS = [f"t{i}" for i in range(36)]


def words(count: int, rng: random.Random | None = None, vocabulary: list[str] = MT_WORDS) -> str:
    rng = rng or random.Random(count)
    return " ".join(rng.choice(vocabulary) for _ in range(count))


def rpc_error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> grpc.RpcError:
    """Runs a call (draining it when it is a stream) and returns the RpcError it must raise."""
    try:
        result = call(*args, **kwargs)
        if hasattr(result, "__iter__") and not hasattr(result, "ListFields"):
            for _ in result:
                pass
    except grpc.RpcError as error:
        return error
    raise AssertionError(f"{call} succeeded; an error status was expected")


def describe(error: grpc.RpcError) -> str:
    return f"{error.code().name}: {error.details()!r}"


def assert_status(error: grpc.RpcError, code: grpc.StatusCode, *words_in_message: str) -> None:
    assert error.code() == code, f"expected {code.name}, got {describe(error)}"
    for word in words_in_message:
        assert word in (error.details() or ""), f"{word!r} not in the message: {describe(error)}"


def best(result: Any) -> Any:
    assert len(result.hypotheses) >= 1, result
    return result.hypotheses[0]


def strip_eos(ids: Iterable[int], eos: int = 2) -> list[int]:
    ids = list(ids)
    while ids and ids[-1] == eos:
        ids.pop()
    return ids


# ------------------------------------------------------------------ Prometheus text format
def parse_prometheus(text: str) -> tuple[dict[str, str], list[tuple[str, dict[str, str], float]]]:
    """-> ({metric family name: TYPE}, [(sample name, labels, value)]), read by
    prometheus_client's own parser (a malformed exposition raises). It names a
    counter's family without the _total suffix; see metric_type."""
    types: dict[str, str] = {}
    samples: list[tuple[str, dict[str, str], float]] = []
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        samples.extend((sample.name, dict(sample.labels), float(sample.value)) for sample in family.samples)
    return types, samples


def fetch_metrics(url: str, timeout: float = 10.0) -> tuple[str, str]:
    """-> (content type, body)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        assert response.status == 200
        return response.headers.get("Content-Type", ""), response.read().decode()


def metric_type(types: dict[str, str], name: str) -> str | None:
    """The TYPE of a metric, accepting the OpenMetrics habit of dropping _total."""
    if name in types:
        return types[name]
    if name.endswith("_total"):
        return types.get(name[: -len("_total")])
    return None


def total(samples: list[tuple[str, dict[str, str], float]], name: str,
          where: Callable[[dict[str, str]], bool] = lambda labels: True) -> float:
    return sum(value for sample, labels, value in samples if sample == name and where(labels))


def method_is(labels: dict[str, str], method: str) -> bool:
    """method label "Translate" or "/liteformer.v1.Translator/Translate" or "Translator/Translate"."""
    value = labels.get("method", "")
    return value == method or value.endswith("/" + method) or value.endswith("." + method)


def replace_model_dir(target: pathlib.Path, source: pathlib.Path, version: str, *, corrupt: bool = False) -> None:
    """Replaces the model directory `target` with `source` as version
    `version` (config.json's), as a deployment does: the new directory is
    written beside it, then renamed over it. `corrupt`: its
    model.safetensors cut to 1,000 bytes."""
    staged = target.parent / f".staged-{version}"
    shutil.copytree(source, staged)
    config = json.loads((staged / "config.json").read_text())
    config["version"] = version
    (staged / "config.json").write_text(json.dumps(config, indent=2))
    if corrupt:
        weights = staged / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])
    old = target.parent / f".old-{version}"
    target.rename(old)
    staged.rename(target)
    shutil.rmtree(old)

"""The committed engine fixtures (tests/data/) are exactly what the reference
produces now: a change to the reference that alters outputs must regenerate
them (tools/make_fixtures.py), so the engine's parity tests never check
against stale numbers."""
from __future__ import annotations

import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import make_fixtures  # noqa: E402
from liteformer_ref.random_model import VARIANTS  # noqa: E402

DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("fixtures")
    assert make_fixtures.main(["--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_committed_fixture_matches_reference(regenerated: pathlib.Path, variant: str) -> None:
    fresh = sorted(p.relative_to(regenerated) for p in (regenerated / variant).iterdir())
    committed = sorted(p.relative_to(DATA) for p in (DATA / variant).iterdir())
    assert fresh == committed
    for name in fresh:
        assert (regenerated / name).read_bytes() == (DATA / name).read_bytes(), f"{name} is stale"


def test_fixtures_are_small_and_cover_every_option_kind() -> None:
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    assert total < 3_000_000
    kinds = set()
    for variant in VARIANTS:
        cases = json.loads((DATA / variant / "cases.json").read_text())
        for search in cases["searches"]:
            kinds.update(k for k, v in search["options"].items() if v)
    assert {"beam_size", "length_penalty", "nbest", "min_len", "no_repeat_ngram_size", "sampling", "top_k",
            "top_p", "temperature", "seed"} <= kinds


def test_sentencepiece_cases_match_python_sentencepiece(regenerated: pathlib.Path) -> None:
    assert (regenerated / "spm" / "cases.json").read_bytes() == (DATA / "spm" / "cases.json").read_bytes()

"""The models bundled in models/ (the server's default): each loads in the
reference, fits the 25 MB budget, and comes with its model card."""
from __future__ import annotations

from pathlib import Path

import pytest

from liteformer_ref.model_dir import load_model

MODELS = Path(__file__).resolve().parents[2] / "models"
BUNDLED = sorted(p for p in MODELS.glob("*") if (p / "config.json").exists()) if MODELS.is_dir() else []
CARD_SECTIONS = ("Data", "Architecture", "Training", "Test scores", "Examples")


@pytest.mark.skipif(not BUNDLED, reason="no model is bundled under models/")
@pytest.mark.parametrize("directory", BUNDLED, ids=lambda p: p.name)
def test_bundled_model_loads_fits_and_has_a_card(directory: Path) -> None:
    size = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    assert size <= 25 * 1024 * 1024, f"{directory.name}: {size} bytes exceed 25 MB"
    loaded = load_model(directory)
    assert loaded.config.name
    card = directory / "MODEL_CARD.md"
    assert card.exists(), f"{directory.name} has no MODEL_CARD.md"
    text = card.read_text(encoding="utf-8")
    for section in CARD_SECTIONS:
        assert f"## {section}" in text, f"{card}: no '## {section}' section"


def test_the_three_demo_models_are_bundled() -> None:
    names = {p.name for p in BUNDLED}
    missing = {"en-de", "summarize", "lm-en"} - names
    assert not missing, f"models/ lacks {sorted(missing)} (tools/train.py + tools/convert.py, see README)"

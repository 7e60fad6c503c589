from __future__ import annotations

from pathlib import Path

import pytest

from liteformer_ref.dictionary import EOS, PAD, UNK, Dictionary
from liteformer_ref.errors import ModelFormatError


def test_load_ids_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_text("the 10\nof 5\n<unk> 1 #fairseq:overwrite\nnew york 3\n", encoding="utf-8")
    d = Dictionary.load(path)
    assert len(d) == 8
    assert d.index("the") == 4 and d.index("of") == 5 and d.index("new york") == 7
    assert d.index("<unk>") == 6 and d.index("missing") == UNK  # overwrite moves the token to its new id
    assert d.string([4, 5, EOS, PAD]) == "the of"
    d.pad_to_multiple(8)
    assert len(d) == 8
    d.add_symbol("x", 1)
    d.pad_to_multiple(8)
    assert len(d) == 16 and d[15] == "madeupword0006" and d.counts[15] == 0
    d.save(tmp_path / "out.txt")
    assert Dictionary.load(tmp_path / "out.txt") == d
    assert (tmp_path / "out.txt").read_text().splitlines()[2] == "<unk> 1 #fairseq:overwrite"


@pytest.mark.parametrize("text,line,problem", [
    ("a 1\nb\n", 2, "malformed"),
    ("a 1\n\n", 2, "malformed"),
    ("a 1\nb x\n", 2, "not an integer"),
    ("a 1\nb 2\na 3\n", 3, "duplicate token 'a'"),
])
def test_refuses_malformed_lines(tmp_path: Path, text: str, line: int, problem: str) -> None:
    path = tmp_path / "dict.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelFormatError) as info:
        Dictionary.load(path)
    assert f"{path}:{line}:" in str(info.value) and problem in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="not found"):
        Dictionary.load(tmp_path / "nope.txt")

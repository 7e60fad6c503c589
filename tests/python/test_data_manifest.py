"""Output writing, manifest hashing and the fairseq dict.txt written next to spm models."""
import hashlib
import json
from collections import Counter

import pytest

from data import manifest, spm


def test_write_lines_and_stats(tmp_path):
    path = tmp_path / "a.txt"
    manifest.write_lines(path, ["one two", "", "three"])
    data = path.read_bytes()
    assert data == b"one two\n\nthree\n"
    stats = manifest.file_stats(path)
    assert stats == {"lines": 3, "words": 3, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_write_lines_rejects_embedded_newline(tmp_path):
    with pytest.raises(ValueError):
        manifest.write_lines(tmp_path / "b.txt", ["bad\nline"])


def test_binary_files_get_hash_only(tmp_path):
    path = tmp_path / "m.model"
    path.write_bytes(b"\xff\x00\xdb")
    assert manifest.file_stats(path) == {"bytes": 3, "sha256": hashlib.sha256(b"\xff\x00\xdb").hexdigest()}


def test_manifest_is_reproducible(tmp_path):
    manifest.write_lines(tmp_path / "x.en", ["Hello world"])
    first = manifest.write_manifest(tmp_path, ["x.en"], {"b": 1, "a": {"z": 2, "y": 3}})
    text1 = (tmp_path / "manifest.json").read_bytes()
    manifest.write_manifest(tmp_path, ["x.en"], {"a": {"y": 3, "z": 2}, "b": 1})
    assert (tmp_path / "manifest.json").read_bytes() == text1
    assert json.loads(text1)["files"]["x.en"]["sha256"] == first["files"]["x.en"]["sha256"]


VOCAB = ["<s>", "<pad>", "</s>", "<unk>", "▁the", "s", ",", "▁a"]


def test_dict_lines_drop_specials_keep_order_and_pad():
    lines = spm.dict_lines(VOCAB + ["x"], Counter({"▁the": 10, "s": 4}))
    assert lines[:5] == ["▁the 10", "s 4", ", 0", "▁a 0", "x 0"]
    assert (4 + len(lines)) % 8 == 0
    assert lines[5:] == [f"madeupword{i:04d} 0" for i in range(7)]  # 4 + 5 entries -> 16 ids


def test_dict_lines_no_padding_when_aligned():
    lines = spm.dict_lines(VOCAB, Counter())
    assert len(lines) == 4 and not any(l.startswith("madeupword") for l in lines)


def test_dict_lines_require_fairseq_id_layout():
    with pytest.raises(ValueError):
        spm.dict_lines(["<unk>", "<s>", "</s>", "▁a"], Counter())
    with pytest.raises(ValueError):
        spm.dict_lines(VOCAB + ["<s>"], Counter())


def test_control_pieces_reads_vocab_file():
    assert spm.control_pieces(["<s>\t0", "▁a\t-1.5", ""]) == ["<s>", "▁a"]

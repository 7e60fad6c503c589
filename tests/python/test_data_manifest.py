"""Output writing, manifest hashing and the fairseq dict.txt written next to spm models."""
import hashlib
import subprocess
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


def _corpus(root, name, sides, splits, text):
    directory = root / name
    directory.mkdir(parents=True)
    for split in splits:
        for side in sides:
            (directory / f"{split}.{side}").write_text(text, encoding="utf-8")


def test_general_corpus_is_encoded_with_the_translation_model(tmp_path):
    text = "".join(f"the house number {i} is old\ndas haus nummer {i} ist alt\n" for i in range(50))
    _corpus(tmp_path, "general", ("en", "de"), ("train", "train-sentences", "valid", "test"), text)
    with pytest.raises(FileNotFoundError, match="spm.py translation"):
        spm.build(tmp_path, "general", 30)
    _corpus(tmp_path, "translation", ("en", "de"), ("train", "valid", "test"), text)
    spm.build(tmp_path, "translation", 30)
    manifest = spm.build(tmp_path, "general", 30)
    model = tmp_path / "translation" / "spm" / "sentencepiece.model"
    assert not (tmp_path / "general" / "spm" / "sentencepiece.model").exists()  # no model of its own
    assert manifest["model_sha256"] == spm.sha256_file(model)
    assert manifest["unknown_pieces_in_train"] == 0
    assert sorted(manifest["files"]) == sorted(f"{s}.{side}" for s in ("train", "train-sentences", "valid", "test")
                                               for side in ("en", "de"))
    direct = subprocess.run(["spm_encode", f"--model={model}", "--output_format=piece"], input=text,
                            capture_output=True, text=True, check=True).stdout
    assert (tmp_path / "general" / "spm" / "valid.de").read_text(encoding="utf-8") == direct
    assert json.loads((tmp_path / "general" / "spm" / "manifest.json").read_text())["corpus"] == "general"

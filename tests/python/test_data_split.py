"""The hash split rule and the deterministic cap of valid/test."""
import hashlib

from data import split


def test_bucket_matches_the_documented_formula():
    for group in ("ddtp:coreutils", "man:ls.1", "doc:gimp:index", ""):
        expected = int(hashlib.md5(group.encode()).hexdigest()[:8], 16) % 1000
        assert split.bucket(group) == expected


def test_split_of_boundaries(monkeypatch):
    monkeypatch.setattr(split, "bucket", lambda g: int(g))
    assert [split.split_of(str(b)) for b in (0, 19, 20, 39, 40, 999)] == \
        ["test", "test", "valid", "valid", "train", "train"]


def test_split_proportions_are_about_two_percent():
    counts = {"train": 0, "valid": 0, "test": 0}
    for i in range(20000):
        counts[split.split_of(f"group{i}")] += 1
    assert 300 < counts["test"] < 500 and 300 < counts["valid"] < 500


def test_cap_is_deterministic_order_independent_and_keeps_input_order():
    items = [f"example {i}" for i in range(50)]
    chosen = split.cap(items, key=str, limit=10)
    assert len(chosen) == 10
    assert chosen == [x for x in items if x in chosen]  # input order kept
    assert sorted(split.cap(list(reversed(items)), key=str, limit=10)) == sorted(chosen)


def test_cap_small_input_unchanged():
    assert split.cap([3, 1, 2], key=str, limit=1000) == [3, 1, 2]


def test_split_of_wider_held_out_buckets(monkeypatch):
    monkeypatch.setattr(split, "bucket", lambda g: int(g))
    assert [split.split_of(str(b), 50) for b in (0, 49, 50, 99, 100)] == \
        ["test", "test", "valid", "valid", "train"]

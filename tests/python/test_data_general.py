"""The Ding dictionary reader and the general-domain corpus built from it."""
from collections import Counter
from pathlib import Path

from data import ding, general, split

ENTRY = ("Leidenschaft {f}; Herzensangelegenheit {f} | Leidenschaften {pl} | aus Leidenschaft | "
         "eine Leidenschaft für etw. haben | Es war purer Zufall. :: passion | passions | of passion | "
         "to have a passion for sth. | It was sheer/pure coincidence.")


def test_entry_senses_are_aligned_cleaned_and_placeholders_dropped():
    pairs = ding.parse_entry(ENTRY + "\n")
    assert [(p.en, p.de) for p in pairs] == [
        ("passion", "Leidenschaft"), ("passions", "Leidenschaften"), ("of passion", "aus Leidenschaft"),
        ("It was sheer coincidence.", "Es war purer Zufall.")]
    assert {p.entry for p in pairs} == {"Leidenschaft"}
    assert [p.is_sentence for p in pairs] == [False, False, False, True]


def test_notes_alternatives_and_malformed_lines():
    assert ding.clean("(im Gedränge) aneinanderstoßen {vi}") == "aneinanderstoßen"
    assert ding.clean("This argument is pure / arrant [dated] rhetoric .") == "This argument is pure rhetoric."
    assert ding.clean("sheer; pure; plain <purer> <purest>") == "sheer"
    assert ding.clean("{adj} [geh.]") is None
    assert ding.clean("to give sb. sth.") is None and ding.clean("zu ... gehen") is None
    assert ding.parse_entry("# comment :: line") == []
    assert ding.parse_entry("a | b :: only one") == []  # senses no longer line up
    assert ding.parse_entry("no separator here") == []
    assert ding.parse_entry("Computer {m} :: computer") == []  # same word on both sides teaches nothing


def test_read_pairs_reads_the_package_file(tmp_path: Path):
    path = tmp_path / ding.ENTRIES
    path.parent.mkdir(parents=True)
    path.write_text("# header\n" + ENTRY + "\nHund {m} :: dog\n", encoding="utf-8")
    assert [p.en for p in ding.read_pairs(tmp_path)] == [
        "passion", "passions", "of passion", "It was sheer coincidence.", "dog"]


def _sentence(i: int) -> ding.DictPair:
    return ding.DictPair(f"Eintrag{i}", f"The house number {i} is very old.", f"Das Haus Nummer {i} ist sehr alt.")


def test_select_holds_out_sentences_by_entry_and_trains_every_phrase():
    sentences = [_sentence(i) for i in range(400)]
    phrases = [ding.DictPair(f"Eintrag{i}", f"old house {i}", f"altes Haus {i}") for i in range(400)]
    bad = [ding.DictPair("Zahl", "The number 5 is odd.", "Die Zahl 6 ist ungerade.")]  # numbers differ
    stats: Counter[str] = Counter()
    kept = general.select(sentences + phrases + bad + [sentences[0]], stats)
    held_out = {s: [p.src for p in kept[s]] for s in ("test", "valid")}
    for name, lines in held_out.items():
        assert lines, name
        for line in lines:  # a held-out sentence sits where the hash of its entry says
            number = int(line.split()[3])
            assert split.split_of(f"ding:Eintrag{number}", general.HELD_OUT_BUCKETS) == name
    train = [p.src for p in kept["train"]]
    assert all(f"old house {i}" in train for i in range(400))  # phrases always train
    assert not set(train) & (set(held_out["test"]) | set(held_out["valid"]))
    assert stats["rejected_placeholders"] == 1 and stats["duplicates"] == 1
    assert len(train) + sum(map(len, held_out.values())) == 800

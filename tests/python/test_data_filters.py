"""Pair filters of the translation builder, one by one, and the English-side de-dup."""
from data import filters as F
from data.filters import Pair


def test_word_count():
    assert F.word_count_ok("one two three", "eins zwei drei")
    assert not F.word_count_ok("one two", "eins zwei drei")
    assert not F.word_count_ok("w " * 81, "eins zwei drei")


def test_letters():
    assert F.letters_ok("Open the file", "Datei öffnen")
    assert not F.letters_ok("-a, --all 123", "-a, --alle 123")


def test_ratio():
    assert F.ratio_ok("a" * 10, "b" * 22)
    assert not F.ratio_ok("a" * 10, "b" * 23)
    assert not F.ratio_ok("", "x")


def test_identical_sides_dropped():
    assert not F.different_ok("GNU Emacs editor", "gnu emacs editor")
    assert F.different_ok("text editor", "Texteditor")


def test_placeholders_and_digits_must_match():
    assert F.placeholders_ok("Copied %s files to %1$s", "%s Dateien nach %1$s kopiert")
    assert not F.placeholders_ok("Copied %s files", "Dateien kopiert")
    assert not F.placeholders_ok("Press <b>OK</b>", "OK drücken")
    assert F.placeholders_ok("Hello {name}", "Hallo {name}")
    assert not F.placeholders_ok("Since Linux 2.6", "Seit Linux 3.2")
    assert F.placeholders_ok("Since Linux 2.6", "Seit Linux 2.6")


def test_placeholders_multiset():
    assert F.placeholders("%d of %d, %s") == {"%d": 2, "%s": 1}
    assert F.digits("3 of 10 or 3") == {"3": 2, "10": 1}


def test_language_filter():
    assert F.language_ok("This is the package for the editor.", "Dies ist das Paket für den Editor.")
    assert not F.language_ok("This is the package for the editor.", "This is the package for the editor now.")


def test_clean_side_and_reject_reason():
    assert F.clean_side("  _Open   the file ") == "Open the file"
    assert F.reject_reason("Open the file now", "Die Datei jetzt öffnen") is None
    assert F.reject_reason("Open", "Öffnen") == "words"
    assert F.reject_reason("Open the file", "Open the file") == "different"


def test_dedup_source_keeps_first_case_insensitive():
    pairs = [Pair("a", "Open file", "Datei öffnen"), Pair("b", "open FILE", "Öffne Datei"),
             Pair("c", "Close file", "Datei schließen")]
    assert [p.group for p in F.dedup_source(pairs)] == ["a", "c"]

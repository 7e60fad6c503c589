"""Text helpers of the data builders: accelerators, sentences, letters, language."""
from data import text as T


def test_strip_accelerators_gtk_qt_libreoffice():
    assert T.strip_accelerators("_File") == "File"
    assert T.strip_accelerators("&Open recent") == "Open recent"
    assert T.strip_accelerators("~Save As") == "Save As"
    assert T.strip_accelerators("Ö_ffnen") == "Ö_ffnen" or T.strip_accelerators("Ö_ffnen") == "Öffnen"
    assert T.strip_accelerators("Fi&le") == "File"


def test_strip_accelerators_keeps_identifiers_entities_and_ampersands():
    assert T.strip_accelerators("set snake_case_name") == "set snake_case_name"
    assert T.strip_accelerators("Tom & Jerry") == "Tom & Jerry"
    assert T.strip_accelerators("a &amp; b") == "a &amp; b"
    assert T.strip_accelerators("~/.bashrc") == "~/.bashrc"
    assert T.strip_accelerators("call _exit(2) with _GNU_SOURCE") == "call _exit(2) with _GNU_SOURCE"
    assert T.strip_accelerators("_Save and _Quit") == "Save and Quit"


def test_normalize_space():
    assert T.normalize_space("  a\n\tb  c ") == "a b c"


def test_letter_ratio():
    assert T.letter_ratio("abcd") == 1.0
    assert T.letter_ratio("ab12") == 0.5
    assert T.letter_ratio("   ") == 0.0
    assert T.letter_ratio("--foo=BAR") < 0.8


def test_split_sentences_basic_and_abbreviations():
    assert T.split_sentences("One two. Three four! Five?") == ["One two.", "Three four!", "Five?"]
    assert T.split_sentences("Use e.g. This one.") == ["Use e.g. This one."]
    assert T.split_sentences("Siehe z.B. Dateien. Dann weiter.") == ["Siehe z.B. Dateien.", "Dann weiter."]
    assert T.split_sentences("Written by J. Smith. Done.") == ["Written by J. Smith.", "Done."]
    assert T.split_sentences("version 1.2 is out. Yes") == ["version 1.2 is out.", "Yes"]
    assert T.split_sentences("") == []


def test_split_sentences_quotes_close_the_sentence():
    assert T.split_sentences('He said "stop." Then left.') == ['He said "stop."', "Then left."]


def test_language_tests():
    assert T.looks_german("Dieses Paket enthält die Dateien für das Programm.")
    assert not T.looks_german("This package contains the files for the program.")
    assert T.looks_german("Datei öffnen")  # short: no stop words either way
    assert T.looks_english("This package contains the files for the program.")
    assert not T.looks_english("Dieses Paket enthält die Dateien für das Programm und mehr.")

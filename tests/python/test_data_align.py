"""Paragraph (block) and sentence alignment, and the DDTP description parser."""
from data import ddtp
from data.align import align_blocks, align_paragraph, align_sentences


def test_align_blocks_identical_structure():
    assert align_blocks(["h1", "p", "p"], ["h1", "p", "p"]) == [(0, 0), (1, 1), (2, 2)]


def test_align_blocks_skips_inserted_block():
    assert align_blocks(["h1", "p", "li", "p"], ["h1", "p", "p"]) == [(0, 0), (1, 1), (3, 2)]


def test_align_blocks_same_size_replacement_stays_parallel():
    assert align_blocks(["h1", "p", "p"], ["h1", "li", "li"]) == [(0, 0), (1, 1), (2, 2)]


def test_align_sentences_one_to_one():
    en = ["The file is open.", "Close it now."]
    de = ["Die Datei ist offen.", "Schließen Sie sie jetzt."]
    assert align_sentences(en, de) == list(zip(en, de))


def test_align_sentences_merges_a_split_sentence():
    en = ["This program reads the whole configuration file at start-up and then waits.", "It exits."]
    de = ["Dieses Programm liest beim Start die gesamte Konfigurationsdatei.", "Dann wartet es.",
          "Es beendet sich."]
    pairs = align_sentences(en, de)
    assert pairs[0] == (en[0], de[0] + " " + de[1])
    assert pairs[1] == (en[1], de[2])


def test_align_sentences_drops_unmatched():
    pairs = align_sentences(["Short one."], [])
    assert pairs == []


def test_align_paragraph_splits_then_aligns():
    pairs = align_paragraph("It reads files. It writes reports.", "Es liest Dateien. Es schreibt Berichte.")
    assert pairs == [("It reads files.", "Es liest Dateien."), ("It writes reports.", "Es schreibt Berichte.")]


DESC_EN = """Real-time strategy game
 0 A.D. is a free game of ancient
 warfare.
 .
 Features:
  * fast
  * free
 .
 This package contains data."""
DESC_DE = """Echtzeit-Strategiespiel
 0 A.D. ist ein freies Spiel über antike
 Kriegsführung.
 .
 Funktionen:
  * schnell
  * frei
 .
 Dieses Paket enthält Daten."""


def test_ddtp_parse_units_splits_paragraphs_and_bullets():
    desc = ddtp.parse_description("0ad", "md5", DESC_EN)
    assert desc.synopsis == "Real-time strategy game"
    assert desc.paragraphs == ("0 A.D. is a free game of ancient warfare.", "Features:", "fast", "free",
                               "This package contains data.")


def test_ddtp_aligned_units():
    en = ddtp.parse_description("0ad", "m", DESC_EN)
    de = ddtp.parse_description("0ad", "m", DESC_DE)
    pairs = ddtp.aligned_units(en, de)
    assert pairs[0] == ("Real-time strategy game", "Echtzeit-Strategiespiel")
    assert pairs[3] == ("fast", "schnell")
    assert len(pairs) == 6


def test_ddtp_unit_count_mismatch_keeps_only_synopsis():
    en = ddtp.parse_description("p", "m", "Syn\n One.\n .\n Two.")
    de = ddtp.parse_description("p", "m", "Syn DE\n Eins und zwei.")
    assert ddtp.aligned_units(en, de) == [("Syn", "Syn DE")]


def test_ddtp_by_md5():
    stanzas = [{"Package": "a", "Description-md5": "x", "Description-en": "A\n long"},
               {"Package": "b", "Description-md5": "y"}]
    table = ddtp.by_md5(stanzas, "en")
    assert list(table) == [("a", "x")]

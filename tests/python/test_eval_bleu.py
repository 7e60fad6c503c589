"""tools/eval/bleu.py against hand-counted examples (sacrebleu's default corpus BLEU)."""
import math

import pytest

from eval.bleu import corpus_bleu, segment_stats, tokenize_13a


@pytest.mark.parametrize("line, tokens", [
    ("Hello, world!", "Hello , world !"),
    # numbers keep their separators: '.' and ',' between digits stay
    ("It costs 1,000.5 dollars.", "It costs 1,000.5 dollars ."),
    # a final period after a digit is split too (the line is padded with spaces first)
    ("It costs 5.", "It costs 5 ."),
    ("Mr. Smith 3.5% 2,5", "Mr . Smith 3.5 % 2,5"),
    # dash: split only after a digit; hyphenated words and negative numbers stay
    ("well-known 5-6 -5 e-mail", "well-known 5 - 6 -5 e-mail"),
    # the four entities 13a unescapes, then the quote is split off like any punctuation
    ("He said &quot;hi&quot; &amp; left &lt;b&gt;", 'He said " hi " & left < b >'),
    # apostrophes are not split; each period of an ellipsis is
    ("don't stop...", "don't stop . . ."),
    ("a.b,c", "a . b , c"),
    ("(x) [y] {z} $3 50% #1 @me a/b", "( x ) [ y ] { z } $ 3 50 % # 1 @ me a / b"),
    ("x<skipped>y", "xy"),
    ("rock-\nroll", "rockroll"),
    ("  many   spaces\there ", "many spaces here"),
    ("Straße über 'quoted'", "Straße über 'quoted'"),
])
def test_tokenize_13a(line: str, tokens: str) -> None:
    assert tokenize_13a(line) == tokens


def test_identical_corpus_scores_100() -> None:
    r = corpus_bleu(["the cat sat on the mat ."], ["the cat sat on the mat ."])
    assert r.score == pytest.approx(100.0)
    assert r.bp == 1.0 and r.ratio == 1.0 and r.hyp_len == r.ref_len == 7


def test_two_sentence_corpus_by_hand() -> None:
    hyps = ["the cat sat on the mat", "a dog barked"]
    refs = ["the cat sat on a mat", "the dog barked loudly"]
    # Sentence 1 (6 hyp tokens, 6 ref tokens):
    #   1-grams: the x2 (ref has 1 -> clipped to 1), cat, sat, on, mat     -> 5 / 6
    #   2-grams: the cat, cat sat, sat on | on the, the mat miss          -> 3 / 5
    #   3-grams: the cat sat, cat sat on | sat on the, on the mat miss    -> 2 / 4
    #   4-grams: the cat sat on | cat sat on the, sat on the mat miss     -> 1 / 3
    # Sentence 2 (3 hyp tokens, 4 ref tokens):
    #   1-grams: dog, barked | a miss -> 2 / 3;  2-grams: dog barked -> 1 / 2
    #   3-grams: "a dog barked" misses -> 0 / 1;  4-grams: none -> 0 / 0
    # Corpus sums: matches 7 4 2 1, totals 9 7 5 3; c = 9, r = 10.
    assert segment_stats(hyps[0], refs[0]).matches == (5, 3, 2, 1)
    r = corpus_bleu(hyps, refs)
    assert r.matches == (7, 4, 2, 1) and r.totals == (9, 7, 5, 3)
    assert (r.hyp_len, r.ref_len) == (9, 10)
    assert r.precisions == pytest.approx((700 / 9, 400 / 7, 40.0, 100 / 3))
    # BP = exp(1 - 10/9) = exp(-1/9) = 0.894839...
    assert r.bp == pytest.approx(math.exp(-1 / 9))
    assert r.ratio == pytest.approx(0.9)
    # geometric mean = (7/9 * 4/7 * 2/5 * 1/3) ** (1/4) = (56/945) ** 0.25 = 0.493383...
    # score = 100 * 0.894839 * 0.493383 = 44.15...
    assert r.score == pytest.approx(100 * math.exp(-1 / 9) * (56 / 945) ** 0.25)
    assert r.score == pytest.approx(44.150, abs=1e-3)
    assert r.format().startswith("BLEU = 44.15 77.8/57.1/40.0/33.3 (BP = 0.895 ratio = 0.900 hyp_len = 9 ref_len = 10)")


def test_exp_smoothing_of_zero_orders() -> None:
    # hyp "a b c d" vs ref "a b x d": 1-grams a, b, d -> 3/4; 2-grams "a b" -> 1/3;
    # 3-grams 0/2 -> exp smoothing 1/(2 * 2) = 25 %; 4-grams 0/1 -> 1/(4 * 1) = 25 %.
    # score = (75 * 33.33 * 25 * 25) ** 0.25 = (1,562,500) ** 0.25 = 25 * sqrt(2) = 35.355...
    r = corpus_bleu(["a b c d"], ["a b x d"])
    assert r.precisions == pytest.approx((75.0, 100 / 3, 25.0, 25.0))
    assert r.score == pytest.approx(25 * math.sqrt(2))


def test_no_ngram_of_an_order_gives_zero() -> None:
    # Every hypothesis shorter than 4 tokens: no 4-grams at all, p4 stays 0 (not smoothed),
    # log 0 counts as -9999999999, so even a perfect 3-token match scores 0 (as sacrebleu).
    r = corpus_bleu(["a b c"], ["a b c"])
    assert r.precisions == (100.0, 100.0, 100.0, 0.0)
    assert r.score == 0.0


def test_no_match_at_all_is_zero() -> None:
    r = corpus_bleu(["x y z w"], ["a b c d"])
    assert r.score == 0.0 and r.matches == (0, 0, 0, 0) and r.bp == 1.0


def test_brevity_penalty_counts_punctuation_tokens_and_empty_hypotheses() -> None:
    # An empty hypothesis (a refused line) adds nothing to c but its reference adds to r:
    # c = 4 ("a b c d"), r = 4 + 5 ("Hello , world ! !" -> 5 tokens) = 9; BP = exp(1 - 9/4).
    r = corpus_bleu(["a b c d", ""], ["a b c d", "Hello, world!!"])
    assert (r.hyp_len, r.ref_len) == (4, 9)
    assert r.bp == pytest.approx(math.exp(1 - 9 / 4))
    assert r.score == pytest.approx(100 * math.exp(1 - 9 / 4))


def test_all_empty_hypotheses() -> None:
    r = corpus_bleu(["", ""], ["a b", "c"])
    assert r.score == 0.0 and r.bp == 0.0 and r.hyp_len == 0


def test_case_sensitive_and_trailing_whitespace() -> None:
    # Mixed case is the default: "The" != "the".  Trailing spaces/newlines are ignored.
    r = corpus_bleu(["The a b c  \n"], ["the a b c"])
    assert r.matches == (3, 2, 1, 0) and r.hyp_len == 4


def test_mismatched_or_empty_references_rejected() -> None:
    with pytest.raises(ValueError):
        corpus_bleu(["a"], [])
    with pytest.raises(ValueError):
        corpus_bleu(["a"], [""])

"""tools/eval/rouge.py against hand-computed cases (rouge-score's defaults, no stemming)."""
import pytest

from eval.rouge import corpus_rouge, lcs_length, rouge_l, rouge_n, tokenize


@pytest.mark.parametrize("text, tokens", [
    ("Hello, World! It's 2024-05.", ["hello", "world", "it", "s", "2024", "05"]),
    ("  The   cat\tsat ", ["the", "cat", "sat"]),
    # non-ASCII letters are separators, as in rouge-score
    ("Größe café", ["gr", "e", "caf"]),
    ("!!! ...", []),
])
def test_tokenize(text: str, tokens: list) -> None:
    assert tokenize(text) == tokens


def test_lcs_length() -> None:
    assert lcs_length("the cat is on the mat".split(), "the cat sat on the mat".split()) == 5
    assert lcs_length("a b c d".split(), "d c b a".split()) == 1
    assert lcs_length([], ["a"]) == 0


def test_single_pairs_by_hand() -> None:
    hyp, ref = tokenize("The cat sat on the mat."), tokenize("The cat is on the mat")
    # 1-grams: the x2, cat, on, mat shared -> 5/6 both ways -> F = 5/6
    assert rouge_n(hyp, ref, 1) == pytest.approx(5 / 6)
    # 2-grams: "the cat", "on the", "the mat" of 5 each -> F = 3/5
    assert rouge_n(hyp, ref, 2) == pytest.approx(3 / 5)
    # LCS "the cat on the mat" = 5 -> F = 5/6
    assert rouge_l(hyp, ref) == pytest.approx(5 / 6)


def test_precision_recall_asymmetry_and_clipping() -> None:
    # hyp "the cat", ref "the cat sat down": R1 P = 2/2, R = 2/4 -> F = 2*1*.5/1.5 = 2/3
    # R2 P = 1/1, R = 1/3 -> F = 2*(1/3)/(4/3) = 1/2; RL = LCS 2 -> same as R1
    hyp, ref = ["the", "cat"], ["the", "cat", "sat", "down"]
    assert rouge_n(hyp, ref, 1) == pytest.approx(2 / 3)
    assert rouge_n(hyp, ref, 2) == pytest.approx(1 / 2)
    assert rouge_l(hyp, ref) == pytest.approx(2 / 3)
    # clipping: "the the the" vs "the cat": overlap min(3, 1) = 1; P = 1/3, R = 1/2 -> F = 0.4
    assert rouge_n(["the"] * 3, ["the", "cat"], 1) == pytest.approx(0.4)


def test_empty_sides_score_zero() -> None:
    assert rouge_n([], ["a"], 1) == 0.0 and rouge_l([], ["a"]) == 0.0
    assert rouge_n([], [], 1) == 0.0 and rouge_l([], []) == 0.0
    assert rouge_n(["a"], ["a"], 2) == 0.0  # no bigrams on either side


def test_corpus_mean_of_f1_times_100() -> None:
    hyps = ["The cat sat on the mat.", "the gunman kill police"]
    refs = ["The cat is on the mat", "police killed the gunman"]
    # pair 2: R1 the, gunman, police -> 3/4; R2 "the gunman" -> 1/3; RL "the gunman" -> 2/4
    r = corpus_rouge(hyps, refs)
    assert r.count == 2
    assert r.rouge1 == pytest.approx(100 * (5 / 6 + 3 / 4) / 2)   # 79.17
    assert r.rouge2 == pytest.approx(100 * (3 / 5 + 1 / 3) / 2)   # 46.67
    assert r.rougeL == pytest.approx(100 * (5 / 6 + 1 / 2) / 2)   # 66.67


def test_mismatched_lengths_rejected() -> None:
    with pytest.raises(ValueError):
        corpus_rouge(["a"], ["a", "b"])

"""tools/eval/perplexity.py: token-weighted corpus perplexity from `score --json` records."""
import math

import pytest

from eval.perplexity import corpus_perplexity


def test_token_weighted_not_mean_of_lines() -> None:
    records = [{"token_scores": [-1.0, -2.0], "score": -3.0, "perplexity": math.exp(1.5)},
               {"token_scores": [-3.0], "score": -3.0, "perplexity": math.exp(3.0)}]
    r = corpus_perplexity(records)
    # exp(-(-1 - 2 - 3) / 3) = e^2, not the mean of e^1.5 and e^3
    assert r.perplexity == pytest.approx(math.exp(2.0))
    assert (r.tokens, r.lines) == (3, 2) and r.log_prob == pytest.approx(-6.0)


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        corpus_perplexity([])
    with pytest.raises(ValueError):
        corpus_perplexity([{"token_scores": []}])

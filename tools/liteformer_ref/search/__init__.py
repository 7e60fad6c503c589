"""Search algorithms of the PyTorch reference: the specification the C++ engine reproduces.

Every rule (bans, tie-breaking, float32 score arithmetic, sampling) is documented
in the docstring of the module that implements it:
bans.py, candidates.py, hypothesis.py, beam.py, single_row.py, greedy.py, sampling.py, rng.py,
ngram.py, max_len.py, scoring.py.
"""
from .beam import beam_search
from .decoder import StepDecoder
from .greedy import greedy_search
from .hypothesis import Hypothesis
from .max_len import max_len_for_source
from .options import SearchOptions
from .rng import SplitMix64
from .sampling import sample
from .scoring import ScoreResult, score_targets

__all__ = [
    "Hypothesis",
    "ScoreResult",
    "SearchOptions",
    "SplitMix64",
    "StepDecoder",
    "beam_search",
    "greedy_search",
    "max_len_for_source",
    "sample",
    "score_targets",
]

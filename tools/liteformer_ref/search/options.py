"""Decoding options shared by beam search, greedy search and sampling."""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_LENGTH_PENALTY = 10.0


@dataclass
class SearchOptions:
    """Options of one decoding request (fairseq `generate.py` names in comments).

    beam_size            --beam        hypotheses kept per sentence (1 = greedy)
    length_penalty       --lenpen      final score = sum(log p) / len ** length_penalty
    max_len_a, max_len_b --max-len-a/b max generated tokens before the forced </s>:
                                       int(a * src_len + b), src_len counting the source </s>
    min_len              --min-len     </s> is banned at 0-based steps < min_len
    no_repeat_ngram_size --no-repeat-ngram-size   0 disables
    nbest                --nbest       hypotheses returned per sentence (<= beam_size)
    sampling, top_k, top_p, temperature, seed     random sampling (see sampling.py)
    """

    beam_size: int = 4
    length_penalty: float = 1.0
    max_len_a: float = 0.0
    max_len_b: int = 200
    min_len: int = 1
    no_repeat_ngram_size: int = 0
    nbest: int = 1
    sampling: bool = False
    top_k: int = 0
    top_p: float = 1.0
    temperature: float = 1.0
    seed: int = 0

    def validate(self) -> None:
        """Raise ValueError naming the first option outside its domain."""
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be >= 1, got {self.beam_size}")
        if not (1 <= self.nbest <= self.beam_size):
            raise ValueError(f"nbest must be in [1, beam_size={self.beam_size}], got {self.nbest}")
        # As the engine: beyond +-10, len ** penalty leaves float range over 1,024 tokens.
        if not (abs(self.length_penalty) <= MAX_LENGTH_PENALTY):
            raise ValueError(f"length_penalty must be in [-{MAX_LENGTH_PENALTY:g}, {MAX_LENGTH_PENALTY:g}], "
                             f"got {self.length_penalty}")
        if not (math.isfinite(self.max_len_a) and self.max_len_a >= 0):
            raise ValueError(f"max_len_a must be >= 0, got {self.max_len_a}")
        if self.max_len_b < 0:
            raise ValueError(f"max_len_b must be >= 0, got {self.max_len_b}")
        if self.min_len < 0:
            raise ValueError(f"min_len must be >= 0, got {self.min_len}")
        if self.no_repeat_ngram_size < 0:
            raise ValueError(f"no_repeat_ngram_size must be >= 0, got {self.no_repeat_ngram_size}")
        if self.top_k < 0:
            raise ValueError(f"top_k must be >= 0, got {self.top_k}")
        if not (0.0 < self.top_p <= 1.0):
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if not (0 <= self.seed < 2**64):
            raise ValueError(f"seed must be in [0, 2**64), got {self.seed}")

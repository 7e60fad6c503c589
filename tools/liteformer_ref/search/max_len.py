"""Per-sentence generation budget (fairseq SequenceGenerator's max_len)."""
from __future__ import annotations

from .options import SearchOptions


def max_len_for_source(src_len_with_eos: int, options: SearchOptions, max_positions: int) -> int:
    """min(int(a * src_len + b), max_positions - 1).

    src_len counts the source's final </s> and is the sentence's OWN length (fairseq
    uses the padded batch width; we stay batch-invariant).  `a * src_len + b` is
    evaluated in float64 and truncated toward zero, like Python's int().  The search
    may emit up to max_len ordinary tokens; at step == max_len only </s> is allowed,
    so a hypothesis has at most max_len + 1 tokens including </s>.
    """
    budget = int(options.max_len_a * float(src_len_with_eos) + float(options.max_len_b))
    return min(budget, max_positions - 1)

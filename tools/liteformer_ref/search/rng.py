"""SplitMix64: the sampling RNG, chosen because a C++ engine can reproduce it bit for bit."""
from __future__ import annotations

MASK64 = (1 << 64) - 1


class SplitMix64:
    """state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
    z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31   (all mod 2**64).
    """

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK64

    def next_u64(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self) -> float:
        """A float64 in [0, 1): the top 53 bits of next_u64() times 2**-53 (exact)."""
        return (self.next_u64() >> 11) * (2.0 ** -53)

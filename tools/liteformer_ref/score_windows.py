"""How a language model scores a text longer than its positions: fairseq eval_lm's --context-window.

The same cut as the engine's (engine/search/score_windows.h); the two must stay in step.
With text ids t1..tn the decoder input is I = [</s>, t1, .., tn] and the targets are
T = [t1, .., tn, </s>]; I[j] predicts T[j].  A window feeds I[input_begin:target_end]
and scores T[target_begin:target_end]; the inputs before target_begin are its context,
fed but not scored again.  The first window has no context and takes up to `positions`
targets, so a text that fits the positions is one window, scored exactly as a short
text always was; each later window feeds `context_window` context inputs and scores up
to positions - context_window new targets.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreWindow:
    input_begin: int
    target_begin: int
    target_end: int

    @property
    def length(self) -> int:
        """Positions the window uses."""
        return self.target_end - self.input_begin


def default_context_window(positions: int) -> int:
    """The context window of a model whose config says nothing: half its positions."""
    return positions // 2


def context_window_problem(context_window: int, positions: int, what: str) -> str | None:
    """Why `context_window` is unusable with `positions` (the engine's message), or None."""
    if 0 <= context_window < positions:
        return None
    return (f"{what} = {context_window}: must be in [0, {positions - 1}] "
            f"(the model has {positions} positions)")


def score_windows(num_targets: int, positions: int, context_window: int) -> list[ScoreWindow]:
    """The windows covering `num_targets` targets, in order, each target in exactly one."""
    problem = context_window_problem(context_window, positions, "context_window")
    if problem is not None:
        raise ValueError(problem)
    if num_targets <= 0:
        return []
    windows = [ScoreWindow(0, 0, min(num_targets, positions))]
    step = positions - context_window
    while windows[-1].target_end < num_targets:
        begin = windows[-1].target_end
        windows.append(ScoreWindow(begin - context_window, begin, min(num_targets, begin + step)))
    return windows

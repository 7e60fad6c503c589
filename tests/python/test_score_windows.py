"""Sliding-window scoring of long texts (liteformer_ref/score_windows.py and api.score):
how a text is cut, and that the windows score what a fresh forward pass over each
window's inputs gives; plus generation's dropping of a long prompt's beginning."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from liteformer_ref import api
from liteformer_ref.model_dir import LoadedModel, load_model, save_model
from liteformer_ref.random_model import random_model
from liteformer_ref.score_windows import (ScoreWindow, context_window_problem, default_context_window,
                                          score_windows)
from liteformer_ref.search import SearchOptions, score_targets

EOS = 2
POSITIONS = 12


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> LoadedModel:
    """A random LM with few positions (they are sinusoidal: any number works)."""
    rm = random_model("lm_tied", seed=3)
    path: Path = tmp_path_factory.mktemp("lm_tied")
    save_model(path, rm.model, rm.config, rm.dicts)
    loaded = load_model(path)
    return dataclasses.replace(loaded, config=dataclasses.replace(loaded.config, max_target_positions=POSITIONS))


def text_of(n: int) -> list[int]:
    return [4 + (i * 7) % 40 for i in range(n)]


def test_a_text_that_fits_is_one_window() -> None:
    assert score_windows(12, 12, 6) == [ScoreWindow(0, 0, 12)]
    assert score_windows(1, 12, 0) == [ScoreWindow(0, 0, 1)]
    assert score_windows(0, 12, 6) == []


def test_later_windows_have_the_context_and_positions_minus_context_new_targets() -> None:
    assert score_windows(30, 12, 4) == [ScoreWindow(0, 0, 12), ScoreWindow(8, 12, 20),
                                        ScoreWindow(16, 20, 28), ScoreWindow(24, 28, 30)]
    # No context: each later window starts at its first target's own input.
    assert score_windows(25, 12, 0) == [ScoreWindow(0, 0, 12), ScoreWindow(12, 12, 24), ScoreWindow(24, 24, 25)]
    # The most context: one new target per window.
    assert score_windows(14, 12, 11) == [ScoreWindow(0, 0, 12), ScoreWindow(1, 12, 13), ScoreWindow(2, 13, 14)]


@pytest.mark.parametrize("targets,context", [(13, 0), (50, 6), (97, 11), (12, 3), (200, 1)])
def test_every_target_is_scored_once_within_the_positions(targets: int, context: int) -> None:
    windows = score_windows(targets, POSITIONS, context)
    covered = [t for w in windows for t in range(w.target_begin, w.target_end)]
    assert covered == list(range(targets))
    for w in windows:
        assert 1 <= w.length <= POSITIONS
        assert w.target_begin - w.input_begin == (0 if w.target_begin == 0 else context)


def test_the_default_is_half_the_positions() -> None:
    assert default_context_window(128) == 64
    assert default_context_window(5) == 2


@pytest.mark.parametrize("context", [-1, 12, 1000])
def test_a_context_window_outside_the_positions_is_refused(context: int) -> None:
    problem = context_window_problem(context, 12, "context_window")
    assert problem == f"context_window = {context}: must be in [0, 11] (the model has 12 positions)"
    with pytest.raises(ValueError, match="must be in"):
        score_windows(20, 12, context)


def test_a_short_text_scores_as_one_forward_pass(lm: LoadedModel) -> None:
    text = text_of(POSITIONS - 1)
    [result] = api.score(lm, [(None, text)])
    log_probs = lm.model(None, torch.tensor([[EOS] + text]))
    [direct] = score_targets(log_probs, torch.tensor([text + [EOS]]), [len(text) + 1])
    assert result.token_scores == direct.token_scores


@pytest.mark.parametrize("context", [0, 5, POSITIONS - 1])
def test_each_window_scores_its_targets_after_its_context(lm: LoadedModel, context: int) -> None:
    text = text_of(3 * POSITIONS + 2)
    inputs, targets = [EOS] + text, text + [EOS]
    [result] = api.score(lm, [(None, text)], context)
    assert result.num_tokens == len(targets)
    assert result.log_prob == pytest.approx(sum(result.token_scores))
    expected: list[float] = []
    for w in score_windows(len(targets), POSITIONS, context):
        log_probs = lm.model(None, torch.tensor([inputs[w.input_begin:w.target_end]]))
        offset = w.target_begin - w.input_begin
        expected += log_probs[0, torch.arange(offset, w.length), targets[w.target_begin:w.target_end]].tolist()
    assert result.token_scores == pytest.approx(expected, abs=1e-6)
    # The first window is the text's beginning scored alone (its </s> aside).
    [head] = api.score(lm, [(None, text[:POSITIONS - 1])])
    assert result.token_scores[:POSITIONS - 1] == head.token_scores[:-1]


def test_more_context_changes_only_the_later_windows(lm: LoadedModel) -> None:
    text = text_of(2 * POSITIONS)
    [none] = api.score(lm, [(None, text)], 0)
    [some] = api.score(lm, [(None, text)], 6)
    assert none.token_scores[:POSITIONS] == some.token_scores[:POSITIONS]
    assert none.token_scores[POSITIONS:] != some.token_scores[POSITIONS:]


def test_a_bad_context_window_is_a_request_error(lm: LoadedModel) -> None:
    with pytest.raises(api.RequestError, match=r"context_window = 12: must be in \[0, 11\]"):
        api.score(lm, [(None, text_of(3))], POSITIONS)


def test_a_long_prompt_keeps_its_end(lm: LoadedModel) -> None:
    prompt = text_of(20)
    options = SearchOptions(beam_size=1)
    dropped: list[int] = []
    [long_hyps] = api.generate(lm, [prompt], options, max_tokens=4, dropped_out=dropped)
    kept = POSITIONS - 1 - 4
    assert dropped == [len(prompt) - kept]
    [tail_hyps] = api.generate(lm, [prompt[-kept:]], options, max_tokens=4, dropped_out=dropped)
    assert dropped[1] == 0
    assert long_hyps[0].tokens == tail_hyps[0].tokens


def test_a_prompt_that_fits_with_its_budget_is_whole(lm: LoadedModel) -> None:
    dropped: list[int] = []
    api.generate(lm, [text_of(POSITIONS - 1 - 4)], SearchOptions(beam_size=1), max_tokens=4, dropped_out=dropped)
    api.generate(lm, [text_of(POSITIONS - 4)], SearchOptions(beam_size=1), max_tokens=4, dropped_out=dropped)
    assert dropped == [0, 1]

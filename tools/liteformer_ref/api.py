"""High-level reference API: translate / summarize, score and generate on a loaded model directory.

Every function works on token ids; `TextCodec` maps text to ids and back (through
the model's sentencepiece model when it has one).  Each sentence is decoded on
its own (a batch of one), which is the batch-invariant result the engine must
reproduce whatever batch it puts the sentence in.

Conventions shared with the engine:
- translate: the source gets its final </s> appended here; max_len comes from the
  sentence's own length (search/max_len.py) with max_target_positions; beam_size 1
  (or sampling) uses the single-row searches, which equal beam 1 exactly.
- generate (language model): the decoder consumes </s> + prompt (the prompt is
  forced), then searches with history = [</s>] + prompt; n-gram bans see the
  prompt, min_len / max_len count generated tokens only; max_len =
  min(max_tokens, max_target_positions - 1 - len(prompt)), so prompt + generated
  tokens (including </s>) never exceed max_target_positions; a prompt too long for
  that keeps only its last max_target_positions - 1 - max_tokens tokens
  (prompt_tokens_to_drop), so the whole budget stays available.
- score (language model): a text of any length, in the windows of score_windows.py
  (context_window context tokens; None: half the positions).
- sampling returns one hypothesis per sentence, seeded with options.seed.
- a search that finds no hypothesis (only when bans exclude every token, see
  search/bans.py) yields an empty hypothesis list for that sentence.
- "macs" = executed_macs(): encoder + source keys/values + rows x per-token decoder
  cost for every decoder step actually run (macs.py convention).
- request options: config.json "decoding" defaults, replaced by every option the
  request sets (resolve_options; unset = None here, 0 / unset in the engine's API).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, TypeVar

import torch

from .config import DecodingDefaults, ModelConfig
from .dictionary import EOS, PAD, Dictionary
from .macs import count_macs
from .model_dir import LoadedModel
from .score_windows import context_window_problem, default_context_window, score_windows
from .search import (
    Hypothesis,
    ScoreResult,
    SearchOptions,
    StepDecoder,
    beam_search,
    greedy_search,
    max_len_for_source,
    sample,
    score_targets,
)


T = TypeVar("T")


class RequestError(ValueError):
    """An input the model cannot process (bad id, too long, wrong task); the message names the problem."""


@dataclass
class OptionOverrides:
    """Request options; None means "use the model's config.json default"."""

    beam_size: Optional[int] = None
    length_penalty: Optional[float] = None
    max_len_a: Optional[float] = None
    max_len_b: Optional[int] = None
    min_len: Optional[int] = None
    no_repeat_ngram_size: Optional[int] = None
    nbest: Optional[int] = None
    sampling: Optional[bool] = None
    top_k: Optional[int] = None
    top_p: Optional[float] = None
    temperature: Optional[float] = None
    seed: Optional[int] = None
    max_tokens: Optional[int] = None


def resolve_options(defaults: DecodingDefaults, overrides: OptionOverrides) -> tuple[SearchOptions, int]:
    """SearchOptions and max_tokens from config.json defaults, replaced by every non-None override."""

    def pick(name: str, default: T) -> T:
        value = getattr(overrides, name)
        return default if value is None else value

    options = SearchOptions(
        beam_size=pick("beam_size", defaults.beam_size),
        length_penalty=pick("length_penalty", defaults.length_penalty),
        max_len_a=pick("max_len_a", defaults.max_len_a),
        max_len_b=pick("max_len_b", defaults.max_len_b),
        min_len=pick("min_len", defaults.min_len),
        no_repeat_ngram_size=pick("no_repeat_ngram_size", defaults.no_repeat_ngram_size),
        nbest=pick("nbest", defaults.nbest),
        sampling=pick("sampling", defaults.sampling),
        top_k=pick("top_k", defaults.top_k),
        top_p=pick("top_p", defaults.top_p),
        temperature=pick("temperature", defaults.temperature),
        seed=pick("seed", 0),
    )
    if overrides.beam_size is not None and overrides.nbest is None:
        options.nbest = min(options.nbest, options.beam_size)  # a smaller beam caps the default nbest
    try:
        options.validate()
    except ValueError as e:
        raise RequestError(str(e)) from None
    max_tokens = pick("max_tokens", defaults.max_tokens)
    if max_tokens < 1:
        raise RequestError(f"max_tokens must be >= 1, got {max_tokens}")
    return options, max_tokens


def _label(what: str, n: int, count: int) -> str:
    """"source" for a single-item call, "source 3" when the caller passed several."""
    return what if count == 1 else f"{what} {n}"


def _check_ids(ids: list[int], vocab: int, what: str) -> None:
    for i in ids:
        if not 0 <= i < vocab:
            raise RequestError(f"{what}: id {i} outside the vocabulary [0, {vocab})")
        if i in (PAD, EOS):
            name = "<pad>" if i == PAD else "</s>"
            raise RequestError(f"{what}: id {i} ({name}) may not appear inside a sentence")


def _require(loaded: LoadedModel, language_model: bool, request: str) -> None:
    if loaded.config.is_language_model != language_model:
        kind = "a language model" if loaded.config.is_language_model else "an encoder-decoder model"
        raise RequestError(f"{request} is not available on {kind} ({loaded.config.task})")


def _search(decoder: StepDecoder, history: list[int], max_len: int, options: SearchOptions) -> list[Hypothesis]:
    """Run the configured search for one sentence (decoder rows: beam_size, or 1 for greedy/sampling)."""
    if options.sampling:
        return sample(decoder, [history], [max_len], options, [options.seed])
    if options.beam_size == 1:
        return greedy_search(decoder, [history], [max_len], options)
    return beam_search(decoder, [history], [max_len], options)[0]


def search_rows(options: SearchOptions) -> int:
    """Decoder rows a search needs for one sentence."""
    return 1 if options.sampling or options.beam_size == 1 else options.beam_size


class CountingDecoder:
    """Wraps a StepDecoder and records how many rows each `step` ran (for executed-MACs accounting)."""

    def __init__(self, inner: StepDecoder) -> None:
        self.inner = inner
        self.vocab_size: int = inner.vocab_size
        self.rows_per_step: list[int] = []

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        self.rows_per_step.append(int(tokens.numel()))
        return self.inner.step(tokens)

    def reorder(self, rows: torch.Tensor) -> None:
        self.inner.reorder(rows)


def executed_macs(config: ModelConfig, source_len: Optional[int], rows_per_step: list[int]) -> int:
    """Multiply-adds a decoding run executes, in macs.py's convention (no embeddings, no vocabulary projection).

    = encoder(source_len) + the encoder-decoder keys/values of the source (once per
    sentence, not per row) + for every decoder step t (t = 0 for the first input,
    prompt steps included) rows_t * the cost of one token at position t (t + 1
    self-attention keys).  Every row of a step counts, including beam rows that
    step 0 does not expand and dead rows (beam.py), because the decoder runs them.
    """
    source = source_len if config.encoder is not None else None
    base = count_macs(config, source or 0, 0)  # encoder + source keys/values, no target token
    total = base.encoder + base.decoder
    previous = base.decoder
    for t, rows in enumerate(rows_per_step):
        current = count_macs(config, source or 0, t + 1).decoder
        total += rows * (current - previous)
        previous = current
    return total


@torch.no_grad()
def translate(loaded: LoadedModel, sources: list[list[int]], options: SearchOptions,
              macs_out: Optional[list[int]] = None) -> list[list[Hypothesis]]:
    """Hypotheses (nbest, best first) for each source given as ids WITHOUT the final </s>.

    If macs_out is given, each sentence's executed_macs is appended to it.
    """
    _require(loaded, False, "translate")
    config = loaded.config
    assert loaded.source_dict is not None
    results: list[list[Hypothesis]] = []
    for n, source in enumerate(sources):
        _check_ids(source, len(loaded.source_dict), _label("source", n, len(sources)))
        src = list(source) + [EOS]
        if len(src) > config.max_source_positions:
            raise RequestError(f"{_label('source', n, len(sources))}: {len(src)} tokens with </s> exceed "
                               f"max_source_positions {config.max_source_positions}")
        max_len = max_len_for_source(len(src), options, config.max_target_positions)
        decoder = CountingDecoder(loaded.model.step_decoder(torch.tensor([src]), repeat=search_rows(options)))
        found = _search(decoder, [EOS], max_len, options)
        results.append([h for h in found if h.tokens])  # drop a failed (all-banned) single-row result
        if macs_out is not None:
            macs_out.append(executed_macs(config, len(src), decoder.rows_per_step))
    return results


def prompt_tokens_to_drop(positions: int, prompt_tokens: int, max_tokens: int) -> int:
    """How many of a prompt's first tokens generation drops so that </s> + prompt + max_tokens fit."""
    room = max(0, positions - 1 - max_tokens)
    return max(0, prompt_tokens - room)


@torch.no_grad()
def generate(loaded: LoadedModel, prompts: list[list[int]], options: SearchOptions,
             max_tokens: int, macs_out: Optional[list[int]] = None,
             dropped_out: Optional[list[int]] = None) -> list[list[Hypothesis]]:
    """Continuations (generated tokens only, ending with </s>) of each prompt (ids, possibly empty).

    If macs_out is given, each prompt's executed_macs (prompt steps included) is appended to it;
    if dropped_out is given, how many of each prompt's first tokens were dropped.
    """
    _require(loaded, True, "generate")
    limit = loaded.config.max_target_positions
    results: list[list[Hypothesis]] = []
    for n, prompt in enumerate(prompts):
        _check_ids(prompt, len(loaded.target_dict), _label("prompt", n, len(prompts)))
        dropped = prompt_tokens_to_drop(limit, len(prompt), max_tokens)
        prompt = prompt[dropped:]
        if dropped_out is not None:
            dropped_out.append(dropped)
        max_len = min(max_tokens, limit - 1 - len(prompt))
        history = [EOS] + list(prompt)
        rows = search_rows(options)
        decoder = CountingDecoder(loaded.model.step_decoder(None, rows=rows))
        for token in history[:-1]:  # force the prompt; the search feeds history[-1]
            decoder.step(torch.full((rows,), token, dtype=torch.long))
        found = _search(decoder, history, max_len, options)
        results.append([h for h in found if h.tokens])
        if macs_out is not None:
            macs_out.append(executed_macs(loaded.config, None, decoder.rows_per_step))
    return results


@torch.no_grad()
def score(loaded: LoadedModel, pairs: list[tuple[Optional[list[int]], list[int]]],
          context_window: Optional[int] = None) -> list[ScoreResult]:
    """Teacher-forced log-probs of each target (ids WITHOUT </s>; </s> is appended and scored).

    Seq2seq models take (source, target) pairs; a language model takes (None, text)
    and scores `w1 .. wn </s>` from the inputs `</s> w1 .. wn`, a text of any length
    in windows (score_windows.py) with `context_window` context tokens (None: half
    the positions).
    """
    config = loaded.config
    results: list[ScoreResult] = []
    for n, (source, target) in enumerate(pairs):
        label = "" if len(pairs) == 1 else f"pair {n} "  # message prefix
        _check_ids(target, len(loaded.target_dict), f"{label}target")
        targets = list(target) + [EOS]
        if config.is_language_model:
            if source is not None:
                raise RequestError(f"{label}a language model scores a text alone, without a source")
            results.append(_score_in_windows(loaded, target, context_window))
            continue
        if len(targets) > config.max_target_positions:
            raise RequestError(f"{label}target: {len(targets)} tokens with </s> exceed max_target_positions "
                               f"{config.max_target_positions}")
        prev = torch.tensor([[EOS] + list(target)])
        if source is None:
            raise RequestError(f"{label}an encoder-decoder model needs a source")
        assert loaded.source_dict is not None
        _check_ids(source, len(loaded.source_dict), f"{label}source")
        src = list(source) + [EOS]
        if len(src) > config.max_source_positions:
            raise RequestError(f"{label}source: {len(src)} tokens with </s> exceed max_source_positions "
                               f"{config.max_source_positions}")
        log_probs = loaded.model(torch.tensor([src]), prev)
        results.extend(score_targets(log_probs, torch.tensor([targets]), [len(targets)]))
    return results


def _score_in_windows(loaded: LoadedModel, text: list[int], context_window: Optional[int]) -> ScoreResult:
    """A language model's text scored window by window, each window a fresh forward pass."""
    positions = loaded.config.max_target_positions
    context = default_context_window(positions) if context_window is None else context_window
    problem = context_window_problem(context, positions, "context_window")
    if problem is not None:
        raise RequestError(problem)
    inputs = [EOS] + list(text)
    targets = list(text) + [EOS]
    token_scores: list[float] = []
    for window in score_windows(len(targets), positions, context):
        prev = torch.tensor([inputs[window.input_begin:window.target_end]])
        context_inputs = window.target_begin - window.input_begin
        log_probs = loaded.model(None, prev)[:, context_inputs:]
        scored = targets[window.target_begin:window.target_end]
        [part] = score_targets(log_probs, torch.tensor([scored]), [len(scored)])
        token_scores.extend(part.token_scores)
    total = 0.0
    for v in token_scores:
        total += v
    return ScoreResult(token_scores, total, len(token_scores), math.exp(-total / len(token_scores)))


class TextCodec:
    """Text <-> ids for one model: sentencepiece pieces (if the model has an .spm) or whitespace tokens.

    Encoding maps each piece through the dictionary (unknown piece -> <unk>);
    decoding drops <s>, <pad> and </s>, maps ids to pieces and joins them with
    sentencepiece's decoder (or single spaces without sentencepiece).
    """

    def __init__(self, loaded: LoadedModel) -> None:
        self.source_dict: Dictionary = loaded.source_dict or loaded.target_dict
        self.target_dict: Dictionary = loaded.target_dict
        self._spm = None
        if loaded.sentencepiece is not None:
            import sentencepiece  # only models with a sentencepiece file need it

            self._spm = sentencepiece.SentencePieceProcessor(model_file=str(loaded.sentencepiece))

    def _pieces(self, text: str) -> list[str]:
        if self._spm is not None:
            return list(self._spm.encode(text, out_type=str))
        return text.split()

    def encode_source(self, text: str) -> list[int]:
        return [self.source_dict.index(p) for p in self._pieces(text)]

    def encode_target(self, text: str) -> list[int]:
        return [self.target_dict.index(p) for p in self._pieces(text)]

    def decode(self, ids: list[int]) -> str:
        pieces = [self.target_dict[i] for i in ids if i not in (self.target_dict.bos_index, PAD, EOS)]
        if self._spm is not None:
            return str(self._spm.decode(pieces))
        return " ".join(pieces)


def parse_ids(text: str) -> list[int]:
    """Space-separated decimal ids ("" -> []); RequestError naming the first bad field."""
    ids = []
    for field in text.split():
        try:
            ids.append(int(field))
        except ValueError:
            raise RequestError(f"{field!r} is not an integer id") from None
    return ids

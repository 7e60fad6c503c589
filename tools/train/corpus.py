"""Loads the piece files written by tools/data/spm.py into id tensors.

A piece file has one example per line, pieces separated by spaces. Ids come
from a fairseq dictionary; every sequence gets the final `</s>` the models
expect. Examples longer than the model's positions are dropped (counted).
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

import torch

from liteformer_ref.dictionary import Dictionary

EOS = 2


@dataclass
class ParallelCorpus:
    sources: list[torch.Tensor]  # int64 [S] ending with eos
    targets: list[torch.Tensor]  # int64 [T] ending with eos
    dropped: int


def encode_line(line: str, dictionary: Dictionary) -> torch.Tensor:
    ids = [dictionary.index(piece) for piece in line.split()]
    ids.append(EOS)
    return torch.tensor(ids, dtype=torch.long)


def load_parallel(source_path: pathlib.Path, target_path: pathlib.Path, source_dict: Dictionary,
                  target_dict: Dictionary, max_source: int, max_target: int) -> ParallelCorpus:
    sources: list[torch.Tensor] = []
    targets: list[torch.Tensor] = []
    dropped = 0
    with open(source_path, encoding="utf-8") as src_file, open(target_path, encoding="utf-8") as tgt_file:
        for src_line, tgt_line in zip(src_file, tgt_file, strict=True):
            src = encode_line(src_line, source_dict)
            tgt = encode_line(tgt_line, target_dict)
            # Both sides need at least one real token; positions start at 2.
            if len(src) < 2 or len(tgt) < 2 or len(src) > max_source or len(tgt) > max_target:
                dropped += 1
                continue
            sources.append(src)
            targets.append(tgt)
    return ParallelCorpus(sources, targets, dropped)


def concatenate(parts: list[ParallelCorpus]) -> ParallelCorpus:
    """One corpus of several, in order (batching shuffles them together)."""
    return ParallelCorpus([s for p in parts for s in p.sources], [t for p in parts for t in p.targets],
                          sum(p.dropped for p in parts))


def load_lm_blocks(text_path: pathlib.Path, dictionary: Dictionary, block_tokens: int) -> list[torch.Tensor]:
    """Concatenates the corpus (each line + eos) and cuts it into blocks of
    `block_tokens` targets; a block's input is `</s>` + its first
    block_tokens - 1 tokens, matching how the LM scores text."""
    stream: list[int] = []
    with open(text_path, encoding="utf-8") as text_file:
        for line in text_file:
            pieces = line.split()
            if not pieces:
                continue
            stream.extend(dictionary.index(piece) for piece in pieces)
            stream.append(EOS)
    all_ids = torch.tensor(stream, dtype=torch.long)
    return [all_ids[i:i + block_tokens] for i in range(0, len(all_ids) - 1, block_tokens)]

"""Trains a demo model of the PyTorch reference on this CPU; resumable.

  /usr/bin/python3 tools/train.py seq2seq --name en-de --task translation \
      --train data/translation/train.en.pieces data/translation/train.de.pieces \
      --valid data/translation/valid.en.pieces data/translation/valid.de.pieces \
      --dict data/translation/dict.txt --langs en de --out data/checkpoints/en-de --max-hours 1
  /usr/bin/python3 tools/train.py lm --name lm-en --train data/lm/train.pieces --valid data/lm/valid.pieces \
      --dict data/lm/dict.txt --out data/checkpoints/lm-en

Running the same command again continues from checkpoint_last.pt. `--init CKPT`
starts a new run (fresh optimizer and schedule) from another run's weights: fine-tuning,
e.g. the translation model on software + general-domain pairs (`--train` given twice).
Checkpoints
are fairseq-layout: `tools/convert.py fairseq` turns them into model directories
(average the last few first with tools/train/average.py).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys

import torch

from liteformer_ref.config import DecodingDefaults, DropoutConfig, VocabConfig
from liteformer_ref.dictionary import Dictionary
from liteformer_ref.model import build_model
from train import batching, checkpoint, corpus, presets
from train.fairseq_args import fairseq_args
from train.init import initialise
from train.train_loop import Batch, LoopOptions, run

SEQ2SEQ_DECODING = {
    "translation": DecodingDefaults(beam_size=4, length_penalty=0.6, max_len_a=1.2, max_len_b=10),
    "summarization": DecodingDefaults(beam_size=4, length_penalty=1.0, max_len_a=0.0, max_len_b=40,
                                      min_len=3, no_repeat_ngram_size=3),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="kind", required=True)
    for kind in ("seq2seq", "lm"):
        p = sub.add_parser(kind)
        p.add_argument("--name", required=True)
        p.add_argument("--dict", required=True, type=pathlib.Path)
        p.add_argument("--out", required=True, type=pathlib.Path)
        p.add_argument("--width", type=int, default=256)
        p.add_argument("--layers", type=int, default=6)
        p.add_argument("--max-tokens", type=int, default=4096)
        p.add_argument("--lr", type=float, default=1e-3)
        p.add_argument("--warmup", type=int, default=2000)
        p.add_argument("--dropout", type=float, default=0.1)
        p.add_argument("--label-smoothing", type=float, default=0.1)
        p.add_argument("--max-hours", type=float, default=1.0)
        p.add_argument("--max-epochs", type=int, default=100)
        p.add_argument("--save-minutes", type=float, default=20.0)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--bf16", action="store_true", help="bfloat16 autocast of the forward pass")
        p.add_argument("--init", type=pathlib.Path, default=None,
                       help="start from this checkpoint's weights (ignored once OUT has checkpoint_last.pt)")
        if kind == "seq2seq":
            p.add_argument("--task", choices=sorted(SEQ2SEQ_DECODING), required=True)
            p.add_argument("--train", nargs=2, required=True, type=pathlib.Path, metavar=("SRC", "TGT"),
                           action="append", help="a parallel corpus; give it again to train on several")
            p.add_argument("--valid", nargs=2, required=True, type=pathlib.Path, metavar=("SRC", "TGT"),
                           action="append")
            p.add_argument("--langs", nargs=2, default=["src", "tgt"], metavar=("SRC", "TGT"))
            p.add_argument("--max-positions", type=int, default=256)
        else:
            p.add_argument("--train", required=True, type=pathlib.Path)
            p.add_argument("--valid", required=True, type=pathlib.Path)
            p.add_argument("--context", type=int, default=256)
            p.add_argument("--cutoffs", type=int, nargs="*", default=[])
    return parser


def _seq2seq_batches(data: corpus.ParallelCorpus, max_tokens: int, seed: int, epoch: int) -> list[Batch]:
    lengths = [max(len(s), len(t)) for s, t in zip(data.sources, data.targets)]
    out: list[Batch] = []
    for indices in batching.make_batches(lengths, max_tokens, seed, epoch):
        targets = [data.targets[i] for i in indices]
        out.append((batching.pad_right([data.sources[i] for i in indices]), batching.decoder_inputs(targets),
                    batching.pad_right(targets)))
    return out


def _lm_batches(blocks: list[torch.Tensor], max_tokens: int, seed: int, epoch: int) -> list[Batch]:
    out: list[Batch] = []
    for indices in batching.make_batches([len(b) for b in blocks], max_tokens, seed, epoch):
        targets = [blocks[i] for i in indices]
        out.append((None, batching.decoder_inputs(targets), batching.pad_right(targets)))
    return out


def main(argv: list[str]) -> int:
    a = _parser().parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dictionary = Dictionary.load(str(a.dict))
    dict_name = "dict.txt"
    if a.kind == "seq2seq":
        src_lang, tgt_lang = a.langs
        vocab = VocabConfig(source=f"dict.{src_lang}.txt", target=f"dict.{tgt_lang}.txt",
                            source_size=len(dictionary), target_size=len(dictionary))
        config = presets.seq2seq(a.name, a.task, a.width, a.layers, vocab, src_lang, tgt_lang,
                                 SEQ2SEQ_DECODING[a.task], a.max_positions)
        train = corpus.concatenate([corpus.load_parallel(src, tgt, dictionary, dictionary, a.max_positions,
                                                         a.max_positions) for src, tgt in a.train])
        valid = corpus.concatenate([corpus.load_parallel(src, tgt, dictionary, dictionary, a.max_positions,
                                                         a.max_positions) for src, tgt in a.valid])
        print(f"train {len(train.sources)} pairs ({train.dropped} dropped), valid {len(valid.sources)}", flush=True)
        make_train = lambda epoch: _seq2seq_batches(train, a.max_tokens, a.seed, epoch)  # noqa: E731
        valid_batches = _seq2seq_batches(valid, a.max_tokens, a.seed, 0)
    else:
        vocab = VocabConfig(source=None, target=dict_name, target_size=len(dictionary))
        config = presets.language_model(a.name, a.width, a.layers, vocab, a.cutoffs or None,
                                        DecodingDefaults(beam_size=1, sampling=True, top_k=40, max_tokens=50),
                                        a.context)
        train_blocks = corpus.load_lm_blocks(a.train, dictionary, a.context)
        valid_blocks = corpus.load_lm_blocks(a.valid, dictionary, a.context)
        print(f"train {len(train_blocks)} blocks of {a.context}, valid {len(valid_blocks)}", flush=True)
        make_train = lambda epoch: _lm_batches(train_blocks, a.max_tokens, a.seed, epoch)  # noqa: E731
        valid_batches = _lm_batches(valid_blocks, a.max_tokens, a.seed, 0)
    config.validate("training config")
    model = build_model(config, DropoutConfig(dropout=a.dropout, attention_dropout=a.dropout,
                                              weight_dropout=a.dropout))
    initialise(model)
    if a.init is not None and not (a.out / "checkpoint_last.pt").exists():
        # strict: a checkpoint of another architecture is an error, not a partial load.
        model.load_state_dict(checkpoint.load(a.init)["model"])
        print(f"initialised from {a.init}", flush=True)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "config.json").write_text(json.dumps(config.to_json(), indent=2) + "\n")
    params = sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
    print(f"model {a.name}: {params / 1e6:.2f}M parameters", flush=True)
    options = LoopOptions(out_dir=a.out, lr=a.lr, warmup=a.warmup, label_smoothing=a.label_smoothing,
                          max_hours=a.max_hours, max_epochs=a.max_epochs, save_minutes=a.save_minutes, seed=a.seed,
                          bf16=a.bf16)
    run(model, fairseq_args(config, a.dropout), make_train, valid_batches, options)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

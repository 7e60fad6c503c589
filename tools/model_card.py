#!/usr/bin/python3
"""Writes MODEL_CARD.md into a model directory: data, architecture, training, test scores,
examples, limitations.  Usage and options: model_card/cli.py (`tools/model_card.py --help`)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from model_card.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

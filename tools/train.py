#!/usr/bin/python3
"""Trains a demo model of the PyTorch reference on this CPU; resumable.
Usage and options: train/cli.py (`/usr/bin/python3 tools/train.py --help`)."""
import sys

from train.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Builders of the real-text corpora (translation, summarization, LM) used to train liteformer models.

Everything is rebuilt from two reachable sources, Debian's package archive and the npm
registry, with the Python standard library only, so a fresh Debian 12 machine can
reproduce the data byte for byte.  Entry point: tools/data/build.py.
"""

"""Evaluation metrics (BLEU, ROUGE, perplexity) and the runner that feeds the engine and the reference.

Standard library only, so the metrics can be computed on any machine; `tools/evaluate.py` is the CLI.
"""

"""Training of the PyTorch reference on this CPU: corpora of sentencepiece pieces in,
fairseq-layout checkpoints out (tools/convert.py turns them into model directories)."""

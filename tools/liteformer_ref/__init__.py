"""PyTorch reference implementation of the Lite Transformer (LSRA) models served by liteformer."""

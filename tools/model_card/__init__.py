"""MODEL_CARD.md for a model directory: data, architecture, training, test scores, examples,
limitations.  `tools/model_card.py` is the CLI (options: cli.py); the facts come from the model
directory, the training log, evaluate.py's --out-dir and the data manifests."""

"""fairseq's initialisation: Xavier-uniform linear weights with zero biases,
embeddings N(0, C^-1/2) with a zero pad row, LayerNorm (1, 0)."""
from __future__ import annotations

from torch import nn

PAD = 1


def initialise(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=module.embedding_dim ** -0.5)
            if module.weight.size(0) > PAD:
                nn.init.zeros_(module.weight[PAD])
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    # Parameters that are neither (the lightweight conv kernel, adaptive class
    # projections held as raw Parameters) get Xavier too.
    for name, parameter in model.named_parameters():
        if parameter.dim() >= 2 and name.endswith("branches.1.weight"):
            nn.init.xavier_uniform_(parameter)

"""The optimizers a training-step case names, as torch builds them: shared by tools/gpu/peak_memory.py (on a GPU
machine with only torch) and the training fixtures (tools/fixtures/training_fixtures.py). Needs torch alone."""
from __future__ import annotations

import torch


def make_optimizer(kind: str, params, foreach: bool = False):
    """`none`, `sgd`, `momentum` (SGD, momentum 0.9) or `adam`; `foreach=False` is torch 1.13's single-tensor default."""
    if kind == "none":
        return None
    if kind == "sgd":
        return torch.optim.SGD(params, lr=0.01, foreach=foreach)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=0.01, momentum=0.9, foreach=foreach)
    if kind == "adam":
        return torch.optim.Adam(params, lr=1e-3, foreach=foreach)
    raise ValueError(kind)

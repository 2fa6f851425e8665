"""A per-feature-loop NAM, the design of the official NAM code and its PyTorch ports.

One small MLP per feature in an ``nn.ModuleList``, called in a Python loop; used only
as the baseline of ``train_speed.py``. Units, initialisation and hidden sizes match
``namwidgets.model._nets.FeatureNets`` so the two do the same arithmetic:

- ExU: ``hardtanh(exp(w) * (x - b), 0, cap)``, ``w`` truncated normal in [3, 5]
  around 4 and ``b`` in [-2, 2] (the ports' ``(x - b) @ exp(w)`` is the same outer
  product; ``hardtanh`` is the fast way to write their ``clamp(relu(.), 0, n)``,
  so the baseline is not slowed by a known-slow backward);
- ReLU: ``relu(w * x + b)``, ``w`` and ``b`` uniform in [-1, 1];
- hidden layers ``nn.Linear`` with weights uniform in +-sqrt(6 / fan_in), zero bias;
- the output layer ``nn.Linear(last, 1, bias=False)``, uniform in
  +-sqrt(6 / (last + 1)).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class UnitLayer(nn.Module):
    """The first layer of one feature net: one input to ``width`` ExU/ReLU units."""

    def __init__(self, width: int, units: str, cap: float = 1.0) -> None:
        super().__init__()
        self.units, self.cap = units, cap
        if units == "exu":
            w, b = torch.empty(width), torch.empty(width)
            nn.init.trunc_normal_(w, mean=4.0, std=0.5, a=3.0, b=5.0)
            nn.init.trunc_normal_(b, mean=0.0, std=0.5, a=-2.0, b=2.0)
        else:
            w = torch.empty(width).uniform_(-1.0, 1.0)
            b = torch.empty(width).uniform_(-1.0, 1.0)
        self.w, self.b = nn.Parameter(w), nn.Parameter(b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, 1)
        if self.units == "exu":
            return F.hardtanh(torch.exp(self.w) * (x - self.b), 0.0, self.cap)
        return torch.relu(x * self.w + self.b)


def feature_net(hidden_sizes: tuple[int, ...], units: str) -> nn.Sequential:
    """One feature's MLP, 1 -> hidden_sizes -> 1."""
    layers: list[nn.Module] = [UnitLayer(hidden_sizes[0], units)]
    for fan_in, fan_out in zip(hidden_sizes[:-1], hidden_sizes[1:]):
        lin = nn.Linear(fan_in, fan_out)
        bound = math.sqrt(6.0 / fan_in)
        nn.init.uniform_(lin.weight, -bound, bound)
        nn.init.zeros_(lin.bias)
        layers += [lin, nn.ReLU()]
    out = nn.Linear(hidden_sizes[-1], 1, bias=False)
    bound = math.sqrt(6.0 / (hidden_sizes[-1] + 1))
    nn.init.uniform_(out.weight, -bound, bound)
    layers.append(out)
    return nn.Sequential(*layers)


class LoopNAM(nn.Module):
    """``intercept + sum_j f_j(x_j)`` with the f_j called one after another.

    Parameters
    ----------
    n_features : int
    hidden_sizes : tuple of int
    units : {"exu", "relu"}
    """

    def __init__(self, n_features: int, hidden_sizes: tuple[int, ...], units: str):
        super().__init__()
        self.nets = nn.ModuleList(
            feature_net(hidden_sizes, units) for _ in range(n_features)
        )
        self.intercept = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-feature outputs (B, F) and the prediction (B,)."""
        outs = torch.cat([net(x[:, j : j + 1]) for j, net in enumerate(self.nets)], 1)
        return outs, outs.sum(1) + self.intercept

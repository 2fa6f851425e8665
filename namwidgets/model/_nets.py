"""The torch NAM: every feature net of every ensemble member computed together.

Weights are stacked as ``[n_nets, fan_in, fan_out]`` with ``n_nets = n_members *
n_numeric_features`` and each layer is one batched matmul over the stack: there is
no Python loop over features. The stack is processed in groups of nets only to
keep each intermediate activation well under 32 MB, above which glibc serves
allocations by mmap and every step pays for fresh page faults (PERF_NOTES.md).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

_GROUP_BYTES = 16 * 2**20


def _trunc_normal(
    shape: tuple[int, ...], mean: float, std: float, lo: float, hi: float
):
    t = torch.empty(shape)
    nn.init.trunc_normal_(t, mean=mean, std=std, a=lo, b=hi)
    return t


class FeatureNets(nn.Module):
    """``n_nets`` independent MLPs from one number to ``n_outputs`` numbers.

    Parameters
    ----------
    n_nets : int
        How many nets are stacked.
    hidden_sizes : tuple of int
        Width of each hidden layer; the first is the ExU or ReLU unit layer.
    n_outputs : int
        Outputs per net (1, or the number of classes).
    units : {"exu", "relu"}
        First-layer unit. ExU computes ``min(max(exp(w) * (x - b), 0), cap)`` with
        ``w`` initialised in [3, 5] around 4, as in the NAM paper's code.
    dropout : float
        Dropout on hidden activations during training.
    exu_cap : float
        The ``n`` of the ExU's ReLU-n.
    """

    def __init__(
        self,
        n_nets: int,
        hidden_sizes: tuple[int, ...],
        n_outputs: int,
        units: str = "relu",
        dropout: float = 0.0,
        exu_cap: float = 1.0,
    ) -> None:
        super().__init__()
        self.n_nets, self.n_outputs, self.units = n_nets, n_outputs, units
        self.dropout, self.exu_cap = float(dropout), float(exu_cap)
        h0 = hidden_sizes[0]
        if units == "exu":
            self.w0 = nn.Parameter(_trunc_normal((n_nets, h0), 4.0, 0.5, 3.0, 5.0))
            self.b0 = nn.Parameter(_trunc_normal((n_nets, h0), 0.0, 0.5, -2.0, 2.0))
        else:
            # kinks -b/w spread over the standardised data range
            self.w0 = nn.Parameter(torch.empty(n_nets, h0).uniform_(-1.0, 1.0))
            self.b0 = nn.Parameter(torch.empty(n_nets, h0).uniform_(-1.0, 1.0))
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(hidden_sizes[:-1], hidden_sizes[1:]):
            bound = math.sqrt(6.0 / fan_in)
            self.weights.append(
                nn.Parameter(
                    torch.empty(n_nets, fan_in, fan_out).uniform_(-bound, bound)
                )
            )
            self.biases.append(nn.Parameter(torch.zeros(n_nets, 1, fan_out)))
        last = hidden_sizes[-1]
        bound = math.sqrt(6.0 / (last + n_outputs))
        self.w_out = nn.Parameter(
            torch.empty(n_nets, last, n_outputs).uniform_(-bound, bound)
        )
        self.max_width = max(hidden_sizes)

    def group_size(self, batch: int) -> int:
        """Nets per group so that one activation stays under 16 MB."""
        per_net = max(batch * self.max_width * 4, 1)
        return max(1, min(self.n_nets, _GROUP_BYTES // per_net))

    def _forward_group(self, x: torch.Tensor, sl: slice) -> torch.Tensor:
        w0, b0 = self.w0[sl].unsqueeze(1), self.b0[sl].unsqueeze(1)
        xg = x[sl].unsqueeze(2)
        if self.units == "exu":
            h = F.hardtanh(torch.exp(w0) * (xg - b0), 0.0, self.exu_cap)
        else:
            h = torch.relu(xg * w0 + b0)
        if self.training and self.dropout > 0:
            h = F.dropout(h, self.dropout, True)
        for w, b in zip(self.weights, self.biases):
            h = torch.relu(torch.baddbmm(b[sl], h, w[sl]))
            if self.training and self.dropout > 0:
                h = F.dropout(h, self.dropout, True)
        w_out = self.w_out[sl]
        if self.n_outputs == 1:
            # a one-column matmul runs at a tenth of the machine's speed
            return (h * w_out.transpose(1, 2)).sum(-1, keepdim=True)
        return torch.bmm(h, w_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape (n_nets, batch) to (n_nets, batch, n_outputs)."""
        g = self.group_size(x.shape[1])
        if g >= self.n_nets:
            return self._forward_group(x, slice(None))
        parts = [
            self._forward_group(x, slice(i, i + g)) for i in range(0, self.n_nets, g)
        ]
        return torch.cat(parts, 0)


class NAMModule(nn.Module):
    """An ensemble of NAMs: intercept plus one function per feature, per member.

    Numeric features go through :class:`FeatureNets` and have a learned value for a
    missing input; categorical features have one learned value per category.

    Parameters
    ----------
    n_numeric : int
        Number of numeric features.
    n_levels : int
        Total number of category levels over all categorical features.
    feature_order : list of int
        Position in the input of each column of ``[numeric..., categorical...]``.
    n_members : int
        Ensemble size E.
    n_outputs : int
        Outputs per feature (1, or the number of classes).
    hidden_sizes, units, dropout, exu_cap
        Passed to :class:`FeatureNets`.
    """

    def __init__(
        self,
        n_numeric: int,
        n_levels: int,
        feature_order: list[int],
        n_members: int,
        n_outputs: int,
        hidden_sizes: tuple[int, ...],
        units: str,
        dropout: float,
        exu_cap: float = 1.0,
    ) -> None:
        super().__init__()
        self.n_numeric, self.n_members, self.n_outputs = n_numeric, n_members, n_outputs
        self.n_features = len(feature_order)
        self.nets = (
            FeatureNets(
                n_members * n_numeric, hidden_sizes, n_outputs, units, dropout, exu_cap
            )
            if n_numeric
            else None
        )
        self.nan_values = nn.Parameter(torch.zeros(n_members, n_numeric, n_outputs))
        self.cat_values = nn.Parameter(torch.zeros(n_members, n_levels, n_outputs))
        self.intercept = nn.Parameter(torch.zeros(n_members, n_outputs))
        # inverse permutation: column k of the output is input feature order[k]
        inv = [0] * len(feature_order)
        for k, j in enumerate(feature_order):
            inv[j] = k
        self.register_buffer("inverse_order", torch.tensor(inv, dtype=torch.long))
        self.register_buffer("feature_mask", torch.ones(self.n_features))
        # subtracted from each member's f_j so it has mean zero on the training data
        self.register_buffer(
            "centers", torch.zeros(n_members, self.n_features, n_outputs)
        )

    def numeric_outputs(self, x_num: torch.Tensor) -> torch.Tensor:
        """Raw numeric feature-net outputs, (E, batch, n_numeric, C)."""
        e, (b, f) = self.n_members, x_num.shape
        assert self.nets is not None
        stacked = x_num.t().unsqueeze(0).expand(e, f, b).reshape(e * f, b)
        out = self.nets(stacked)  # (E*F, B, C)
        return out.view(e, f, b, self.n_outputs).transpose(1, 2)

    def forward(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor:
        """Centred contributions of every member, (E, batch, n_features, C)."""
        parts = []
        if self.n_numeric:
            num = self.numeric_outputs(x_num)
            num = torch.where(missing[None, :, :, None], self.nan_values[:, None], num)
            parts.append(num)
        if x_cat.shape[1]:
            parts.append(self.cat_values[:, x_cat])
        contrib = torch.cat(parts, 2) if len(parts) > 1 else parts[0]
        contrib = contrib.index_select(2, self.inverse_order)
        contrib = contrib * self.feature_mask[None, None, :, None]
        return contrib - self.centers[:, None]

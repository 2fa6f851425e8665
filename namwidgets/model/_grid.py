"""Feature nets on a grid: each net is evaluated at its knots, rows interpolate.

A numeric feature net is a function of one number. Over a training step it used
to be evaluated at every row of the batch (512 rows x 8 features x 64-64-32
units); on a grid it is evaluated once at ``K`` knots of its input and a row's
value is the linear interpolation between the two knots around it. The model
then *is* that piecewise-linear function: fit, predictions, ``term_functions``
and a saved file all read the same interpolation, and gradients reach the nets
through the interpolation weights.

The knots of a feature are ``GRID_KNOTS`` points evenly spaced from its lowest to
its highest mapped training value. The encoder maps a feature through its
training quantiles onto ``[-sqrt(3), sqrt(3)]``, so even knots there are
quantile knots of the raw values: each gap holds about 1/``GRID_KNOTS`` of the
rows. Even spacing makes a row's knots arithmetic (no search: a batched
``searchsorted`` cost as much as the nets' whole step here), and both end values
are knots, so a binary feature sits exactly on its two knots. Values beyond the
end knots are held at the end value (the encoder clamps its output to the
training range anyway).
"""

from __future__ import annotations

import numpy as np
import torch

GRID_KNOTS = 256  # knots per numeric feature (benchmarks/grid_speed.py)


def feature_knots(x_num: torch.Tensor, missing: torch.Tensor) -> torch.Tensor:
    """Evenly spaced knots of each numeric feature over its training values.

    Parameters
    ----------
    x_num : tensor of shape (n_rows, n_numeric)
        Mapped values (the encoder's output).
    missing : bool tensor of shape (n_rows, n_numeric)
        Missing values, which do not count.

    Returns
    -------
    tensor of shape (n_numeric, GRID_KNOTS), float32
        ``linspace(lowest, highest, GRID_KNOTS)`` per feature; a feature with
        one value (or none) gets ``value +- 1`` so that its knots stay distinct.
    """
    x = x_num.detach().cpu().double().numpy()
    miss = missing.detach().cpu().numpy()
    out = np.empty((x.shape[1], GRID_KNOTS), dtype=np.float32)
    for k in range(x.shape[1]):
        v = x[~miss[:, k], k]
        lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
        if not hi > lo:
            lo, hi = lo - 1.0, hi + 1.0
        out[k] = np.linspace(lo, hi, GRID_KNOTS)
    return torch.from_numpy(out)


def corners(knots: torch.Tensor, x: torch.Tensor):
    """The two knots around each value and the upper one's weight.

    Parameters
    ----------
    knots : tensor of shape (n, K), evenly spaced along K
    x : tensor of shape (n, B)

    Returns
    -------
    lo, hi : long tensors of shape (n, B)
    t : tensor of shape (n, B), in [0, 1]
        ``x`` reads ``(1 - t) * g[lo] + t * g[hi]``; ``g[i]`` at knot i, up to
        rounding in the position.
    """
    n_knots = knots.shape[1]
    first, last = knots[:, :1], knots[:, -1:]
    pos = (x - first) * ((n_knots - 1) / (last - first))
    pos = pos.clamp_(0.0, n_knots - 1)
    lo = pos.floor().clamp_(max=n_knots - 2)
    t = pos - lo
    lo = lo.long()
    return lo, lo + 1, t


def interpolate(
    values: torch.Tensor, lo: torch.Tensor, hi: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """Read rows off the nets' knot values.

    Parameters
    ----------
    values : tensor of shape (n, K, C)
        Each net's outputs at its knots.
    lo, hi, t : from :func:`corners`, shape (n, B)

    Returns
    -------
    tensor of shape (n, B, C)
    """
    c = values.shape[2]
    g_lo = values.gather(1, lo.unsqueeze(2).expand(-1, -1, c))
    g_hi = values.gather(1, hi.unsqueeze(2).expand(-1, -1, c))
    t = t.unsqueeze(2).to(values.dtype)
    # (1 - t) * lo + t * hi: exact at both ends (t = 0 or 1)
    return g_lo * (1 - t) + g_hi * t

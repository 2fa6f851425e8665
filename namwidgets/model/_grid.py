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

# knots per numeric feature. 256 until 2026-12-02 (third session): 128 cost
# ~22% less per main-effect step (the nets' batched matmuls halve) for the same
# accuracy in 5-fold CV (benchmarks/RESULTS.md, "Fit time (issue 15, ...
# third session)"); the 64-point step tables carry the finer detail
GRID_KNOTS = 128


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


# A numeric feature with at most this many distinct training values (and more
# than two) gets a learned value per distinct value (:func:`step_points`) ...
STEP_MAX_VALUES = 256
# ... and one with more gets a learned value at this many evenly spaced points of
# its mapped range (0: none). California Housing, fold 0 of benchmarks/accuracy.py,
# RMSE: no even points 0.5717; 32 points 0.5646; 64 0.5525; 128 0.5526; 256 0.5572
STEP_EVEN_POINTS = 64
# A table needs data: a feature gets one only where its non-missing training rows
# average at least this many per point. A free value per point is fitted as fast
# as the rows allow (Adam moves every entry at the same rate), so on small data it
# follows noise: 3,060 rows x 64 even points (48 per point) took the fairness
# notebook's proxy study from validation AUC 0.7628 to 0.7527 and moved most of
# a group's effect onto its noisy proxy; California (about 220 rows per point)
# and Adult (capital-gain: about 275 per distinct value) gain from theirs.
STEP_MIN_ROWS_PER_POINT = 100


def step_points(
    x_num: torch.Tensor,
    missing: torch.Tensor,
    max_values: int | None = None,
    n_even: int | None = None,
    min_rows: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The points of each numeric feature's table of learned values.

    A feature net is a smooth function of its input: between two adjacent values
    of a feature with few distinct ones (capital-gain: 0, then 114, ..., 3103,
    ..., 99999) it cannot jump from one to the next, and a small ReLU net takes
    many epochs to draw a jagged curve (California's latitude and longitude).
    So each feature with more than two values gets, beside its net, a table of
    learned values at points of its input (in mapped units), read by linear
    interpolation between the two points around a row:

    - a feature with at most ``max_values`` distinct training values: a point
      at each of them. A training value reads its own entry exactly;
    - a feature with more: ``n_even`` points evenly spaced from its lowest to its
      highest mapped training value (the encoder's map makes them quantile
      points of the raw values), or none where ``n_even`` is 0.

    A value between two points (for the first kind, a value unseen at fit)
    reads the line between their entries, and values beyond the ends are held at
    the end entries. Binary and constant features get none: the grid's two end
    knots already sit on a binary feature's two values. Nor does a feature whose
    non-missing rows average fewer than ``min_rows`` per point: there the table
    would fit noise (see ``STEP_MIN_ROWS_PER_POINT``).

    Parameters
    ----------
    x_num : tensor of shape (n_rows, n_numeric)
        Mapped training values (the encoder's output).
    missing : bool tensor of shape (n_rows, n_numeric)
        Missing values, which do not count.
    max_values : int, optional
        The most distinct values a feature may have to get a point at each;
        ``STEP_MAX_VALUES`` (read at the call) by default.
    n_even : int, optional
        Points of a feature with more values; ``STEP_EVEN_POINTS`` by default.
    min_rows : int, optional
        The fewest non-missing training rows per point a table needs;
        ``STEP_MIN_ROWS_PER_POINT`` by default.

    Returns
    -------
    (features, points) or None
        ``features`` (n_step,) long: the numeric columns with a table;
        ``points`` (n_step, S) float32: each one's sorted points, padded to
        the longest with its own last one. None when no feature has a table.
    """
    top = STEP_MAX_VALUES if max_values is None else int(max_values)
    even = STEP_EVEN_POINTS if n_even is None else int(n_even)
    least = STEP_MIN_ROWS_PER_POINT if min_rows is None else int(min_rows)
    x = x_num.detach().cpu()
    miss = missing.detach().cpu()
    features, values = [], []
    for k in range(x.shape[1]):
        seen = x[~miss[:, k], k].float()
        v = torch.unique(seen)
        if v.numel() > max(top, 2) and even >= 2:
            v = torch.linspace(float(v[0]), float(v[-1]), even)
        elif not 2 < v.numel() <= top:
            continue
        if seen.numel() < least * v.numel():
            continue  # too few rows per point: the table would follow noise
        features.append(k)
        values.append(v)
    if not features:
        return None
    width = max(v.numel() for v in values)
    points = torch.stack(
        [torch.cat([v, v[-1:].expand(width - v.numel())]) for v in values]
    )
    return torch.tensor(features, dtype=torch.long), points.contiguous()


def point_counts(points: torch.Tensor) -> torch.Tensor:
    """How many distinct values each row of :func:`step_points`' ``points`` has."""
    # padding repeats the last value: count the strict increases, plus one
    return (points[:, 1:] > points[:, :-1]).sum(1) + 1


def uneven_corners(points: torch.Tensor, counts: torch.Tensor, x: torch.Tensor):
    """:func:`corners` for sorted, unevenly spaced points.

    Parameters
    ----------
    points : tensor of shape (n, S)
        Sorted along S; row i has ``counts[i]`` distinct values, then repeats
        its last one.
    counts : long tensor of shape (n,), each >= 2
    x : tensor of shape (n, B), finite

    Returns
    -------
    lo, hi : long tensors of shape (n, B)
    t : tensor of shape (n, B), in [0, 1]
        As in :func:`corners`: a value equal to a point reads its entry exactly
        (``t`` is 0 or 1), values beyond the ends read the end entries.
    """
    x = x.to(points.dtype).contiguous()
    idx = torch.searchsorted(points, x, right=True) - 1
    lo = torch.minimum(idx.clamp_(min=0), (counts - 2)[:, None])
    hi = lo + 1
    p_lo, p_hi = points.gather(1, lo), points.gather(1, hi)
    t = ((x - p_lo) / (p_hi - p_lo)).clamp_(0.0, 1.0)
    return lo, hi, t


def evenly_spaced(points: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """Which rows of a table's points are :func:`step_points`' even points.

    Parameters
    ----------
    points : tensor of shape (n, S)
        As :func:`step_points` returns them (float32).
    counts : long tensor of shape (n,)
        Their distinct values (:func:`point_counts`).

    Returns
    -------
    bool tensor of shape (n,)
        True where a row's first ``counts[i]`` points equal, bit for bit,
        ``torch.linspace`` from its first to its last point in float32: the even
        points of a feature with many distinct values. A row of a feature's own
        distinct values is never taken for one unless it is exactly that grid
        (and then either reading of it is the same, up to rounding).
    """
    out = torch.zeros(points.shape[0], dtype=torch.bool)
    p = points.detach().cpu().float()
    for i, c in enumerate(counts.tolist()):
        even = torch.linspace(float(p[i, 0]), float(p[i, c - 1]), c)
        out[i] = bool(torch.equal(p[i, :c], even))
    return out.to(points.device)


def even_corners(points: torch.Tensor, counts: torch.Tensor, x: torch.Tensor):
    """:func:`uneven_corners` for rows of evenly spaced points, by arithmetic.

    A row's position is ``(x - first) * (count - 1) / (last - first)``: no
    search (a batched ``searchsorted`` cost about six times these few
    element-wise operations here: 1.65 ms against 0.25 ms for 8 x 1,328
    values). The same corners as :func:`uneven_corners` except where a value
    lies within rounding of a point, and the same interpolated value up to
    rounding: float32 positions, and float32 points that are the roundings of
    an even grid (about 2e-6 of a gap in ``t``).

    Parameters
    ----------
    points : tensor of shape (n, S)
        Each row evenly spaced over its first ``counts[i]`` entries.
    counts : long tensor of shape (n,), each >= 2
    x : tensor of shape (n, B)

    Returns
    -------
    lo, hi, t
        As :func:`uneven_corners`.
    """
    x = x.to(points.dtype)
    top = (counts - 1).to(points.dtype)[:, None]
    first = points[:, :1]
    last = points.gather(1, (counts - 1)[:, None])
    pos = (x - first) * (top / (last - first))
    pos = torch.minimum(pos.clamp_(min=0.0), top)
    lo = torch.minimum(pos.floor(), top - 1)
    t = pos - lo
    lo = lo.long()
    return lo, lo + 1, t


def table_corners(
    points: torch.Tensor, counts: torch.Tensor, even: torch.Tensor, x: torch.Tensor
):
    """Corners of the step tables, each row by its own kind of points.

    :func:`even_corners` where ``even``, else :func:`uneven_corners`.

    Parameters
    ----------
    points, counts, x
        As :func:`uneven_corners`.
    even : bool tensor of shape (n,)
        :func:`evenly_spaced` of the points.

    Returns
    -------
    lo, hi, t
        As :func:`uneven_corners`, shape (n, B).
    """
    n_even = int(even.sum())
    if n_even == even.numel():
        return even_corners(points, counts, x)
    if n_even == 0:
        return uneven_corners(points, counts, x)
    ie, iu = even.nonzero().squeeze(1), (~even).nonzero().squeeze(1)
    parts = [
        even_corners(points[ie], counts[ie], x[ie]),
        uneven_corners(points[iu], counts[iu], x[iu]),
    ]
    order = torch.cat([ie, iu]).argsort()
    lo, hi, t = (torch.cat([a, b]).index_select(0, order) for a, b in zip(*parts))
    return lo, hi, t

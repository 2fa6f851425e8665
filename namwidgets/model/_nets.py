"""The torch NAM: every feature net of every ensemble member computed together.

Weights are stacked as ``[n_nets, fan_in, fan_out]`` with ``n_nets = n_members *
n_numeric_features`` and each layer is one batched matmul over the stack: there is
no Python loop over features. On CPU the stack is processed in groups of nets of
about 2 MB of activation each: small enough to stay near the caches and far below
32 MB, above which glibc serves allocations by mmap and every step pays for fresh
page faults (PERF_NOTES.md).

What makes it fast (``benchmarks/train_speed.py`` measures it):

- the first layer (1 -> H units) is one custom autograd function: one fused pass
  forward (``addcmul``, then an in-place clamp) and a backward that reduces the
  unit gradients with one batched matmul, instead of autograd's chain of
  broadcast temporaries and a slow ``clamp`` backward;
- on CPU, an ExU unit ``clamp(exp(w) * (x - b), 0, cap)`` is constant outside a
  window of x of width ``cap / exp(w)`` (0.007 to 0.05 standard deviations at
  initialisation: under 1% of (row, unit) pairs fall inside one). On rows sorted
  by x, ExU layer @ next layer is then a cumulative sum of the next layer's
  weights (the saturated units) plus a sparse product with the pairs inside a
  window, with the same result up to rounding. The [batch, H] activation is never
  built and the paper's 1024-unit ExU net costs about what a small ReLU net does.
  CUDA, ``torch.compile``, dropout, or windows grown wide in training take the
  dense path;
- glibc's heap is kept instead of being trimmed and re-faulted at every step
  (:func:`_tune_malloc`).
"""

from __future__ import annotations

import ctypes
import math
import os
import platform
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from ._grid import corners, evenly_spaced, interpolate, point_counts, table_corners

# nets per group: activations of a group stay near the CPU caches (2 MB measured
# 1.3x faster than 16 MB for ReLU 64-64-32) and far below the 32 MB mmap cliff
_GROUP_BYTES = 2 * 2**20
_WINDOW_GROUP_BYTES = 4 * 2**20
# the sparse ExU path is used while at most this share of (row, unit) pairs sits
# inside a window (about 0.7% at initialisation); at ~3% the dense path is as fast
_WINDOW_MAX_DENSITY = 0.025
_MALLOC_TUNED = False


@torch.compiler.disable
def _tune_malloc() -> None:
    """Keep glibc from returning and re-faulting the heap at every training step.

    glibc trims the top of the heap when more than 2x its (dynamic) mmap threshold
    is free, so a training loop that frees and re-allocates a few MB of activations
    per step page-faults them in again each time (~10k faults per epoch, 15-25% of
    the ExU epoch time measured here). Fixing the mmap threshold at 32 MB (the
    value glibc's dynamic rule grows to anyway) and the trim threshold at 256 MB
    bounds the memory kept. Once per process, glibc on Linux only; set
    ``NAMWIDGETS_MALLOPT=0`` to leave the allocator alone.
    """
    global _MALLOC_TUNED
    if _MALLOC_TUNED:
        return
    _MALLOC_TUNED = True
    if os.environ.get("NAMWIDGETS_MALLOPT", "1") == "0":
        return
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)
    mallopt(m_trim_threshold, 256 * 2**20)


def _trunc_normal(
    shape: tuple[int, ...], mean: float, std: float, lo: float, hi: float
):
    t = torch.empty(shape)
    nn.init.trunc_normal_(t, mean=mean, std=std, a=lo, b=hi)
    return t


class _UnitLayer(torch.autograd.Function):
    """``h = clamp(c + x * s, 0, cap)`` for x (n, B), s and c (n, H) -> (n, B, H).

    ``cap=inf`` is a ReLU. The clamp's backward uses the saved output: 0 < h < cap
    exactly where 0 < z < cap.
    """

    @staticmethod
    def forward(ctx, x, s, c, cap: float):
        h = torch.addcmul(c.unsqueeze(1), x.unsqueeze(2), s.unsqueeze(1))
        h = torch.relu_(h) if math.isinf(cap) else F.hardtanh_(h, 0.0, cap)
        ctx.cap = cap
        ctx.save_for_backward(x, h)
        return h

    @staticmethod
    def backward(ctx, grad):
        x, h = ctx.saved_tensors
        if math.isinf(ctx.cap):
            gz = torch.ops.aten.threshold_backward(grad, h, 0.0)
        else:
            gz = torch.ops.aten.hardtanh_backward(grad, h, 0.0, ctx.cap)
        gs = torch.bmm(x.unsqueeze(1), gz).squeeze(1)
        return None, gs, gz.sum(1), None


def _csr(crow, col, values, size):
    with warnings.catch_warnings():  # "sparse CSR support is in beta state"
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            crow, col, values, size=size, check_invariants=False
        )


def _exu_windows(xs, w0, b0, cap):
    """Rows [lo, hi) of sorted ``xs`` where each ExU unit is strictly in (0, cap)."""
    s = torch.exp(w0)
    lo = torch.searchsorted(xs, b0.contiguous(), right=True)
    top = torch.addcdiv(b0, torch.full_like(s, cap), s).contiguous()
    hi = torch.maximum(torch.searchsorted(xs, top), lo)
    return s, lo, hi


class _ExUWindowLinear(torch.autograd.Function):
    """``clamp(exp(w0) * (x - b0), 0, cap) @ W + bias`` on rows sorted by x.

    xs (n, B) sorted along B; w0, b0 (n, H); W (n, H, D); bias (n, 1, D) or None.
    Saturated units (h = cap) contribute ``cap * W[k]`` to every row from their
    window's end on: a cumulative sum. Units inside their window are the sparse
    matrix Z (n*B, n*H) of values ``exp(w0) * (x - b0)``.
    """

    @staticmethod
    def forward(ctx, xs, w0, b0, W, bias, cap: float, windows):
        s, lo, hi = windows
        n, B = xs.shape
        H, D = W.shape[1], W.shape[2]
        dev = xs.device
        cnt = (hi - lo).reshape(-1)
        crow = torch.zeros(n * H + 1, dtype=torch.long, device=dev)
        torch.cumsum(cnt, 0, out=crow[1:])
        nnz = int(crow[-1])
        unit = torch.repeat_interleave(
            torch.arange(n * H, device=dev), cnt, output_size=nnz
        )
        base = lo + torch.arange(n, device=dev)[:, None] * B
        row = torch.repeat_interleave(
            base.reshape(-1) - crow[:-1], cnt, output_size=nnz
        )
        row += torch.arange(nnz, device=dev)
        z = s.reshape(-1)[unit] * (xs.reshape(-1)[row] - b0.reshape(-1)[unit])
        z.clamp_(0.0, cap)  # rounding at a window's edges
        Wf = W.reshape(n * H, D)
        # saturated units: cumulative sum of cap * W[k] from row hi[k] on
        acc = torch.zeros(n * (B + 1), D, dtype=W.dtype, device=dev)
        start = hi + torch.arange(n, device=dev)[:, None] * (B + 1)
        acc.index_add_(0, start.reshape(-1), Wf, alpha=cap)
        y = acc.view(n, B + 1, D)[:, :B].cumsum(1)
        # units inside their window: Z @ W with Z in row-major CSR
        order = torch.argsort(row, stable=True)
        zrow = row[order]
        crow_r = torch.zeros(n * B + 1, dtype=torch.long, device=dev)
        torch.cumsum(torch.bincount(zrow, minlength=n * B), 0, out=crow_r[1:])
        Z = _csr(crow_r, unit[order], z[order], (n * B, n * H))
        y.view(n * B, D).add_(torch.sparse.mm(Z, Wf))
        if bias is not None:
            y += bias
        ctx.cap, ctx.has_bias = cap, bias is not None
        ctx.zt = _csr(crow, row, z, (n * H, n * B))  # Z transposed, unit-major
        ctx.save_for_backward(s, W, hi, unit, z)
        return y

    @staticmethod
    def backward(ctx, gy):
        s, W, hi, unit, z = ctx.saved_tensors
        n, H = s.shape
        B, D = gy.shape[1], W.shape[2]
        dev = gy.device
        gy = gy.contiguous()
        gflat = gy.view(n * B, D)
        zt = ctx.zt
        # prefix sums of gy over rows: saturated unit k gets cap * sum_{r >= hi[k]}
        prefix = torch.cat([gy.new_zeros(n, 1, D), gy.cumsum(1)], 1)
        start = (hi + torch.arange(n, device=dev)[:, None] * (B + 1)).reshape(-1)
        upto = prefix.view(n * (B + 1), D).index_select(0, start).view(n, H, D)
        gW = (prefix[:, B:] - upto).mul_(ctx.cap)
        gW.view(n * H, D).add_(torch.sparse.mm(zt, gflat))
        # d loss / d z for every in-window pair, then the unit parameters
        gz = torch.sparse.sampled_addmm(zt, W.reshape(n * H, D), gflat.t(), beta=0.0)
        gz = gz.values()
        gw0 = torch.zeros(n * H, dtype=s.dtype, device=dev).index_add_(0, unit, gz * z)
        gsum = torch.zeros(n * H, dtype=s.dtype, device=dev).index_add_(0, unit, gz)
        gb0 = -s * gsum.view(n, H)
        gbias = prefix[:, B:].clone() if ctx.has_bias else None
        return None, gw0.view(n, H), gb0, gW, gbias, None, None


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

    Notes
    -----
    ``exu_window`` (class attribute, default True) enables the sparse ExU path on
    CPU; set it to False on an instance to force the dense path. The unit layer
    computes ``exp(w) * x - exp(w) * b`` in one fused pass, which differs from
    ``exp(w) * (x - b)`` only in rounding.
    """

    exu_window: bool = True

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
            # kinks at b0, spread evenly over the inputs' range: the encoder maps
            # each feature through its quantiles onto [-sqrt(3), sqrt(3)], so this
            # puts the same number of units in every slice of the rows (the
            # paper's truncated normal around 0 leaves the tails with none)
            half = math.sqrt(3.0)
            self.b0 = nn.Parameter(torch.empty(n_nets, h0).uniform_(-half, half))
        else:
            # kinks -b/w spread over the mapped data range (see the ExU branch)
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
        # widest tensor the sparse ExU path materialises, per row and net
        self.window_width = max(list(hidden_sizes[1:]) + [n_outputs])

    def group_size(
        self, batch: int, width: int | None = None, budget: int = _GROUP_BYTES
    ) -> int:
        """Nets per group so that one activation stays under ``budget`` bytes."""
        per_net = max(batch * (width or self.max_width) * 4, 1)
        return max(1, min(self.n_nets, budget // per_net))

    def _split(self, tensors, batch: int, width: int, device, budget=_GROUP_BYTES):
        cpu = device.type == "cpu"
        g = self.group_size(batch, width, budget) if cpu else self.n_nets
        sizes = [g] * (self.n_nets // g) + (
            [self.n_nets % g] if self.n_nets % g else []
        )
        # split (not slice) so that backward joins the group gradients in one cat
        return list(zip(*(torch.split(t, sizes) for t in tensors)))

    def _tail(self, h, weights, biases, w_out):
        """Hidden layers after the first, then the linear output layer."""
        drop = self.training and self.dropout > 0
        for w, b in zip(weights, biases):
            h = torch.relu_(torch.baddbmm(b, h, w))
            if drop:
                h = F.dropout(h, self.dropout, True)
        if self.n_outputs == 1:
            # a one-column matmul runs at a tenth of the machine's speed
            return (h * w_out.transpose(1, 2)).sum(-1, keepdim=True)
        return torch.bmm(h, w_out)

    def _use_window(self, x: torch.Tensor) -> bool:
        return (
            self.exu_window
            and self.units == "exu"
            and not torch.compiler.is_compiling()
            and x.device.type == "cpu"
            and not (self.training and self.dropout > 0)
            and math.isfinite(self.exu_cap)
            and x.numel() > 0
            and bool(torch.isfinite(x).all())
        )

    def _forward_window(self, x: torch.Tensor):
        """Sparse ExU path (CPU); None where too many pairs sit in a window."""
        xs, order = torch.sort(x, dim=1, stable=True)
        with torch.no_grad():
            s, lo, hi = _exu_windows(xs, self.w0, self.b0, self.exu_cap)
            if float((hi - lo).sum()) > _WINDOW_MAX_DENSITY * hi.numel() * x.shape[1]:
                return None
        tensors = [xs, s, lo, hi, self.w0, self.b0]
        if self.weights:  # unit layer @ first hidden layer, then the rest
            tensors += [self.weights[0], self.biases[0], *self.weights[1:]]
            tensors += [*self.biases[1:], self.w_out]
        else:  # unit layer @ output layer
            tensors += [self.w_out]
        nw = len(self.weights) - 1
        outs = []
        width, cap = self.window_width, self.exu_cap
        for grp in self._split(
            tensors, x.shape[1], width, x.device, _WINDOW_GROUP_BYTES
        ):
            xg, windows, w0, b0, w1 = grp[0], grp[1:4], grp[4], grp[5], grp[6]
            if not self.weights:
                outs.append(_ExUWindowLinear.apply(xg, w0, b0, w1, None, cap, windows))
                continue
            y = _ExUWindowLinear.apply(xg, w0, b0, w1, grp[7], cap, windows)
            rest = grp[8:]
            outs.append(self._tail(torch.relu_(y), rest[:nw], rest[nw:-1], rest[-1]))
        out = torch.cat(outs, 0)
        idx = order.unsqueeze(2).expand_as(out)
        return out.new_empty(out.shape).scatter(1, idx, out)

    def _forward_dense(self, x: torch.Tensor) -> torch.Tensor:
        if self.units == "exu":
            s = torch.exp(self.w0)
            c, cap = -self.b0 * s, self.exu_cap
        else:
            s, c, cap = self.w0, self.b0, math.inf
        nw = len(self.weights)
        tensors = [x, s, c, *self.weights, *self.biases, self.w_out]
        outs = []
        drop = self.training and self.dropout > 0
        for grp in self._split(tensors, x.shape[1], self.max_width, x.device):
            h = _UnitLayer.apply(grp[0], grp[1], grp[2], cap)
            if drop:
                h = F.dropout(h, self.dropout, True)
            outs.append(
                self._tail(h, grp[3 : 3 + nw], grp[3 + nw : 3 + 2 * nw], grp[-1])
            )
        return torch.cat(outs, 0) if len(outs) > 1 else outs[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` of shape (n_nets, batch) to (n_nets, batch, n_outputs)."""
        x = x.contiguous()
        if not (_MALLOC_TUNED or torch.compiler.is_compiling()):
            if self.training and x.device.type == "cpu":
                _tune_malloc()
        if self._use_window(x):
            out = self._forward_window(x)
            if out is not None:
                return out
        return self._forward_dense(x)


class NAMModule(nn.Module):
    """An ensemble of NAMs: intercept plus one function per feature, per member.

    Numeric features go through :class:`FeatureNets` and have a learned value for a
    missing input; categorical features have one learned value per category. Fit
    adds to the numeric features with more than two values a table of learned
    values at points of their input, read by interpolation (:meth:`set_steps`,
    :func:`._grid.step_points`).

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

    # buffers
    inverse_order: torch.Tensor  # [n_features], long
    feature_mask: torch.Tensor  # [n_features], 1.0 or 0.0
    centers: torch.Tensor  # [n_members, n_features, n_outputs]
    knots: torch.Tensor | None  # [n_numeric, K] or None (direct evaluation)
    step_features: torch.Tensor | None  # [n_step], long: numeric columns with a table
    step_points: torch.Tensor | None  # [n_step, S]: their distinct mapped values
    step_counts: torch.Tensor | None  # [n_step], long (not saved: from the points)
    step_even: torch.Tensor | None  # [n_step], bool: even points (not saved: ditto)
    step_values: nn.Parameter | None  # [n_members, n_step, S, n_outputs]

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
        # set by fit (:meth:`set_knots`): the nets are then evaluated at their
        # knots and rows interpolate (:mod:`._grid`); None evaluates them at every
        # row (models saved before the grid)
        self.register_buffer("knots", None)
        # set by fit (:meth:`set_steps`): a learned value per distinct value of
        # the numeric features with few of them (:func:`._grid.step_points`);
        # None (models saved before them) adds nothing
        self.register_buffer("step_features", None)
        self.register_buffer("step_points", None)
        self.register_buffer("step_counts", None, persistent=False)
        self.register_buffer("step_even", None, persistent=False)
        self.register_parameter("step_values", None)

    def set_knots(self, knots: torch.Tensor | None) -> None:
        """Put the numeric nets on a grid: knots (n_numeric, K), or None."""
        if knots is not None:
            if knots.ndim != 2 or knots.shape[0] != self.n_numeric:
                raise ValueError(
                    f"knots must have shape ({self.n_numeric}, K), got "
                    f"{tuple(knots.shape)}"
                )
            knots = knots.to(self.centers.device, torch.float32).contiguous()
        self.knots = knots

    def set_steps(
        self, features: torch.Tensor | None, points: torch.Tensor | None
    ) -> None:
        """Give numeric columns ``features`` a learned value at each of ``points``.

        ``features`` (n_step,) long and ``points`` (n_step, S) as returned by
        :func:`._grid.step_points` (or both None: no table). The values start
        at zero, so a fresh table leaves the function unchanged.
        """
        if features is None or points is None:
            self.step_features = self.step_points = self.step_counts = None
            self.step_even = None
            self.step_values = None
            return
        n = int(features.numel())
        if points.ndim != 2 or points.shape[0] != n or points.shape[1] < 2:
            raise ValueError(
                f"points must have shape ({n}, S) with S >= 2, got "
                f"{tuple(points.shape)}"
            )
        if n and (int(features.min()) < 0 or int(features.max()) >= self.n_numeric):
            raise ValueError(f"step features must lie in [0, {self.n_numeric})")
        dev = self.centers.device
        points = points.to(dev, torch.float32).contiguous()
        counts = point_counts(points)
        if n and int(counts.min()) < 2:
            raise ValueError("each step feature needs at least 2 distinct points")
        self.step_features = features.to(dev, torch.long)
        self.step_points, self.step_counts = points, counts
        self.step_even = evenly_spaced(points, counts)
        self.step_values = nn.Parameter(
            torch.zeros(self.n_members, n, points.shape[1], self.n_outputs, device=dev)
        )

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a file with a step table: make room for it before the strict load
        key = prefix + "step_points"
        if key in state_dict and self.step_points is None:
            self.set_steps(state_dict[prefix + "step_features"], state_dict[key])
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if self.step_points is not None:
            self.step_counts = point_counts(self.step_points)
            self.step_even = evenly_spaced(self.step_points, self.step_counts)

    def step_outputs(self, x_num: torch.Tensor) -> torch.Tensor | None:
        """The step tables read at ``x_num``, (E, batch, n_step, C); None if none."""
        if self.step_values is None or self.step_points is None:
            return None
        assert self.step_features is not None and self.step_counts is not None
        assert self.step_even is not None
        vals = self.step_values
        e, n, s, c = vals.shape
        b = x_num.shape[0]
        xs = x_num.index_select(1, self.step_features).t()
        # even points by arithmetic, a feature's own distinct values by search
        lo, hi, t = table_corners(
            self.step_points, self.step_counts, self.step_even, xs
        )
        lo, hi, t = (
            v.unsqueeze(0).expand(e, n, b).reshape(e * n, b) for v in (lo, hi, t)
        )
        out = interpolate(vals.reshape(e * n, s, c), lo, hi, t)
        return out.view(e, n, b, c).transpose(1, 2)

    def numeric_outputs(self, x_num: torch.Tensor) -> torch.Tensor:
        """Raw numeric feature-net outputs, (E, batch, n_numeric, C)."""
        e, (b, f) = self.n_members, x_num.shape
        assert self.nets is not None
        if self.knots is not None:
            knots = self.knots
            k = knots.shape[1]
            values = self.nets(knots.unsqueeze(0).expand(e, f, k).reshape(e * f, k))
            lo, hi, t = corners(knots, x_num.t().to(knots.dtype))
            lo, hi, t = (
                v.unsqueeze(0).expand(e, f, b).reshape(e * f, b) for v in (lo, hi, t)
            )
            out = interpolate(values, lo, hi, t)
        else:
            stacked = x_num.t().unsqueeze(0).expand(e, f, b).reshape(e * f, b)
            out = self.nets(stacked)  # (E*F, B, C)
        out = out.view(e, f, b, self.n_outputs).transpose(1, 2)
        steps = self.step_outputs(x_num)
        if steps is not None:
            assert self.step_features is not None
            out = out.index_add(2, self.step_features, steps.to(out.dtype))
        return out

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

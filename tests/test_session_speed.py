"""The session's fast paths give the numbers of the slow ones.

Opening reads the model in blocks; the live metrics take one blocked pass; the
region edits write block by block; a categorical feature's labels reach edits
as codes. Each is checked here against the plain computation it replaces:
exactly where the plain one is exact, to 1e-12 for sums in another order, and
within the stated bound for the histogram AUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from namwidgets import EditSession
from namwidgets.datasets import make_additive
from namwidgets.edit._kernels import (
    _SEGMENT_MIN_ROWS,
    _in_region,
    _interp_region,
    _interp_where,
    _row_segments,
)
from namwidgets.edit._live import regression_live_metrics
from namwidgets.edit._live_cls import binary_live_metrics
from namwidgets.edit._metrics import HISTOGRAM_AUC_TOLERANCE, compute_metrics
from namwidgets.edit._state import (
    LIVE_AUC_MAX_ROWS,
    check_y,
    linear_predictor,
    predictions_of,
    term_major_contributions,
)


def _binary(n, seed, ties=False):
    rng = np.random.default_rng(seed)
    eta = rng.normal(0, 1.5, n)
    if ties:
        eta = np.round(eta, 1)
    p = 1 / (1 + np.exp(-eta))
    y = (rng.random(n) < p).astype(int)
    return y, np.column_stack([1 - p, p]), rng.uniform(0.2, 3.0, n)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n", [2, 999, 70_000, 200_003])
def test_binary_live_metrics_equal_scikit_learns(n, weighted):
    y, proba, w = _binary(n, seed=n)
    y[0], y[-1] = 0, 1  # both classes present
    w = w if weighted else None
    live = binary_live_metrics(y == 1, proba, w)
    exact = compute_metrics("binary", y, proba, np.array([0, 1]), w)
    for k in ("accuracy", "balanced_accuracy", "log_loss", "brier"):
        assert live[k] == pytest.approx(exact[k], rel=1e-12, abs=1e-12), k
    np.testing.assert_allclose(
        live["confusion_matrix"], exact["confusion_matrix"], rtol=1e-12, atol=1e-12
    )
    assert min(min(r) for r in live["confusion_matrix"]) >= 0
    assert abs(live["roc_auc"] - exact["roc_auc"]) <= live["roc_auc_bound"] + 1e-12
    if not weighted:
        assert all(type(v) is int for r in live["confusion_matrix"] for v in r)
    if n >= 70_000:
        assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE  # histogram is used


@pytest.mark.parametrize("seed", range(4))
def test_histogram_auc_of_the_live_pass_is_within_its_bound(seed):
    y, proba, w = _binary(100_000, seed, ties=seed % 2 == 1)
    weights = w if seed >= 2 else None
    live = binary_live_metrics(y == 1, proba, weights)
    exact = skm.roc_auc_score(y, proba[:, 1], sample_weight=weights)
    assert abs(live["roc_auc"] - exact) <= live["roc_auc_bound"] + 1e-12
    if seed % 2 == 1:  # rounded scores: ties the histogram cannot split
        assert live["roc_auc_bound"] > HISTOGRAM_AUC_TOLERANCE
    else:
        assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
        assert abs(live["roc_auc"] - exact) < HISTOGRAM_AUC_TOLERANCE


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_live_metrics_equal_scikit_learns(weighted):
    rng = np.random.default_rng(3)
    n = 150_001
    y = rng.normal(size=n)
    pred = y + rng.normal(0, 0.5, n)
    w = rng.uniform(0.1, 2.0, n) if weighted else None
    live = regression_live_metrics(y, pred, w)
    exact = compute_metrics("regression", y, pred, None, w)
    assert set(live) == set(exact)
    for k, v in exact.items():
        assert live[k] == pytest.approx(v, rel=1e-12, abs=1e-12), k
    const = np.full(10, 2.0)
    assert regression_live_metrics(const, const)["r2"] == 1.0
    assert regression_live_metrics(const, const + 1)["r2"] == 0.0


@pytest.fixture(scope="module")
def big_sessions(fitted_regressor, fitted_classifier):
    """Sessions past LIVE_AUC_MAX_ROWS, where the live AUC is the histogram's."""
    # past LIVE_AUC_MAX_ROWS and past the row count from which region edits
    # keep each row's grid segment (_kernels._SEGMENT_MIN_ROWS)
    n = max(LIVE_AUC_MAX_ROWS, _SEGMENT_MIN_ROWS) + 4_000
    X, y = make_additive(n, random_state=11)
    Xc, yc = make_additive(n, classification=True, random_state=11)
    w = np.random.default_rng(0).uniform(0.5, 2.0, n)
    return (
        EditSession(fitted_regressor, X, y),
        EditSession(fitted_classifier[0], Xc, yc),
        EditSession(fitted_classifier[0], Xc, yc, sample_weight=w),
    )


def test_live_metrics_of_a_big_session_equal_the_exact_ones(big_sessions):
    for s in big_sessions:
        s.scale("smooth", 0.5).set_category("colour", "red", 0.7)
        s.monotone("quadratic", True, -1.0, 2.0)
        for state in ("original", "last", "current"):
            slow, fast = s.metrics(state), s.metrics(state, fast=True)
            assert set(slow) == set(fast)
            for k, v in slow.items():
                tol = HISTOGRAM_AUC_TOLERANCE if k == "roc_auc" else 1e-12
                np.testing.assert_allclose(fast[k], v, rtol=tol, atol=tol, err_msg=k)
            if "roc_auc" in slow:
                assert fast["roc_auc"] != slow["roc_auc"]  # the histogram's, not sort


def test_contributions_read_in_blocks_equal_one_model_call(fitted_classifier):
    clf, X, _ = fitted_classifier
    frame = clf.check_X(X.iloc[:203])
    whole = clf.contributions_array(frame)
    blocked = term_major_contributions(clf, frame, block=16)
    assert blocked.dtype == np.float64 and blocked.flags.c_contiguous
    np.testing.assert_array_equal(blocked, whole.transpose(1, 0, 2))
    s = EditSession(clf, X.iloc[:203])
    np.testing.assert_array_equal(s.contributions("original"), whole)
    assert s.contributions().dtype == np.float64  # the dtype policy: float64 out
    assert s.predictions().dtype == np.float64


def test_region_edits_write_region_rows_only_bit_for_bit():
    rng = np.random.default_rng(4)
    x = rng.normal(size=100_003)
    x[::97] = np.nan
    grid = np.linspace(-2, 2, 41)
    values = np.sin(grid)
    for lo, hi in [(-1.0, 0.5), (None, 0.0), (0.3, None), (None, None)]:
        target = np.full((len(x), 2), 7.0)
        _interp_where(x, grid, values, target[:, 1], lo, hi)
        inside = ~np.isnan(x)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        np.testing.assert_array_equal(
            target[inside, 1], np.interp(x[inside], grid, values)
        )
        assert (target[~inside, 1] == 7.0).all() and (target[:, 0] == 7.0).all()


@pytest.mark.parametrize("seed", range(6))
def test_region_interpolation_from_kept_segments_is_np_interp_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    n = _SEGMENT_MIN_ROWS + 1_000
    grid = np.unique(np.round(rng.normal(size=int(rng.integers(2, 300))), seed % 4))
    if len(grid) < 2:
        grid = np.array([-1.0, 1.0])
    # rows off, on and between grid points, beyond both ends, and missing
    x = np.concatenate(
        [rng.normal(0, 2, n - 1_100), rng.choice(grid, 1_000), [np.nan] * 100]
    )
    if seed % 2:  # sorted: blocks of rows wholly outside, wholly inside, split
        x.sort()
    else:
        rng.shuffle(x)
    x.flags.writeable = False
    rows = _row_segments(x, grid)
    assert rows is not None and _row_segments(x, grid) is rows  # kept, not redone
    assert _row_segments(x.copy(), grid) is None  # a writable x is never kept
    finite = ~np.isnan(x)
    seg = np.searchsorted(grid, x[finite], "right") - 1
    np.testing.assert_array_equal(rows.seg[finite], seg)
    assert (rows.seg[finite] == -1).any() and (rows.seg == len(grid) - 1).any()
    off = np.where(seg >= 0, x[finite] - grid[np.maximum(seg, 0)], 0.0)
    np.testing.assert_array_equal(rows.offset[finite], off)
    assert (rows.offset[~finite] == 0).all()
    for lo, hi in [(None, None), (-0.5, 0.7), (float(grid[1]), None)]:
        mask = _in_region(grid, lo, hi)
        if not mask.any():
            continue
        gr, v = grid[mask], rng.normal(size=int(mask.sum()))
        got = np.full(n, 5.0)
        _interp_region(x, rows, int(np.argmax(mask)), gr, v, got, lo, hi)
        want = np.full(n, 5.0)
        inside = _in_region(x, lo, hi)
        want[inside] = np.interp(x[inside], gr, v)
        np.testing.assert_array_equal(got, want)
        # three outputs at once (a multiclass term), written into a strided view
        vs = rng.normal(size=(int(mask.sum()), 3))
        got3 = np.full((n, 4), 5.0)
        _interp_region(x, rows, int(np.argmax(mask)), gr, vs, got3[:, 1:], lo, hi)
        assert (got3[:, 0] == 5.0).all()
        # and into the session's class-major layout (each column contiguous)
        major = np.full((3, n), 5.0).T
        _interp_region(x, rows, int(np.argmax(mask)), gr, vs, major, lo, hi)
        for c in range(3):
            want = np.full(n, 5.0)
            want[inside] = np.interp(x[inside], gr, vs[:, c])
            np.testing.assert_array_equal(got3[:, c + 1], want)
            np.testing.assert_array_equal(major[:, c], want)


def test_set_category_by_codes_moves_exactly_that_levels_rows(fitted_regressor):
    X, y = make_additive(5000, random_state=2)
    s = EditSession(fitted_regressor, X, y)
    t = s.term_names.index("colour")
    before = s.contributions()[:, t, 0].copy()
    s.set_category("colour", "blue", 1.25)
    after = s.contributions()[:, t, 0]
    blue = (X["colour"] == "blue").to_numpy()
    assert blue.any() and (~blue).any()
    assert (after[blue] == 1.25).all()
    np.testing.assert_array_equal(after[~blue], before[~blue])
    s.set_category("colour", "red", -0.5)
    red = (X["colour"] == "red").to_numpy()
    assert (s.contributions()[red, t, 0] == -0.5).all()
    assert (s.contributions()[blue, t, 0] == 1.25).all()


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array([0.0, 1.0, 1.0, 0.0]),
        np.array([False, True, True, False]),
        np.array(["a", "b", "b", "a"]),
        np.array(["a", "b", "b", "a"], dtype=object),
        pd.Series(["a", "b", "b", "a"], dtype="category"),
    ],
)
def test_check_y_reads_labels_of_every_array_kind(y):
    values = pd.Series(y).tolist()
    classes = np.array(sorted(set(values)))
    out = check_y(y, 4, classes)
    assert out.tolist() == values and not out.flags.writeable
    with pytest.raises(ValueError, match="classes"):
        check_y(y, 4, classes[:1])


def test_check_y_still_refuses_missing_and_mixed_labels():
    with pytest.raises(ValueError, match="missing"):
        check_y(np.array([0.0, np.nan, 1.0]), 3, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="missing"):
        check_y(np.array(["a", None, "b"], dtype=object), 3, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="mixes"):
        check_y(np.array([1, "b", "b"], dtype=object), 3, np.array(["a", "b"]))


def test_blocked_predictions_and_who_moved_equal_the_plain_ones(
    big_sessions, monkeypatch
):
    from namwidgets.edit import _metrics

    for s in big_sessions:
        s.shift("jagged", 0.4).scale("smooth", 0.0)
        for state in ("original", "current"):
            eta = s.linear_predictor(state)
            np.testing.assert_array_equal(
                s.predictions(state), s.model.inverse_link(eta)
            )
        blocked = s.affected()
        with monkeypatch.context() as m:
            m.setattr(_metrics, "BLOCK", 10**9)  # the plain, whole-array path
            plain = s.affected()
        assert blocked["n_changed"] > 0 and blocked.keys() == plain.keys()
        for k, v in plain.items():
            if isinstance(v, float):
                assert blocked[k] == pytest.approx(v, rel=1e-12, abs=1e-15), k
            else:
                assert blocked[k] == v, k


def test_recycled_arrays_never_change_under_a_caller(big_sessions):
    s = big_sessions[1]  # a binary classifier past the pool's row threshold
    s.shift("jagged", 0.1)  # a "last" state apart from the original
    held = []
    for i in range(12):
        s.scale("smooth", 0.1 * i, merge=True)  # a drag: each move drops a state
        pred, eta = s.predictions(), s.linear_predictor()
        if i % 4 == 0:  # a caller keeps some states' arrays
            held.append((pred, pred.copy(), eta, eta.copy()))
        s.metrics(fast=True)
    _assert_unchanged(held)
    # the current state's numbers are a plain recomputation's, bit for bit
    eta = linear_predictor(s._current, s._intercept)
    np.testing.assert_array_equal(s.linear_predictor(), eta)
    np.testing.assert_array_equal(s.predictions(), predictions_of(s.model, eta))
    # and memory was reused: 12 moves made 24 arrays' worth of states
    # (the pool keeps the arrays that own the memory; a state's arrays are
    # views of them, whatever the layout)
    made = {id(a) for a in s._pool.arrays}

    def owner(a):
        while a.base is not None:
            a = a.base
        return a

    for i in range(6):
        s.scale("smooth", 0.05 * i, merge=True)
        s.predictions()
        assert id(owner(s.linear_predictor())) in made
        assert id(owner(s.predictions())) in made
    del held
    while s.undo():
        pass


def _three_classes(y):
    return pd.cut(y, 3, labels=["low", "mid", "high"]).astype(str)


@pytest.fixture(scope="module")
def three_class_model():
    """A small three-class NAM (its sessions are opened on other, larger data)."""
    from namwidgets import NAMClassifier

    X, y = make_additive(1_500, random_state=4)
    return NAMClassifier(
        random_state=0, hidden_sizes=(16,), max_epochs=3, verbose=0, n_threads=1
    ).fit(X, _three_classes(y))


def _assert_unchanged(held):
    """Each (array, copy taken then, ...) pair of ``held`` still equal."""
    for arrays in held:
        for now, then in zip(arrays[::2], arrays[1::2]):
            np.testing.assert_array_equal(now, then)


def test_a_three_class_sessions_arrays_are_class_major_and_never_change(
    three_class_model,
):
    # a multiclass session keeps each class's column contiguous (its softmax,
    # metrics and region edits then read contiguous memory); the pool hands
    # out views of (C, n) owners, whose reference counts see a caller's views
    from namwidgets import links
    from namwidgets.edit import _jit

    kernels = [_jit._block_stats, _jit._class_histogram, _jit._interp_region]
    kernels += [
        getattr(links, name)
        for name in dir(links)
        if hasattr(getattr(links, name), "signatures")
    ]
    _jit.warm()
    warmed = [len(k.signatures) for k in kernels]
    clf = three_class_model
    n = max(LIVE_AUC_MAX_ROWS, _SEGMENT_MIN_ROWS) + 4_000
    Xb, yb = make_additive(n, random_state=5)
    s = EditSession(clf, Xb, _three_classes(yb))
    assert s._current.shape[2] == 3
    assert s._current[0].T.flags.c_contiguous
    held = []
    for i in range(10):
        s.scale("smooth", 0.1 * i, merge=True)
        s.monotone("quadratic", True, -1.0, 1.5 + 0.1 * i)
        pred, eta = s.predictions(), s.linear_predictor()
        assert pred.T.flags.c_contiguous and eta.T.flags.c_contiguous
        if i % 3 == 0:
            held.append((pred, pred.copy(), eta[::2], eta[::2].copy()))
        s.metrics(fast=True)
    _assert_unchanged(held)
    eta = linear_predictor(s._current, s._intercept)
    np.testing.assert_array_equal(s.linear_predictor(), eta)
    expected = np.asarray(clf.inverse_link(np.ascontiguousarray(eta)))
    np.testing.assert_array_equal(s.predictions(), expected)
    # the model's own contributions, bit for bit, in the session's layout
    np.testing.assert_array_equal(
        s.contributions("original"), clf.contributions_array(Xb)
    )
    # Binder's warm-up compiled every version the session used
    assert [len(k.signatures) for k in kernels] == warmed


@pytest.mark.parametrize("n_threads", [2, 3])
def test_live_numbers_are_the_same_bits_for_any_thread_count(
    fitted_regressor, fitted_classifier, three_class_model, n_threads
):
    # the live path spreads its blocks over threads; the blocks and the order
    # their partial sums are added in are one thread's, so every number is too
    from namwidgets.edit._blocks import threads

    n = 300_000  # past the rows from which a pass is spread (MIN_PARALLEL_ROWS)
    Xb, yb = make_additive(n, random_state=5)
    w = np.random.default_rng(0).uniform(0.5, 2.0, n)
    three = EditSession(three_class_model, Xb, _three_classes(yb), sample_weight=w)
    Xr, yr = make_additive(n, random_state=6)
    Xc, yc = make_additive(n, classification=True, random_state=6)
    sessions = (
        three,
        EditSession(fitted_regressor, Xr, yr),
        EditSession(fitted_classifier[0], Xc, yc, sample_weight=w),
    )
    for s in sessions:
        got = {}
        for k in (1, n_threads):
            with threads(k):
                s.scale("smooth", 0.7).monotone("quadratic", True, -1.0, 2.0)
                s.smooth("smooth", 0.3)
                got[k] = (
                    s.linear_predictor().copy(),
                    s.predictions().copy(),
                    s.metrics(fast=True),
                    s.importance(),
                )
                while s.undo():
                    pass
        one, many = got[1], got[n_threads]
        np.testing.assert_array_equal(one[0], many[0])
        np.testing.assert_array_equal(one[1], many[1])
        assert one[2] == many[2]
        np.testing.assert_array_equal(one[3], many[3])


def test_an_open_holds_one_contribution_matrix_until_the_first_edit():
    # issue 15's memory budget is two n x T matrices plus the inputs; an open
    # used to make both at once (the base and its working copy), before any
    # edit: the copy now waits for the first edit, and the base never changes
    import tracemalloc

    from namwidgets import NAMRegressor

    X, y = make_additive(3000, noise=0.2, random_state=0)
    model = NAMRegressor(
        random_state=0, hidden_sizes=(16,), max_epochs=3, verbose=0, n_threads=1
    ).fit(X, y)
    Xb = pd.concat([X] * 20, ignore_index=True)
    yb = pd.concat([y] * 20, ignore_index=True)
    tracemalloc.start()
    try:
        s = EditSession(model, Xb, yb)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    matrix = len(s.term_names) * len(Xb) * 8
    column = len(Xb) * 8  # one n-long float64 vector (targets, predictions, ...)
    # the matrix once, plus a few n-long vectors: not a second matrix (the
    # open used to hold 2.33 matrices with 12 terms, i.e. the base, its copy
    # and four vectors)
    assert held < matrix + 4 * column, (held / matrix, len(s.term_names))
    assert held < 2 * matrix, held / matrix
    original = s.contributions("original").copy()
    before = s.contributions()
    np.testing.assert_array_equal(before, original)
    term = s.term_names[0]
    s.scale(term, 0.5)
    np.testing.assert_array_equal(before, original)  # a view taken before
    np.testing.assert_array_equal(s.contributions("original"), original)
    after = s.contributions()
    np.testing.assert_allclose(after[:, 0], 0.5 * original[:, 0], rtol=1e-12)
    np.testing.assert_array_equal(after[:, 1:], original[:, 1:])
    s.undo()
    np.testing.assert_array_equal(s.contributions(), original)


def test_missing_rows_of_a_read_only_column_are_found_once():
    from namwidgets.edit._base import nan_rows

    x = np.random.default_rng(0).normal(size=100_000)
    x[::7] = np.nan
    want = np.flatnonzero(np.isnan(x))
    writable = nan_rows(x)
    np.testing.assert_array_equal(writable, want)
    assert nan_rows(x) is not writable  # a writable array could change: no memo
    x.flags.writeable = False
    kept = nan_rows(x)
    np.testing.assert_array_equal(kept, want)
    assert nan_rows(x) is kept and not kept.flags.writeable
    other = x.copy()
    other.flags.writeable = False
    assert nan_rows(other) is not kept  # another array, its own answer
    np.testing.assert_array_equal(nan_rows(other), want)

"""Unit tests for the edit operations (namwidgets.edit: _base, _ops, _kernels)."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression

from namwidgets.edit import (
    Clamp,
    Edit,
    EditError,
    FeatureReference,
    Flatten,
    Knots,
    Monotone,
    Scale,
    SetCategoryValue,
    SetNaNValue,
    Shift,
    Smooth,
    Zero,
    _kernels,
    _ops,
    edit_kinds,
    edits_from_json_list,
    edits_to_json_list,
)
from namwidgets.edit._layout import empty_outputs

HYP = settings(derandomize=True, max_examples=60, deadline=None)

# the kinds defined in _ops other than Reset (which the session replays itself)
OPS_KINDS = sorted(
    cls.kind
    for cls in vars(_ops).values()
    if isinstance(cls, type)
    and issubclass(cls, Edit)
    and cls.__module__ == _ops.__name__
    and cls is not Edit
    and cls.kind != "reset"
)

GRID = np.linspace(0.0, 10.0, 400)
WEIGHTS = np.exp(-0.5 * ((GRID - 4.0) / 2.0) ** 2)  # training density, peak at 4


def numeric_ref(n_outputs: int = 1, values: np.ndarray | None = None):
    if values is None:
        cols = [np.sin(GRID), np.cos(GRID), 0.3 * GRID - 1.5][:n_outputs]
        values = np.column_stack(cols)
    return FeatureReference(
        name="age",
        kind="numeric",
        grid=GRID,
        grid_values=values,
        grid_weights=WEIGHTS,
    )


def noisy_ref() -> FeatureReference:
    rng = np.random.default_rng(7)
    values = np.sin(GRID) + rng.normal(0.0, 0.3, GRID.size)
    return numeric_ref(values=values[:, None])


CATS = ("red", "green", "blue")


def cat_ref(n_outputs: int = 1) -> FeatureReference:
    values = np.array([[0.5, 1.0, -2.0], [-1.0, 0.0, 2.0], [0.25, -1.0, 0.0]])
    return FeatureReference(
        name="colour",
        kind="categorical",
        grid_values=values[:, :n_outputs],
        categories=CATS,
        category_counts=np.array([10.0, 5.0, 1.0]),
    )


def numeric_data(ref: FeatureReference, n: int = 2000, seed: int = 1):
    """Rows in and beyond the training range, 5% missing, y = f(x) (NaN rows 0.7)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 11.0, n)
    x[rng.random(n) < 0.05] = np.nan
    y = np.column_stack(
        [np.interp(x, ref.grid, ref.grid_values[:, j]) for j in range(ref.n_outputs)]
    )
    y[np.isnan(x)] = 0.7
    return x, y


def cat_data(ref: FeatureReference, n: int = 300, seed: int = 2):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 3, n)
    x = np.array(CATS, dtype=object)[idx]
    return x, ref.grid_values[idx].copy()


# one example of every edit on the numeric feature ("age"), and on "colour"
NUMERIC_EDITS = [
    Zero(feature="age"),
    Scale(feature="age", factor=-1.5),
    Shift(feature="age", amount=0.25),
    Clamp(feature="age", lo=-0.5, hi=0.5),
    Flatten(feature="age", x_lo=2.0, x_hi=5.0),
    Monotone(feature="age", increasing=True, x_lo=1.0, x_hi=8.0),
    Monotone(feature="age", increasing=False),
    Smooth(feature="age", bandwidth=0.8, x_lo=3.0, x_hi=9.0),
    Smooth(feature="age", bandwidth=0.3),
    Knots(feature="age", positions=(1.0, 4.0, 6.5, 9.0), offsets=(0.5, -1, 2, 0)),
    SetNaNValue(feature="age", value=3.0),
]
CAT_EDITS = [
    Zero(feature="colour"),
    Scale(feature="colour", factor=2.0),
    Shift(feature="colour", amount=-1.0),
    Clamp(feature="colour", hi=0.0),
    SetCategoryValue(feature="colour", category="green", value=4.0),
]


def ids(edits):
    return [f"{e.kind}-{i}" for i, e in enumerate(edits)]


# --------------------------------------------------------------------------
# Cheap edits: exact results
# --------------------------------------------------------------------------


def test_zero_gives_exact_zeros_everywhere():
    ref = numeric_ref(2)
    x, y = numeric_data(ref)
    out = Zero(feature="age").apply(x, y, ref)
    assert np.isnan(x).any()
    assert out.shape == y.shape
    assert np.all(out == 0.0)
    cref = cat_ref(3)
    cx, cy = cat_data(cref)
    assert np.all(Zero(feature="colour").apply(cx, cy, cref) == 0.0)


def test_scale_and_shift_are_exact_on_every_row():
    ref = numeric_ref(2)
    x, y = numeric_data(ref)
    np.testing.assert_array_equal(
        Scale(feature="age", factor=-1.5).apply(x, y, ref), -1.5 * y
    )
    np.testing.assert_array_equal(
        Shift(feature="age", amount=0.25).apply(x, y, ref), y + 0.25
    )


def test_clamp_clips_values_and_leaves_nan_rows():
    ref = numeric_ref()
    x, y = numeric_data(ref)
    ok = ~np.isnan(x)
    out = Clamp(feature="age", lo=-0.5, hi=0.25).apply(x, y, ref)
    np.testing.assert_array_equal(out[ok], np.clip(y[ok], -0.5, 0.25))
    np.testing.assert_array_equal(out[~ok], y[~ok])  # 0.7 stays above hi
    one_sided = Clamp(feature="age", lo=0.0).apply(x, y, ref)
    np.testing.assert_array_equal(one_sided[ok], np.maximum(y[ok], 0.0))


# --------------------------------------------------------------------------
# Knots
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_knots", [2, 4, 12, 20])  # 20 takes the lookup path
def test_knots_offset_is_exact_at_knots_and_linear_between(n_knots):
    ref = numeric_ref()
    rng = np.random.default_rng(n_knots)
    pos = np.sort(rng.choice(np.linspace(0.0, 10.0, 201), n_knots, replace=False))
    offs = rng.normal(0.0, 1.0, n_knots)
    edit = Knots(feature="age", positions=pos, offsets=offs)
    y0 = np.zeros((n_knots, 1))
    # at the knots: the offsets (to rounding of the hinge sum, ~1e-15)
    at_knots = edit.apply(pos, y0, ref)[:, 0]
    np.testing.assert_allclose(at_knots, offs, rtol=0, atol=1e-12)
    # halfway between knots: the mean of the two offsets
    mid = 0.5 * (pos[1:] + pos[:-1])
    at_mid = edit.apply(mid, np.zeros((mid.size, 1)), ref)[:, 0]
    np.testing.assert_allclose(at_mid, 0.5 * (offs[1:] + offs[:-1]), atol=1e-12)
    # anywhere: y + np.interp, held at the end offsets outside the knot span
    x, y = numeric_data(ref)
    ok = ~np.isnan(x)
    out = edit.apply(x, y, ref)
    np.testing.assert_allclose(
        out[ok, 0] - y[ok, 0], np.interp(x[ok], pos, offs), rtol=0, atol=1e-12
    )
    below, above = ok & (x < pos[0]), ok & (x > pos[-1])
    assert below.sum() > 10 and above.sum() > 10
    np.testing.assert_allclose(out[below, 0] - y[below, 0], offs[0], atol=1e-12)
    np.testing.assert_allclose(out[above, 0] - y[above, 0], offs[-1], atol=1e-12)
    np.testing.assert_array_equal(out[~ok], y[~ok])


def test_knots_precision_with_large_x():
    pos = 1.7e9 + np.array([0.0, 10.0, 25.0, 40.0])
    offs = np.array([1.0, -2.0, 0.5, 3.0])
    x = np.concatenate([pos, 1.7e9 + np.linspace(-5, 45, 101)])
    target = np.zeros((x.size, 2))
    _kernels._add_piecewise_linear(x, pos, offs, target)
    np.testing.assert_allclose(target[:, 0], np.interp(x, pos, offs), atol=1e-9)
    np.testing.assert_array_equal(target[:, 0], target[:, 1])


def test_default_positions_even_and_quantile():
    ref = numeric_ref()
    even = Knots.default_positions(ref, 5, spacing="even")
    np.testing.assert_allclose(even, [0.0, 2.5, 5.0, 7.5, 10.0])
    q = np.array(Knots.default_positions(ref, 5))
    assert q[0] == ref.lo and q[-1] == ref.hi and np.all(np.diff(q) > 0)
    # the training density is a normal(4, 2) cut to [0, 10]: its median is near 4.1
    assert abs(q[2] - 4.1) < 0.15
    assert q[2] - q[1] < even[2] - even[1]  # knots crowd where the data are
    # the positions are valid knots for this feature
    Knots(feature="age", positions=q, offsets=np.zeros(5)).validate(ref)


def test_default_positions_stay_increasing_for_a_point_mass():
    weights = np.zeros(GRID.size)
    weights[200] = 1.0
    ref = FeatureReference(
        name="age",
        kind="numeric",
        grid=GRID,
        grid_values=np.sin(GRID),
        grid_weights=weights,
    )
    q = np.array(Knots.default_positions(ref, 7))
    assert q.size == 7 and np.all(np.diff(q) > 0)
    assert q[0] == 0.0 and q[-1] == 10.0


# --------------------------------------------------------------------------
# Region edits: monotone, flatten, smooth
# --------------------------------------------------------------------------


@pytest.mark.parametrize("increasing", [True, False])
def test_monotone_is_monotone_in_region_and_unchanged_outside(increasing):
    ref = numeric_ref()
    edit = Monotone(feature="age", increasing=increasing, x_lo=1.0, x_hi=8.0)
    sign = 1.0 if increasing else -1.0
    new_grid = edit.apply(ref.grid, ref.grid_values, ref)
    inside = (GRID >= 1.0) & (GRID <= 8.0)
    assert inside.sum() > 200
    assert np.all(sign * np.diff(new_grid[inside, 0]) >= -1e-12)
    assert not np.allclose(new_grid[inside], ref.grid_values[inside])  # sin moved
    np.testing.assert_array_equal(new_grid[~inside], ref.grid_values[~inside])

    x, y = numeric_data(ref)
    out = edit.apply(x, y, ref)
    rows = (x >= 1.0) & (x <= 8.0)
    assert rows.sum() > 500
    order = np.argsort(x[rows])
    assert np.all(sign * np.diff(out[rows, 0][order]) >= -1e-12)
    np.testing.assert_array_equal(out[~rows], y[~rows])  # incl. NaN rows


def test_monotone_is_weighted_isotonic_regression():
    ref = numeric_ref()
    inside = (GRID >= 1.0) & (GRID <= 8.0)
    new_grid = Monotone(feature="age", increasing=True, x_lo=1.0, x_hi=8.0).apply(
        ref.grid, ref.grid_values, ref
    )
    iso = IsotonicRegression(increasing=True).fit_transform(
        GRID[inside], np.sin(GRID[inside]), sample_weight=WEIGHTS[inside]
    )
    np.testing.assert_allclose(new_grid[inside, 0], iso, atol=1e-5)


def test_monotone_whole_range_holds_end_values_beyond_grid():
    ref = numeric_ref()
    edit = Monotone(feature="age", increasing=False)
    new_grid = edit.apply(ref.grid, ref.grid_values, ref)
    x = np.array([-3.0, -0.5, 10.5, 42.0, np.nan])
    y = np.full((5, 1), 9.0)
    out = edit.apply(x, y, ref)
    np.testing.assert_array_equal(out[:2, 0], new_grid[0, 0])
    np.testing.assert_array_equal(out[2:4, 0], new_grid[-1, 0])
    assert out[4, 0] == 9.0
    assert np.all(np.diff(new_grid[:, 0]) <= 1e-12)


def test_flatten_is_constant_weighted_mean_in_region():
    ref = numeric_ref()
    edit = Flatten(feature="age", x_lo=2.0, x_hi=5.0)
    inside = (GRID >= 2.0) & (GRID <= 5.0)
    expected = np.average(np.sin(GRID[inside]), weights=WEIGHTS[inside])
    new_grid = edit.apply(ref.grid, ref.grid_values, ref)
    assert inside.sum() > 100
    np.testing.assert_allclose(new_grid[inside, 0], expected, rtol=1e-6)
    assert np.ptp(new_grid[inside, 0]) == 0.0
    np.testing.assert_array_equal(new_grid[~inside], ref.grid_values[~inside])
    x, y = numeric_data(ref)
    out = edit.apply(x, y, ref)
    rows = (x >= 2.0) & (x <= 5.0)
    assert rows.sum() > 100
    np.testing.assert_array_equal(out[rows, 0], new_grid[inside][0, 0])
    np.testing.assert_array_equal(out[~rows], y[~rows])


def total_variation(v):
    return float(np.abs(np.diff(v)).sum())


def test_smooth_reduces_variation_in_region_only():
    ref = noisy_ref()
    edit = Smooth(feature="age", bandwidth=0.4, x_lo=3.0, x_hi=9.0)
    inside = (GRID >= 3.0) & (GRID <= 9.0)
    new_grid = edit.apply(ref.grid, ref.grid_values, ref)
    before = total_variation(ref.grid_values[inside, 0])
    after = total_variation(new_grid[inside, 0])
    assert after < 0.2 * before
    np.testing.assert_array_equal(new_grid[~inside], ref.grid_values[~inside])
    # it follows the signal under the noise
    assert np.max(np.abs(new_grid[inside, 0] - np.sin(GRID[inside]))) < 0.35
    x, y = numeric_data(ref)
    out = edit.apply(x, y, ref)
    rows = (x >= 3.0) & (x <= 9.0)
    order = np.argsort(x[rows])
    assert rows.sum() > 500
    assert total_variation(out[rows, 0][order]) < 0.2 * total_variation(
        y[rows, 0][order]
    )
    np.testing.assert_array_equal(out[~rows], y[~rows])


def test_smooth_with_tiny_bandwidth_changes_nothing():
    ref = noisy_ref()
    new_grid = Smooth(feature="age", bandwidth=1e-6).apply(
        ref.grid, ref.grid_values, ref
    )
    np.testing.assert_allclose(new_grid, ref.grid_values, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# Grid and data agree; class_index; missing values; categories
# --------------------------------------------------------------------------


@pytest.mark.parametrize("edit", NUMERIC_EDITS, ids=ids(NUMERIC_EDITS))
def test_data_at_grid_points_gets_what_the_grid_gets(edit):
    ref = numeric_ref(2)
    on_grid = edit.apply(ref.grid, ref.grid_values, ref)
    rows = np.random.default_rng(3).integers(0, GRID.size, 1500)  # shuffled, repeated
    out = edit.apply(GRID[rows], ref.grid_values[rows], ref)
    np.testing.assert_allclose(out, on_grid[rows], rtol=0, atol=1e-12)


def test_a_chain_on_data_matches_the_chain_on_the_grid():
    ref = numeric_ref(2)
    rows = np.random.default_rng(4).integers(0, GRID.size, 1000)
    x, y = GRID[rows], ref.grid_values[rows]
    chain = [e for e in NUMERIC_EDITS if e.kind not in ("zero", "set_nan_value")]
    for edit in chain:
        y = edit.apply(x, y, ref)
        ref = ref.with_values(edit.apply(ref.grid, ref.grid_values, ref))
    np.testing.assert_allclose(y, ref.grid_values[rows], rtol=0, atol=1e-12)
    assert not np.allclose(ref.grid_values, numeric_ref(2).grid_values)


@pytest.mark.parametrize(
    "edit", NUMERIC_EDITS + CAT_EDITS, ids=ids(NUMERIC_EDITS + CAT_EDITS)
)
def test_class_index_touches_only_that_column(edit):
    numeric = edit.feature == "age"
    ref = numeric_ref(3) if numeric else cat_ref(3)
    x, y = numeric_data(ref) if numeric else cat_data(ref)
    one = Edit.from_dict({**edit.to_dict(), "class_index": 1})
    out_all = edit.apply(x, y, ref)
    out = one.apply(x, y, ref)
    np.testing.assert_array_equal(out[:, [0, 2]], y[:, [0, 2]])
    np.testing.assert_allclose(out[:, 1], out_all[:, 1], rtol=0, atol=1e-12)
    assert not np.array_equal(out[:, 1], y[:, 1])  # the column did change


@pytest.mark.parametrize("edit", NUMERIC_EDITS, ids=ids(NUMERIC_EDITS))
def test_missing_value_rows(edit):
    ref = numeric_ref(2)
    x, y = numeric_data(ref)
    nan = np.isnan(x)
    assert nan.sum() > 20
    out = edit.apply(x, y, ref)
    expected = {
        "zero": np.zeros_like(y[nan]),
        "scale": -1.5 * y[nan],
        "shift": y[nan] + 0.25,
        "set_nan_value": np.full_like(y[nan], 3.0),
    }.get(edit.kind, y[nan])
    np.testing.assert_array_equal(out[nan], expected)


REGION_EDITS = [e for e in NUMERIC_EDITS if e.skips_nan_rows]


@pytest.mark.parametrize("rows", [2_000, 70_000], ids=["small", "segments"])
@pytest.mark.parametrize("edit", REGION_EDITS, ids=ids(REGION_EDITS))
def test_region_edits_never_write_a_missing_row(edit, rows):
    # apply() copies no missing row back for these (skips_nan_rows): every
    # path must leave them alone by itself. 70,000 read-only rows take the
    # compiled loop on kept segments, writable ones the numpy plan, 2,000 the
    # plain mask; three outputs in the session's class-major layout and one
    # class of them
    assert {type(e).__name__ for e in REGION_EDITS} == {"Flatten", "Monotone", "Smooth"}
    ref = numeric_ref(3)
    x, y = numeric_data(ref, n=rows)
    nan = np.isnan(x)
    y[nan] = np.random.default_rng(4).normal(size=(nan.sum(), 3))
    major = empty_outputs(y.shape)
    major[:] = y
    frozen = x.copy()
    frozen.flags.writeable = False
    for e in (edit, dataclasses.replace(edit, class_index=1)):
        plain = e.apply(x, y, ref)
        for xs, ys in ((frozen, major), (frozen, y), (x, major)):
            out = e.apply(xs, ys, ref)
            np.testing.assert_array_equal(out[nan], y[nan])
            np.testing.assert_array_equal(out, plain)
        assert not np.array_equal(plain[~nan], y[~nan])  # the edit did edit


def test_set_nan_value_changes_only_missing_rows():
    ref = numeric_ref()
    x, y = numeric_data(ref)
    edit = SetNaNValue(feature="age", value=-2.0)
    out = edit.apply(x, y, ref)
    nan = np.isnan(x)
    np.testing.assert_array_equal(out[nan], -2.0)
    np.testing.assert_array_equal(out[~nan], y[~nan])
    np.testing.assert_array_equal(
        edit.apply(ref.grid, ref.grid_values, ref), ref.grid_values
    )


def test_set_category_value_changes_only_that_category():
    ref = cat_ref(2)
    x, y = cat_data(ref)
    edit = SetCategoryValue(feature="colour", category="green", value=4.0)
    out = edit.apply(x, y, ref)
    green = x == "green"
    assert 0 < green.sum() < x.size
    np.testing.assert_array_equal(out[green], 4.0)
    np.testing.assert_array_equal(out[~green], y[~green])
    new_grid = edit.apply(ref.grid, ref.grid_values, ref)
    np.testing.assert_array_equal(new_grid, [[0.5, 1.0], [4.0, 4.0], [0.25, -1.0]])


def test_set_category_value_matches_non_string_labels_by_name():
    ref = FeatureReference(
        name="grade", kind="categorical", grid_values=[1.0, 2.0], categories=(1, 2)
    )
    x = np.array([1, 2, 2, 1], dtype=object)
    out = SetCategoryValue(feature="grade", category="2", value=-5.0).apply(
        x, np.zeros((4, 1)), ref
    )
    np.testing.assert_array_equal(out[:, 0], [0.0, -5.0, -5.0, 0.0])


@pytest.mark.parametrize(
    "edit", NUMERIC_EDITS + CAT_EDITS, ids=ids(NUMERIC_EDITS + CAT_EDITS)
)
def test_inputs_are_not_mutated(edit):
    numeric = edit.feature == "age"
    ref = numeric_ref(2) if numeric else cat_ref(2)
    x, y = numeric_data(ref) if numeric else cat_data(ref)
    x0, y0, g0 = x.copy(), y.copy(), ref.grid_values.copy()
    x.setflags(write=False)
    y.setflags(write=False)
    out = edit.apply(x, y, ref)
    assert out is not y and not np.shares_memory(out, y)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(ref.grid_values, g0)
    assert not ref.grid_values.flags.writeable


# --------------------------------------------------------------------------
# Serialization
# --------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
class_index = st.none() | st.integers(0, 5)
text = st.text(max_size=20)


@st.composite
def region(draw, required=False):
    a, b = sorted(draw(st.lists(finite, min_size=2, max_size=2, unique=True)))
    if required:
        return a, b
    return draw(st.sampled_from([(a, b), (None, b), (a, None), (None, None)]))


@st.composite
def any_edit(draw):
    base = {
        "feature": draw(st.text(min_size=1, max_size=12)),
        "message": draw(text),
        "class_index": draw(class_index),
    }
    kind = draw(st.sampled_from(OPS_KINDS))
    if kind == "zero":
        return Zero(**base)
    if kind == "scale":
        return Scale(factor=draw(finite), **base)
    if kind == "shift":
        return Shift(amount=draw(finite), **base)
    if kind == "clamp":
        lo, hi = draw(region())
        if lo is None and hi is None:
            lo = draw(finite)
        return Clamp(lo=lo, hi=hi, **base)
    if kind == "flatten":
        lo, hi = draw(region(required=True))
        return Flatten(x_lo=lo, x_hi=hi, **base)
    if kind == "monotone":
        lo, hi = draw(region())
        return Monotone(increasing=draw(st.booleans()), x_lo=lo, x_hi=hi, **base)
    if kind == "smooth":
        lo, hi = draw(region())
        bw = draw(st.floats(1e-6, 1e6))
        return Smooth(bandwidth=bw, x_lo=lo, x_hi=hi, **base)
    if kind == "knots":
        pos = sorted(draw(st.lists(finite, min_size=2, max_size=8, unique=True)))
        offs = draw(st.lists(finite, min_size=len(pos), max_size=len(pos)))
        return Knots(positions=pos, offsets=offs, **base)
    if kind == "set_category_value":
        return SetCategoryValue(category=draw(text), value=draw(finite), **base)
    assert kind == "set_nan_value"
    return SetNaNValue(value=draw(finite), **base)


@HYP
@given(any_edit())
def test_to_dict_from_dict_round_trip_through_json(edit):
    d = edit.to_dict()
    assert d["kind"] == edit.kind and d["feature"] == edit.feature
    back = Edit.from_dict(json.loads(json.dumps(d, allow_nan=False)))
    assert back == edit and type(back) is type(edit)
    assert back.to_dict() == d
    assert type(edit).from_dict(d) == edit


def test_every_kind_is_covered_and_a_list_round_trips():
    edits = NUMERIC_EDITS + CAT_EDITS
    assert {e.kind for e in edits} == set(OPS_KINDS)
    assert set(OPS_KINDS) <= set(edit_kinds())
    assert len(OPS_KINDS) == 10
    text_ = json.dumps(edits_to_json_list(edits), allow_nan=False)
    assert edits_from_json_list(json.loads(text_)) == edits


def test_fields_with_defaults_may_be_left_out_of_a_dict():
    edit = Edit.from_dict({"kind": "monotone", "feature": "age", "increasing": True})
    assert edit == Monotone(feature="age", increasing=True)
    assert edit.x_lo is None and edit.class_index is None and edit.message == ""


def test_sequences_and_numpy_numbers_are_normalised():
    edit = Knots(feature="age", positions=np.array([1, 2]), offsets=[np.float32(1), 2])
    assert edit.positions == (1.0, 2.0) and isinstance(edit.positions[0], float)
    assert isinstance(edit.to_dict()["offsets"], list)
    assert hash(edit) == hash(Edit.from_dict(edit.to_dict()))


# --------------------------------------------------------------------------
# Bad input: an EditError that names the field
# --------------------------------------------------------------------------

SCALE = {"kind": "scale", "feature": "age", "factor": 2.0}
BAD_DICTS = [
    ({"kind": "warp", "feature": "age"}, "warp"),
    ({"feature": "age"}, "kind"),
    ({"kind": "scale", "feature": "age"}, "factor"),
    ({**SCALE, "colour": 1}, "colour"),
    ({**SCALE, "factor": float("nan")}, "factor"),
    ({**SCALE, "factor": float("inf")}, "factor"),
    ({**SCALE, "factor": "2"}, "factor"),
    ({**SCALE, "factor": True}, "factor"),
    ({**SCALE, "class_index": 1.5}, "class_index"),
    ({**SCALE, "class_index": -1}, "class_index"),
    ({**SCALE, "feature": ""}, "feature"),
    ({**SCALE, "message": None}, "message"),
    ({"kind": "knots", "feature": "a", "positions": [0, 1], "offsets": [1]}, "offsets"),
    (
        {"kind": "knots", "feature": "a", "positions": [0, 0], "offsets": [1, 2]},
        "positions",
    ),
    (
        {"kind": "knots", "feature": "a", "positions": [2, 1], "offsets": [1, 2]},
        "positions",
    ),
    ({"kind": "knots", "feature": "a", "positions": [0], "offsets": [1]}, "positions"),
    (
        {"kind": "knots", "feature": "a", "positions": "01", "offsets": [1, 2]},
        "positions",
    ),
    (
        {"kind": "knots", "feature": "a", "positions": [0, None], "offsets": [1, 2]},
        "positions[1]",
    ),
    ({"kind": "smooth", "feature": "a", "bandwidth": 0.0}, "bandwidth"),
    ({"kind": "smooth", "feature": "a", "bandwidth": -1.0}, "bandwidth"),
    ({"kind": "flatten", "feature": "a", "x_lo": 3.0, "x_hi": 3.0}, "x_lo"),
    ({"kind": "monotone", "feature": "a", "increasing": 1}, "increasing"),
    (
        {"kind": "monotone", "feature": "a", "increasing": True, "x_lo": 5, "x_hi": 1},
        "x_lo",
    ),
    ({"kind": "clamp", "feature": "a"}, "lo"),
    ({"kind": "clamp", "feature": "a", "lo": 1.0, "hi": 0.0}, "lo"),
    (
        {"kind": "set_category_value", "feature": "a", "category": 3, "value": 1},
        "category",
    ),
]


@pytest.mark.parametrize(("d", "field"), BAD_DICTS)
def test_bad_dicts_raise_edit_error_naming_the_field(d, field):
    with pytest.raises(EditError, match=field.replace("[", r"\[")) as info:
        Edit.from_dict(d)
    assert isinstance(info.value, ValueError)


def test_constructor_checks_fields_too():
    with pytest.raises(EditError, match=r"Scale\.factor must be finite"):
        Scale(feature="age", factor=float("nan"))
    with pytest.raises(EditError, match="offsets"):
        Knots(feature="age", positions=(0.0, 1.0, 2.0), offsets=(0.0, 1.0))


BAD_FOR_REF = [
    (Knots(feature="age", positions=(-1.0, 5.0), offsets=(0, 1)), numeric_ref, "-1.0"),
    (Knots(feature="age", positions=(5.0, 10.5), offsets=(0, 1)), numeric_ref, "10.5"),
    (Monotone(feature="colour", increasing=True), cat_ref, "categorical"),
    (Smooth(feature="colour", bandwidth=1.0), cat_ref, "feature"),
    (Knots(feature="colour", positions=(0, 1), offsets=(0, 1)), cat_ref, "numeric"),
    (SetNaNValue(feature="colour", value=1.0), cat_ref, "numeric"),
    (
        SetCategoryValue(feature="age", category="red", value=1.0),
        numeric_ref,
        "categorical",
    ),
    (SetCategoryValue(feature="colour", category="pink", value=1.0), cat_ref, "pink"),
    (Scale(feature="age", factor=2.0, class_index=1), numeric_ref, "class_index"),
    (Scale(feature="height", factor=2.0), numeric_ref, "height"),
    (Flatten(feature="age", x_lo=20.0, x_hi=30.0), numeric_ref, "x_lo"),
    (Flatten(feature="age", x_lo=1.001, x_hi=1.002), numeric_ref, "no grid point"),
]


@pytest.mark.parametrize(("edit", "make_ref", "text_"), BAD_FOR_REF)
def test_edits_that_do_not_fit_the_feature_raise(edit, make_ref, text_):
    ref = make_ref()
    with pytest.raises(EditError, match=text_):
        edit.validate(ref)
    with pytest.raises(EditError, match=text_):  # apply validates first
        edit.apply(ref.grid, ref.grid_values, ref)


def test_error_messages_name_range_and_valid_categories():
    with pytest.raises(EditError, match=r"knot 0 at -1.0 .*\[0.0, 10.0\]"):
        Knots(feature="age", positions=(-1.0, 5.0), offsets=(0, 1)).validate(
            numeric_ref()
        )
    with pytest.raises(
        EditError, match=r"valid categories: \['red', 'green', 'blue'\]"
    ):
        SetCategoryValue(feature="colour", category="pink", value=1.0).validate(
            cat_ref()
        )


def test_bad_arrays_given_to_apply():
    ref = numeric_ref(2)
    with pytest.raises(EditError, match="y must have shape"):
        Zero(feature="age").apply(GRID, np.zeros(GRID.size), ref)
    with pytest.raises(EditError, match="y must have shape"):
        Zero(feature="age").apply(GRID, np.zeros((GRID.size, 3)), ref)
    with pytest.raises(EditError, match="x must be 1-D"):
        Zero(feature="age").apply(GRID[:, None], np.zeros((GRID.size, 2)), ref)
    with pytest.raises(EditError, match="x must be numeric"):
        Zero(feature="age").apply(np.array(["a", "b"]), np.zeros((2, 2)), ref)
    with pytest.raises(EditError, match="ref must be a FeatureReference"):
        Zero(feature="age").validate({"name": "age"})


def test_json_list_errors_name_the_index():
    with pytest.raises(EditError, match=r"edits\[1\]: .*factor"):
        edits_from_json_list([SCALE, {**SCALE, "factor": None}])
    with pytest.raises(EditError, match="list of dicts"):
        edits_from_json_list(SCALE)
    with pytest.raises(EditError, match=r"edits\[0\]: an edit must be a dict"):
        edits_from_json_list(["scale"])
    with pytest.raises(EditError, match=r"edits\[1\] is not an Edit"):
        edits_to_json_list([Zero(feature="a"), {"kind": "zero"}])


def test_from_dict_on_a_subclass_checks_the_kind():
    with pytest.raises(EditError, match="'zero'"):
        Scale.from_dict({"kind": "zero", "feature": "age"})


def test_default_positions_bad_input():
    with pytest.raises(EditError, match="spacing"):
        Knots.default_positions(numeric_ref(), 4, spacing="log")
    with pytest.raises(EditError, match="k must be"):
        Knots.default_positions(numeric_ref(), 1)
    with pytest.raises(EditError, match="numeric"):
        Knots.default_positions(cat_ref(), 4)


# --------------------------------------------------------------------------
# FeatureReference
# --------------------------------------------------------------------------


def test_feature_reference_defaults_and_with_values():
    ref = FeatureReference(
        name="a", kind="numeric", grid=[1.0, 2.0, 4.0], grid_values=[0.0, 1.0, 3.0]
    )
    assert (ref.lo, ref.hi, ref.n_outputs) == (1.0, 4.0, 1)
    np.testing.assert_array_equal(ref.grid_weights, 1.0)
    new = ref.with_values(np.array([[5.0], [6.0], [7.0]]))
    np.testing.assert_array_equal(new.grid_values[:, 0], [5.0, 6.0, 7.0])
    np.testing.assert_array_equal(ref.grid_values[:, 0], [0.0, 1.0, 3.0])
    assert new.grid is ref.grid
    with pytest.raises(EditError, match="grid_values"):
        ref.with_values(np.zeros((3, 2)))
    cref = cat_ref()
    assert list(cref.grid) == list(CATS)
    np.testing.assert_array_equal(cref.grid_weights, [10.0, 5.0, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"grid": [0.0, 0.0, 1.0]}, "strictly increasing"),
        ({"grid": [0.0, np.nan, 1.0]}, "grid"),
        ({"grid_values": np.zeros(4)}, "grid_values"),
        ({"grid_weights": [1.0, -1.0, 1.0]}, "grid_weights"),
        ({"kind": "ordinal"}, "kind"),
        ({"lo": 2.0, "hi": 1.0}, "lo/hi"),
        ({"kind": "categorical"}, "categories"),
    ],
)
def test_bad_feature_reference(kwargs, field):
    args = {
        "name": "a",
        "kind": "numeric",
        "grid": [0.0, 1.0, 2.0],
        "grid_values": np.zeros(3),
    }
    with pytest.raises(EditError, match=field):
        FeatureReference(**{**args, **kwargs})


def test_from_shape_function():
    shape = pytest.importorskip("namwidgets.explain._shape")
    sf = shape.ShapeFunction(
        name="age",
        kind="numeric",
        x=GRID,
        values=np.sin(GRID),
        lower=np.sin(GRID),
        upper=np.sin(GRID),
        density_edges=np.array([0.0, 5.0, 10.0]),
        density_counts=np.array([30, 10]),
    )
    ref = FeatureReference.from_shape_function(sf)
    assert (ref.name, ref.kind, ref.lo, ref.hi) == ("age", "numeric", 0.0, 10.0)
    assert ref.grid_values.shape == (400, 1)
    np.testing.assert_array_equal(ref.grid_weights[GRID < 5.0], 6.0)
    np.testing.assert_array_equal(ref.grid_weights[GRID > 5.0], 2.0)
    csf = shape.ShapeFunction(
        name="colour",
        kind="categorical",
        x=np.array(CATS, dtype=object),
        values=np.zeros((3, 2)),
        lower=np.zeros((3, 2)),
        upper=np.zeros((3, 2)),
        density_edges=None,
        density_counts=np.array([3, 2, 1]),
    )
    cref = FeatureReference.from_shape_function(csf)
    assert cref.categories == CATS and cref.n_outputs == 2
    np.testing.assert_array_equal(cref.grid_weights, [3.0, 2.0, 1.0])


# --------------------------------------------------------------------------
# The fast interpolation kernel
# --------------------------------------------------------------------------


@st.composite
def sorted_grid(draw):
    n = draw(st.integers(1, 300))
    kind = draw(st.sampled_from(["uniform", "skewed", "offset"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    if kind == "uniform":
        g = rng.uniform(-5, 5, n)
    elif kind == "skewed":
        g = rng.lognormal(0, 2.5, n)
    else:
        g = 1.7e9 + rng.uniform(0, 1e4, n)
    return np.unique(g), rng


@HYP
@given(sorted_grid())
def test_interp_sorted_equals_np_interp_bit_for_bit(grid_rng):
    g, rng = grid_rng
    v = rng.normal(size=g.size)
    span = g[-1] - g[0] + 1.0
    x = np.concatenate(
        [
            rng.uniform(g[0] - 0.1 * span, g[-1] + 0.1 * span, 5000),
            g,
            np.nextafter(g, np.inf),
            np.nextafter(g, -np.inf),
            [np.nan],
        ]
    )
    np.testing.assert_array_equal(_kernels._interp_sorted(x, g, v), np.interp(x, g, v))


# --------------------------------------------------------------------------
# Timing (printed, not asserted)
# --------------------------------------------------------------------------


def test_print_time_of_cheap_edits_on_a_million_rows():
    ref = numeric_ref()
    rng = np.random.default_rng(0)
    x = rng.uniform(0.0, 10.0, 1_000_000)
    x[::100] = np.nan
    y = rng.normal(size=(1_000_000, 1))
    pos = Knots.default_positions(ref, 5)
    edits = [
        Zero(feature="age"),
        Scale(feature="age", factor=2.0),
        Knots(feature="age", positions=pos, offsets=(0.5, -0.5, 1.0, 0.0, 0.25)),
    ]
    for edit in edits:
        start = time.perf_counter()
        out = edit.apply(x, y, ref)
        ms = 1e3 * (time.perf_counter() - start)
        print(f"{edit.kind}: {ms:.1f} ms for 1e6 rows")
        assert out.shape == y.shape


@pytest.mark.parametrize(
    "edit", [Scale(feature="age", factor=-0.37), Shift(feature="age", amount=1e-9)]
)
def test_whole_column_edits_give_the_in_place_paths_bits(edit):
    # Scale and Shift of every column write one new array (_whole): the same
    # values as a copy edited in place (_apply), NaN rows and strided y too
    rng = np.random.default_rng(3)
    ref = numeric_ref(3)
    x = rng.uniform(0, 10, 5_000)
    x[::7] = np.nan
    y = rng.standard_normal((5_000, 3)) * 10.0 ** rng.integers(-8, 9, (5_000, 1))
    strided = np.repeat(y, 2, axis=1)[:, ::2]
    for ya in (y, strided):
        want = ya.copy()
        edit._apply(x, want, slice(None), ref)
        got = edit.apply(x, ya, ref)
        np.testing.assert_array_equal(got, want)
        assert got.flags.c_contiguous and got.flags.writeable
        assert not np.shares_memory(got, ya)
    one = dataclasses.replace(edit, class_index=1)  # one column: the copy path
    want = y.copy()
    one._apply(x, want, slice(1, 2), ref)
    got = one.apply(x, y, ref)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got[:, [0, 2]], y[:, [0, 2]])

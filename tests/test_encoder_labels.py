"""The vectorised category labels equal the per-row Python loop they replaced.

``_label_codes`` takes ``str`` once per distinct value (a hash table's codes)
instead of once per row. The old functions are kept here as the oracle: on a
battery of awkward columns (mixed int/str, bool, 1 == 1.0 == True, -0.0, two
float types, None/NaN/pd.NA/NaT, pandas string and category dtypes, unhashable
values) fit's categories and counts, the codes and the labels must be exactly
the old ones, and the unseen-category errors unchanged.
"""

from __future__ import annotations

import datetime
import decimal

import numpy as np
import pandas as pd
import pytest

from namwidgets.exceptions import InputError
from namwidgets.model._encoder import (
    MISSING_LABEL,
    OTHER_LABEL,
    FeatureEncoder,
    _label_codes,
    _labels,
)


def old_labels(series: pd.Series) -> np.ndarray:
    """The per-row loop before vectorising (the oracle)."""
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    out = np.array([str(v) for v in values], dtype=object)
    out[missing] = MISSING_LABEL
    return out


def old_fit(series: pd.Series) -> tuple[list[str], list[int]]:
    cats, counts = np.unique(old_labels(series), return_counts=True)
    return [str(c) for c in cats], [int(c) for c in counts]


def old_codes(cats: list[str], values, handle_unknown: str) -> np.ndarray:
    """The old per-row lookup (a Series read as fit reads it: see below)."""
    index = {c: i for i, c in enumerate(cats)}
    if not isinstance(values, pd.Series):
        values = pd.Series(np.asarray(values, dtype=object))
    labels = old_labels(values)
    codes = np.fromiter((index.get(v, -1) for v in labels), np.int64, len(labels))
    if handle_unknown == "other":
        codes[codes < 0] = index[OTHER_LABEL]
    return codes


def _obj(*values) -> pd.Series:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return pd.Series(out)


COLUMNS = {
    "strings": pd.Series(["b", "a", "c", "a", "b"]),
    "strings with None and NaN": _obj("x", None, "y", np.nan, "x", pd.NA),
    "mixed int and str": _obj(1, "1", 2, "a", 1, "2", None),
    "int, float and bool that compare equal": _obj(1, 1.0, True, 0, 0.0, False, 2),
    "minus zero": _obj(0.0, -0.0, 1.5, -0.0, np.nan),
    "minus zero, float dtype": pd.Series([0.0, -0.0, 2.5, np.nan, -0.0]),
    "two float types": _obj(0.1, np.float32(0.1), float(np.float32(0.1)), 0.5),
    "numpy and python ints": _obj(1, np.int64(1), np.int32(2), 3, np.uint8(3)),
    "numpy and python bools": _obj(True, np.True_, False, np.False_, None),
    "numpy and python strings": _obj("a", np.str_("a"), "b", np.str_("c")),
    "bool dtype": pd.Series([True, False, True, True]),
    "nullable boolean": pd.Series([True, None, False, True], dtype="boolean"),
    "nullable Int64": pd.Series([1, None, 3, 1], dtype="Int64"),
    "int dtype": pd.Series([3, 1, 2, 3, 10]),
    "float dtype": pd.Series([0.5, 1.25, np.nan, 0.5, 3.0]),
    "float32 dtype": pd.Series(np.array([0.1, 0.5, 0.1], dtype=np.float32)),
    "pandas string dtype": pd.Series(["u", None, "v", "u"], dtype="string"),
    "category": pd.Series(["lo", "hi", None, "lo"], dtype="category"),
    "category, unused level": pd.Series(
        pd.Categorical(["a", "b", "a"], categories=["a", "b", "z"])
    ),
    "category of ints": pd.Series([3, 1, None, 3], dtype="category"),
    "category of bools": pd.Series(pd.Categorical([True, False, True])),
    "category, mixed int and str": pd.Series(pd.Categorical(["a", 1, "a", 2])),
    "datetimes": pd.Series(pd.to_datetime(["2020-01-01", None, "2021-06-01"])),
    "datetime and Timestamp": _obj(
        datetime.datetime(2020, 1, 1), pd.Timestamp("2020-01-01"), pd.NaT
    ),
    "decimals": _obj(decimal.Decimal("1.0"), decimal.Decimal("1"), 1, "1"),
    "tuples": _obj((1,), (1.0,), (1,), None),
    "unhashable lists": _obj([1, 2], [1, 2], "a", None),
    "literal labels": _obj(MISSING_LABEL, None, OTHER_LABEL, "x"),
    "all missing": _obj(None, np.nan, None),
    "one row": pd.Series(["only"]),
}


@pytest.mark.parametrize("name", list(COLUMNS))
def test_labels_equal_the_per_row_loop(name):
    series = COLUMNS[name]
    codes, labels = _label_codes(series)
    assert codes.dtype == np.int64 and codes.shape == (len(series),)
    assert (codes >= 0).all()
    expected = old_labels(series)
    assert list(_labels(series)) == list(expected)
    assert [type(v) for v in _labels(series)] == [str] * len(series)


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("handle_unknown", ["error", "other"])
def test_fit_codes_and_raw_values_equal_the_old_ones(name, handle_unknown):
    series = COLUMNS[name]
    if name == "all missing":
        series = _obj(None, np.nan, "x")  # a column needs a level besides missing
    frame = pd.DataFrame({"c": series})
    enc = FeatureEncoder(["c"], handle_unknown=handle_unknown).fit(frame)
    cats, counts = old_fit(series)
    if isinstance(series.dtype, pd.CategoricalDtype):
        declared = [str(c) for c in series.dtype.categories]
        unseen = [c for c in declared if c not in cats]
        cats, counts = cats + unseen, counts + [0] * len(unseen)
    if handle_unknown == "other" and OTHER_LABEL not in cats:
        cats, counts = cats + [OTHER_LABEL], counts + [0]
    assert enc.categories_[0] == cats
    assert enc.level_counts(0) == counts
    assert enc.encode_categorical(0, series).tolist() == (
        old_codes(cats, series, handle_unknown).tolist()
    )
    labels = old_labels(series)
    if OTHER_LABEL in cats:
        labels[~np.isin(labels, cats)] = OTHER_LABEL
    assert list(enc.raw_values(frame)[0]) == list(labels)


def test_unseen_values_map_as_before():
    """Values fit never saw: the error names column and value; 'other' maps them."""
    train = pd.DataFrame({"c": _obj(1, "a", True, None)})
    new = _obj("a", 1.0, "zz", None, 2, np.float32(0.5))
    enc = FeatureEncoder(["c"], handle_unknown="other").fit(train)
    cats = enc.categories_[0]
    assert enc.encode_categorical(0, new).tolist() == (
        old_codes(cats, new, "other").tolist()
    )
    strict = FeatureEncoder(["c"]).fit(train)
    with pytest.raises(InputError, match=r"Column 'c' has the category '1\.0'"):
        strict.encode_categorical(0, new)
    with pytest.raises(InputError, match="Column 'c' has the category 'zz'"):
        strict.encode_categorical(0, _obj("a", "zz", "yy"))


def test_many_rows_of_few_values_equal_the_loop():
    """The session-open case: many rows, few labels, mixed with missing."""
    rng = np.random.default_rng(0)
    pool = _obj("red", "green", 3, None, np.nan, "3", 4)
    series = pd.Series(pool.to_numpy()[rng.integers(0, len(pool), 20_000)])
    assert list(_labels(series)) == list(old_labels(series))
    frame = pd.DataFrame({"c": series})
    enc = FeatureEncoder(["c"]).fit(frame)
    assert (enc.categories_[0], enc.level_counts(0)) == old_fit(series)
    assert enc.encode_categorical(0, series).tolist() == (
        old_codes(enc.categories_[0], series, "error").tolist()
    )


def test_a_category_column_of_ints_with_missing_values_predicts_its_own_rows():
    """np.asarray(dtype=object) of such a column gives floats ("3.0"), fit's
    labels are "3": encoding used to refuse the training rows, or with
    handle_unknown="other" silently give every row the "(other)" value."""
    from namwidgets import NAMRegressor

    rng = np.random.default_rng(0)
    c = pd.Series(rng.choice([1, 2, 3], 300)).astype("category")
    c[5] = np.nan
    X = pd.DataFrame({"a": rng.normal(size=300), "c": c})
    y = X["a"] + 3.0 * X["c"].astype(float).fillna(0.0)
    for handle_unknown in ("error", "other"):
        m = NAMRegressor(
            max_epochs=2, verbose=0, random_state=0, handle_unknown=handle_unknown
        ).fit(X, y)
        codes = m.encoder_.encode_categorical(1, X["c"])
        expected = [m.encoder_.categories_[1].index(v) for v in old_labels(c)]
        assert codes.tolist() == expected
        assert np.isfinite(m.predict(X)).all()

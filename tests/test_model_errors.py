"""Every bad input gets a clear error naming the column, value or parameter."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST

from namwidgets import NAMClassifier, NAMRegressor


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "age": rng.uniform(20, 70, 300),
            "income": rng.normal(50, 10, 300),
            "city": rng.choice(["Oslo", "Rome"], 300),
        }
    )
    return X, X["age"] / 10 + (X["city"] == "Rome")


@pytest.fixture(scope="module")
def model(frame):
    X, y = frame
    return NAMRegressor(random_state=0, **{**FAST, "max_epochs": 3}).fit(X, y)


def test_unseen_category_names_column_and_value(model, frame):
    X, _ = frame
    bad = X.head(3).copy()
    bad.loc[bad.index[1], "city"] = "Paris"
    with pytest.raises(ValueError, match=r"'city'.*'Paris'"):
        model.predict(bad)


def test_unseen_category_maps_to_other_when_asked(frame):
    X, y = frame
    m = NAMRegressor(
        handle_unknown="other", random_state=0, **{**FAST, "max_epochs": 3}
    )
    m.fit(X, y)
    bad = X.head(2).copy()
    bad["city"] = ["Paris", "Oslo"]
    c = m.contributions(bad)["city"]
    other = m.feature_contributions("city", ["(other)"])[0, 0]
    assert c.iloc[0] == pytest.approx(other)


@pytest.mark.parametrize(
    "change, pattern",
    [
        (lambda X: X.drop(columns="income"), r"missing:\n- income"),
        (lambda X: X.assign(extra=1.0), r"unseen at fit time[^-]*- extra"),
        (lambda X: X[["income", "age", "city"]], "different order|same order"),
    ],
)
def test_wrong_column_set_at_predict_time(model, frame, change, pattern):
    X, _ = frame
    with pytest.raises(ValueError, match=pattern):
        model.predict(change(X.head(5)))


def test_array_with_wrong_width(model):
    with (
        pytest.warns(UserWarning, match="valid feature names"),
        pytest.raises(ValueError, match="expecting 3 features"),
    ):
        model.predict(np.zeros((4, 2)))


def test_junk_in_numeric_column(model, frame):
    X, _ = frame
    bad = X.head(4).copy().astype({"income": object})
    bad.loc[bad.index[2], "income"] = "n/a"
    with pytest.raises(ValueError, match=r"'income'.*'n/a'"):
        model.predict(bad)


def test_infinity_is_an_error(model, frame):
    X, y = frame
    bad = X.head(4).copy()
    bad.loc[bad.index[0], "age"] = np.inf
    with pytest.raises(ValueError, match=r"'age'.*infinity"):
        model.predict(bad)
    with pytest.raises(ValueError, match=r"'age'.*infinity"):
        NAMRegressor(**FAST).fit(bad, y.head(4))


def test_empty_input(frame):
    X, y = frame
    with pytest.raises(ValueError, match="0 sample"):
        NAMRegressor(**FAST).fit(X.iloc[:0], y.iloc[:0])


def test_one_class_only(frame):
    X, _ = frame
    with pytest.raises(ValueError, match="only one class"):
        NAMClassifier(**FAST).fit(X, np.zeros(len(X)))


def test_y_with_nan(frame):
    X, y = frame
    y = y.copy()
    y.iloc[7] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        NAMRegressor(**FAST).fit(X, y)
    labels = np.where(np.arange(len(X)) % 2, "a", "b").astype(object)
    labels[3] = None
    with pytest.raises(ValueError, match="y contains missing"):
        NAMClassifier(**FAST).fit(X, labels)


def test_mismatched_lengths(frame):
    X, y = frame
    with pytest.raises(ValueError, match="300 rows but y has 10"):
        NAMRegressor(**FAST).fit(X, y[:10])


@pytest.mark.parametrize(
    "param, value",
    [
        ("units", "tanh"),
        ("hidden_sizes", (64, 0)),
        ("n_models", 0),
        ("dropout", 1.5),
        ("learning_rate", -1.0),
        ("batch_size", 0),
        ("batch_size", "big"),
        ("validation_fraction", 1.0),
        ("handle_unknown", "ignore"),
        ("device", "tpu"),
    ],
)
def test_bad_parameters_are_named(frame, param, value):
    X, y = frame
    with pytest.raises(ValueError, match=param):
        NAMRegressor(**{**FAST, param: value}).fit(X, y)


def test_unknown_categorical_feature_name(frame):
    X, y = frame
    with pytest.raises(ValueError, match="'nope'"):
        NAMRegressor(categorical_features=["nope"], **FAST).fit(X, y)


def test_unknown_feature_in_read_interface(model):
    with pytest.raises(ValueError, match="Unknown feature 'height'"):
        model.feature_contributions("height", [1.0])


def test_duplicate_columns(frame):
    X, y = frame
    dup = pd.concat([X, X[["age"]]], axis=1)
    with pytest.raises(ValueError, match="unique column names"):
        NAMRegressor(**FAST).fit(dup, y)

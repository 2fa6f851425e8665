"""The session and the edited model speak only the AdditiveModel protocol.

A small additive model written in numpy (no torch, no NAM) is enough for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from namwidgets import EditSession, UnsupportedModelError
from namwidgets.edit import EditedModel, Zero
from namwidgets.explain import ShapeFunction


class PiecewiseAdditive:
    """f_j(x) = slope_j * x, centred on its training mean; a regressor."""

    link = "identity"
    n_outputs_ = 1

    def __init__(self, X: pd.DataFrame, slopes: dict[str, float]) -> None:
        self.feature_names_ = list(X.columns)
        self.feature_kinds_ = ["numeric"] * X.shape[1]
        self.term_names_ = list(X.columns)
        self.term_features_ = [(j,) for j in range(X.shape[1])]
        self.slopes = np.array([slopes[c] for c in X.columns])
        self.means = X.mean().to_numpy()
        self.intercept_ = 1.5
        self.X = X

    def check_X(self, X):
        return pd.DataFrame(X)[self.feature_names_]

    def feature_values(self, X):
        frame = self.check_X(X)
        return [frame[c].to_numpy(dtype=float) for c in self.feature_names_]

    def contributions_array(self, X):
        x = self.check_X(X).to_numpy(dtype=float)
        return ((x - self.means) * self.slopes)[:, :, None]

    def term_functions(self):
        out = []
        for j, name in enumerate(self.feature_names_):
            col = self.X[name].to_numpy()
            grid = np.linspace(col.min(), col.max(), 50)
            values = (grid - self.means[j]) * self.slopes[j]
            counts, edges = np.histogram(col, bins=10)
            out.append(
                ShapeFunction(
                    name=name,
                    kind="numeric",
                    x=grid,
                    values=values,
                    lower=values,
                    upper=values,
                    density_edges=edges,
                    density_counts=counts,
                    importance=float(
                        np.abs((col - self.means[j]) * self.slopes[j]).mean()
                    ),
                )
            )
        return out

    def term_importances(self):
        return np.array([sf.importance for sf in self.term_functions()])

    def inverse_link(self, eta):
        return np.asarray(eta).reshape(len(eta), -1)[:, 0]

    def fingerprint(self):
        return "piecewise-" + ",".join(f"{s:g}" for s in self.slopes)


@pytest.fixture()
def toy():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.uniform(0, 4, size=200)})
    model = PiecewiseAdditive(X, {"a": 2.0, "b": -0.5})
    y = model.inverse_link(model.intercept_ + model.contributions_array(X).sum(1))
    return model, X, y + 0.1 * rng.normal(size=200)


def test_a_session_opens_on_any_additive_model(toy):
    model, X, y = toy
    s = EditSession(model, X, y)
    expected = 1.5 + 2.0 * (X["a"] - X["a"].mean()) - 0.5 * (X["b"] - X["b"].mean())
    np.testing.assert_allclose(s.predictions(), expected, atol=1e-12)
    s.zero("a")
    np.testing.assert_allclose(
        s.predictions(), 1.5 - 0.5 * (X["b"] - X["b"].mean()), atol=1e-12
    )
    assert s.metrics()["rmse"] > s.metrics("original")["rmse"]
    assert s.term_functions()[0].importance == 0.0
    edited = s.to_model()
    assert isinstance(edited, EditedModel)
    np.testing.assert_allclose(edited.predict(X), s.predictions(), atol=1e-12)
    with pytest.raises(UnsupportedModelError, match="refit_others"):
        s.refit_others(epochs=1)


def test_the_edited_model_of_an_adapter(toy):
    model, X, _ = toy
    edited = EditedModel(model, (Zero(feature="b"),))
    assert np.all(edited.contributions(X)["b"] == 0.0)
    assert edited.term_importances()[1] == 0.0
    assert edited.term_importances()[0] == pytest.approx(model.term_importances()[0])
    from sklearn.base import clone, is_regressor

    assert is_regressor(edited) and clone(edited) is edited
    assert edited.fit(X) is edited


def test_something_that_is_not_an_additive_model(toy):
    _, X, y = toy
    from sklearn.linear_model import LinearRegression

    with pytest.raises(UnsupportedModelError, match="lacks"):
        EditSession(LinearRegression().fit(X, y), X, y)

"""The edit session: exactness properties, undo/redo, JSON, metrics, refit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import namwidgets
from namwidgets import EditSession, InputError, NAMClassifier, NAMRegressor
from namwidgets.datasets import make_additive
from namwidgets.edit import EditError
from namwidgets.edit._metrics import compute_metrics

NUMERIC = ["smooth", "jagged", "step", "quadratic", "noise"]


@pytest.fixture(scope="module")
def data():
    return make_additive(600, random_state=5)


@pytest.fixture(scope="module")
def model(fitted_regressor):
    return fitted_regressor


@pytest.fixture()
def session(model, data):
    X, y = data
    return EditSession(model, X, y)


def _fresh_eta(s, X):
    """Recompute the session's linear predictor from scratch (the edited model)."""
    return s.to_model().linear_predictor(X)


def test_zero_changes_each_row_by_exactly_minus_f(session, model, data):
    X, _ = data
    contrib = model.contributions(X)
    for name in ["smooth", "colour", "quadratic"]:
        before = session.linear_predictor()[:, 0].copy()
        session.zero(name)
        after = session.linear_predictor()[:, 0]
        np.testing.assert_allclose(
            after - before, -contrib[name].to_numpy(), atol=1e-12
        )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["zero", "scale", "shift", "knots", "cat", "mono"]),
            st.sampled_from(NUMERIC),
            st.floats(-2, 2),
        ),
        min_size=1,
        max_size=8,
    ),
    undo=st.integers(0, 8),
)
def test_undo_restores_bit_exactly_and_json_round_trips(
    session, model, data, ops, undo
):
    X, y = data
    s = session
    start = s.predictions().copy()
    snapshots = [start]
    for op, feat, v in ops:
        _apply(s, op, feat, v)
        snapshots.append(s.predictions().copy())
    n_undo = min(undo, len(ops))
    for _ in range(n_undo):
        assert s.undo()
    np.testing.assert_array_equal(s.predictions(), snapshots[len(ops) - n_undo])
    # the saved history (with its undone tail) reloads to the same predictions
    other = EditSession.from_json(model, X, y, s.to_json())
    np.testing.assert_array_equal(other.predictions(), s.predictions())
    assert other.position == s.position and len(other.history) == len(s.history)
    # and the exported model predicts the same on the same rows
    np.testing.assert_allclose(s.to_model().predict(X), s.predictions(), atol=1e-12)
    while s.undo():
        pass
    np.testing.assert_array_equal(s.predictions(), start)


def _apply(s, op, feat, v):
    if op == "zero":
        s.zero(feat)
    elif op == "scale":
        s.scale(feat, v)
    elif op == "shift":
        s.shift(feat, v)
    elif op == "knots":
        s.set_knots(feat, offsets=[v, -v, 0.5 * v])
    elif op == "cat":
        s.set_category("colour", "red", v)
    else:
        s.monotone(feat, increasing=v >= 0)


def test_two_thousand_random_sequences_match_recomputation(model, data):
    X, y = data
    s = EditSession(model, X.iloc[:200], y.iloc[:200])
    rng = np.random.default_rng(0)
    ops = ["zero", "scale", "shift", "knots", "cat", "mono", "undo", "redo", "reset"]
    for step in range(2000):
        op = ops[rng.integers(len(ops))]
        feat = NUMERIC[rng.integers(len(NUMERIC))]
        if op == "undo":
            s.undo()
        elif op == "redo":
            s.redo()
        elif op == "reset":
            s.reset_feature(feat)
        else:
            _apply(s, op, feat, float(rng.uniform(-2, 2)))
        if step % 50 == 0 or step == 1999:
            np.testing.assert_allclose(
                s.linear_predictor(), _fresh_eta(s, X.iloc[:200]), atol=1e-10
            )
    assert len(s.history) > 100


def test_monotone_is_monotone_on_region_and_unchanged_outside(session, model):
    ref0 = session.reference("smooth", original=True)
    session.monotone("smooth", increasing=True, lo=-2.0, hi=1.0)
    ref = session.reference("smooth")
    inside = (ref.grid >= -2.0) & (ref.grid <= 1.0)
    assert inside.sum() > 50
    assert np.all(np.diff(ref.grid_values[inside, 0]) >= -1e-12)
    np.testing.assert_array_equal(ref.grid_values[~inside], ref0.grid_values[~inside])
    # on the data too
    x = session.feature_values(0)
    order = np.argsort(x)
    xs, col = x[order], session.contributions()[order, 0, 0]
    rows = (xs >= -2.0) & (xs <= 1.0)
    assert rows.sum() > 50
    assert np.all(np.diff(col[rows]) >= -1e-12)
    np.testing.assert_array_equal(
        session.contributions()[:, 0][~((x >= -2) & (x <= 1))],
        session.contributions("original")[:, 0][~((x >= -2) & (x <= 1))],
    )


def test_merge_keeps_one_step_per_drag(session):
    for f in [0.9, 0.8, 0.5]:
        session.scale("smooth", f, merge=True)
    assert len(session.history) == 1
    assert session.history[0][0].factor == 0.5
    m = session.metrics_table(as_dict=True)
    assert m["last"] == m["original"]  # "last" is the state before the drag
    after_drag = session.metrics()
    session.shift("step", 1.0)
    assert session.metrics_table(as_dict=True)["last"] == after_drag
    assert after_drag != session.metrics()
    assert len(session.history) == 2


def test_three_state_metrics(session):
    t0 = session.metrics_table()
    assert list(t0.index) == ["original", "last", "current"]
    assert list(t0.columns) == ["rmse", "mae", "r2"]
    session.zero("smooth")
    t1 = session.metrics_table()
    assert t1.loc["current", "rmse"] > t0.loc["current", "rmse"]
    assert t1.loc["last"].equals(t0.loc["current"])
    session.scale("step", 0.5)
    t2 = session.metrics_table()
    assert t2.loc["last"].equals(t1.loc["current"])
    assert t2.loc["original"].equals(t0.loc["original"])
    # the old nested dict stays available, equal to metrics() per state
    d = session.metrics_table(as_dict=True)
    assert d == {s: session.metrics(s) for s in ("original", "last", "current")}
    assert d["current"]["rmse"] == t2.loc["current", "rmse"]


def test_affected_counts_moved_rows_and_flips(fitted_classifier):
    clf, X, y = fitted_classifier
    s = EditSession(clf, X.iloc[:500], y.iloc[:500])
    assert s.affected()["n_changed"] == 0
    s.set_category("colour", "blue", 0.0)
    a = s.affected()
    blue = (X.iloc[:500]["colour"] == "blue").to_numpy()
    assert a["n_changed"] == blue.sum()
    assert a["n_flipped"] == int(
        (s.predictions().argmax(1) != s.predictions("original").argmax(1)).sum()
    )
    assert a["n_flipped"] > 0 and sum(a["hist_counts"]) == a["n_changed"]
    m = s.metrics()
    assert {
        "roc_auc",
        "accuracy",
        "balanced_accuracy",
        "log_loss",
        "brier",
        "confusion_matrix",
    } <= set(m)
    table = s.slice_metrics("colour")
    flips = table[(table.metric == "flipped")].set_index("slice")["current"]
    assert flips.sum() == a["n_flipped"] and flips.get("red", 0) == 0


def test_slice_metrics_by_numeric_range(session):
    session.zero("step")
    t = session.slice_metrics("step", bins=[0, 1, 2, 4])
    assert list(t["slice"].unique()) == ["[0, 1)", "[1, 2)", "[2, 4]"]
    assert t.groupby("slice")["n"].first().sum() == session.n_rows


def test_to_model_save_load(tmp_path, session, data):
    X, _ = data
    session.zero("jagged").set_knots("smooth", offsets=[0.0, 1.0, 0.0, -1.0])
    edited = session.to_model()
    edited.save(tmp_path / "edited.nam")
    loaded = namwidgets.load(tmp_path / "edited.nam")
    np.testing.assert_array_equal(loaded.predict(X), edited.predict(X))
    np.testing.assert_allclose(loaded.predict(X), session.predictions(), atol=1e-12)
    assert loaded.contributions(X)["jagged"].abs().max() == 0.0


def _bad_json(session, mutate):
    doc = json.loads(session.to_json())
    mutate(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda d: d["history"][0][0].update(feature="height"), "height"),
        (
            lambda d: d["history"][0][0].update(positions=[-99.0, 0.0, 1.0]),
            "outside the training range",
        ),
        (lambda d: d["history"][0][0].update(offsets=[1.0]), "offsets"),
        (lambda d: d.update(model_fingerprint="0123456789abcdef"), "different model"),
        (lambda d: d.update(format="other"), "not a namwidgets edit history"),
        (lambda d: d["history"][0][0].update(kind="explode"), "unknown edit kind"),
    ],
)
def test_bad_history_is_a_clear_error_and_leaves_session_unchanged(
    session, mutate, pattern
):
    session.set_knots("smooth", offsets=[0.0, 1.0, 0.0])
    text = _bad_json(session, mutate)
    session.zero("step")
    before = session.predictions().copy(), len(session.history)
    with pytest.raises(EditError, match=pattern):
        session.load_json(text)
    np.testing.assert_array_equal(session.predictions(), before[0])
    assert len(session.history) == before[1]


def test_malformed_json(session):
    with pytest.raises(EditError, match="not valid JSON"):
        session.load_json("{not json")


def test_bad_edit_leaves_session_unchanged(session):
    session.zero("smooth")
    before = session.predictions().copy()
    with pytest.raises(EditError, match="Unknown term"):
        session.zero("height")
    with pytest.raises(EditError, match="categorical"):
        session.monotone("colour")
    with pytest.raises(EditError, match="'purple'"):
        session.set_category("colour", "purple", 1.0)
    with pytest.raises(EditError, match="outside the training range"):
        session.set_knots("smooth", offsets=[0, 1], positions=[-100, 0])
    np.testing.assert_array_equal(session.predictions(), before)
    assert len(session.history) == 1


def test_session_data_errors(model, data):
    X, y = data
    with pytest.raises(ValueError, match="must match"):
        EditSession(model, X, y[:10])
    with pytest.raises(ValueError, match=r"missing:\n- smooth"):
        EditSession(model, X.drop(columns="smooth"), y)
    with pytest.raises(ValueError, match="needs targets"):
        EditSession(model, X).metrics()


def test_reset_feature_and_reset_all_are_undoable(session):
    session.zero("smooth").scale("step", 2.0)
    edited = session.predictions().copy()
    session.reset_all()
    np.testing.assert_array_equal(
        session.predictions(), session.predictions("original")
    )
    assert session.edited_features == []
    session.undo()
    np.testing.assert_array_equal(session.predictions(), edited)
    session.reset_feature("smooth")
    assert session.edited_features == ["step"]


def test_refit_others_lets_a_proxy_absorb_a_removed_feature():
    rng = np.random.default_rng(0)
    import pandas as pd

    n = 1500
    a = rng.normal(size=n)
    X = pd.DataFrame(
        {"a": a, "proxy": a + 0.3 * rng.normal(size=n), "b": rng.normal(size=n)}
    )
    y = (2 * a + X["b"] + 0.1 * rng.normal(size=n) > 0).astype(int)
    clf = NAMClassifier(random_state=0, **FAST).fit(X, y)
    s = EditSession(clf, X, y)
    s.zero("a")
    auc_zeroed = s.metrics()["roc_auc"]
    report = s.refit_others(epochs=15).set_index("feature")
    assert report.loc["a", "held"] and report.loc["a", "importance_after"] == 0.0
    assert (
        report.loc["proxy", "importance_after"]
        > report.loc["proxy", "importance_before"]
    )
    assert report.loc["proxy", "absorbed"] > 0.2
    assert report.loc["proxy", "absorbed"] > 3 * abs(report.loc["b", "absorbed"])
    assert s.metrics()["roc_auc"] > auc_zeroed + 0.02
    # the zeroed feature stays zeroed in the retrained model
    assert np.all(s.to_model().contributions(X)["a"] == 0.0)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fast_classification_metrics_equal_scikit_learns(
    fitted_classifier, weighted, n_classes
):
    clf, X, y = fitted_classifier
    if n_classes == 3:  # a 3-class problem from the binary data's features
        y = (
            (X["smooth"].to_numpy() > 0.5).astype(int)
            + (X["colour"] == "blue").to_numpy()
        ).astype(int)
        clf = NAMClassifier(random_state=0, **FAST).fit(X, y)
    w = np.linspace(0.5, 2, len(y)) if weighted else None
    s = EditSession(clf, X, y, sample_weight=w)
    s.set_category("colour", "green", 1.0)
    for state in ("original", "current"):
        slow, fast = s.metrics(state), s.metrics(state, fast=True)
        assert set(slow) == set(fast)
        for k, v in slow.items():
            np.testing.assert_allclose(fast[k], v, rtol=1e-12, atol=1e-12, err_msg=k)


def test_cached_states_follow_edits_and_undo(fitted_classifier):
    """Predictions, metrics and importance are cached per state: every read must
    still equal a computation from scratch after edits, merges, undo and redo."""
    clf, X, y = fitted_classifier
    s = EditSession(clf, X.iloc[:400], y.iloc[:400])

    def check():
        for state in ("original", "last", "current"):
            eta = s.linear_predictor(state)
            np.testing.assert_array_equal(s.predictions(state), clf.inverse_link(eta))
            fresh = compute_metrics(
                "binary", s.y, clf.inverse_link(eta), clf.classes_, None, auc=True
            )
            got = s.metrics(state)
            assert got.pop("confusion_matrix") == fresh.pop("confusion_matrix")
            assert got == pytest.approx(fresh, rel=1e-12)
        c = s.contributions()
        np.testing.assert_allclose(s.importance(), np.abs(c).sum(2).mean(0))
        np.testing.assert_allclose(
            s.importance("original"), np.abs(s.contributions("original")).sum(2).mean(0)
        )

    check()
    original = s.predictions("original")
    assert s.predictions("original") is original  # computed once
    with pytest.raises(ValueError):
        original[0, 0] = 0.5  # shared, so read-only
    s.zero("smooth")
    check()
    for v in (0.8, 0.5, 0.2):
        s.scale("step", v, merge=True)
        check()
    s.undo()
    check()
    s.redo()
    check()
    m = s.metrics()
    m["accuracy"] = -1.0  # a caller's copy: the cache is untouched
    assert s.metrics()["accuracy"] >= 0.0
    assert s.predictions("original") is original


# ------------------------------------------------- the public API the panel uses
def test_names_kinds_rows_and_classes(session, model, data, fitted_classifier):
    X, _ = data
    assert session.n_rows == len(X)
    assert session.term_names == model.term_names_ == session.names
    assert session.term_kinds == ["numeric"] * 5 + ["categorical"]
    assert session.classes is None and not session.is_classifier
    clf, Xc, yc = fitted_classifier
    s = EditSession(clf, Xc.iloc[:50], yc.iloc[:50])
    np.testing.assert_array_equal(s.classes, clf.classes_)
    assert s.is_classifier


def test_feature_values_are_the_raw_column_and_read_only(session, data):
    X, _ = data
    np.testing.assert_array_equal(session.feature_values("smooth"), X["smooth"])
    colour = session.feature_values("colour")
    assert list(colour[:5]) == [str(v) for v in X["colour"].iloc[:5]]
    with pytest.raises(ValueError):
        colour[0] = "red"


def test_term_functions_per_state(session, model):
    t = session.names.index("step")
    orig = session.term_functions("original")
    np.testing.assert_array_equal(orig[t].values, model.term_functions()[t].values)
    assert orig[t].importance == pytest.approx(session.importance("original")[t])
    session.scale("step", 2.0)
    cur = session.term_functions()
    np.testing.assert_allclose(cur[t].values, 2 * orig[t].values)
    np.testing.assert_allclose(cur[t].lower, 2 * orig[t].lower)
    assert cur[t].importance == pytest.approx(2 * orig[t].importance)
    session.zero("step")
    last, now = session.term_functions("last"), session.term_functions("current")
    np.testing.assert_allclose(last[t].values, cur[t].values)
    assert np.all(now[t].values == 0) and now[t].importance == 0.0
    with pytest.raises(namwidgets.InputError, match="state"):
        session.term_functions("later")


def test_nan_contribution(session, data):
    X, _ = data
    nan_rows = X["quadratic"].isna().to_numpy()
    assert nan_rows.any()
    t = session.names.index("quadratic")
    v0 = session.nan_contribution("quadratic")
    assert v0 == pytest.approx(session.contributions()[nan_rows, t, 0][0])
    session.set_nan_value("quadratic", 0.25)
    assert session.nan_contribution("quadratic") == 0.25
    assert session.nan_contribution("quadratic", state="last") == pytest.approx(v0)
    assert session.nan_contribution("quadratic", state="original") == pytest.approx(v0)
    assert session.nan_contribution("colour") is None
    assert session.nan_contribution("smooth") is None  # no missing rows anywhere


def test_clamp_to_region_clamps_to_the_regions_values(session):
    ref = session.reference("smooth")
    inside = (ref.grid >= -0.5) & (ref.grid <= 0.5)
    lo, hi = ref.grid_values[inside, 0].min(), ref.grid_values[inside, 0].max()
    assert ref.grid_values.min() < lo and ref.grid_values.max() > hi
    session.clamp_to_region("smooth", -0.5, 0.5, message="why")
    new = session.reference("smooth").grid_values
    assert new.min() == pytest.approx(lo) and new.max() == pytest.approx(hi)
    assert session.history[-1][0].message == "why"
    with pytest.raises(EditError, match="no grid point"):
        session.clamp_to_region("smooth", 50.0, 60.0)


def test_auc_is_live_and_default_bandwidth(session):
    assert session.auc_is_live  # 600 rows
    assert session.default_smooth_bandwidth("smooth", -1.0, 1.0) == pytest.approx(0.2)
    ref = session.reference("smooth", original=True)
    assert session.default_smooth_bandwidth("smooth") == pytest.approx(
        (ref.hi - ref.lo) / 10
    )
    session.smooth("smooth", lo=-1.0, hi=1.0)
    assert session.history[-1][0].bandwidth == pytest.approx(0.2)


# ------------------------------------------------- robustness (issue 12)
def test_everything_handed_out_is_read_only(session):
    session.zero("step")
    before = session.predictions().copy()
    for arr in (
        session.contributions(),
        session.contributions("original"),
        session.predictions(),
        session.linear_predictor(),
        session.linear_predictor("original"),
        session.linear_predictor("last"),
    ):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 99.0
    session.importance()[0] = 99.0  # a copy
    assert session.importance()[0] != 99.0
    session.scale("smooth", 0.5).undo()
    np.testing.assert_array_equal(session.predictions(), before)


@pytest.mark.parametrize(
    "weights, pattern",
    [
        (lambda n: np.ones(n - 1), "one weight per row"),
        (lambda n: np.r_[np.nan, np.ones(n - 1)], "NaN or infinite"),
        (lambda n: np.r_[np.inf, np.ones(n - 1)], "NaN or infinite"),
        (lambda n: np.r_[-1.0, np.ones(n - 1)], "negative"),
        (lambda n: np.zeros(n), "zero for every row"),
        (lambda n: ["a"] * n, "must be numbers"),
    ],
)
def test_sample_weight_is_validated(model, data, weights, pattern):
    X, y = data
    with pytest.raises(namwidgets.InputError, match=f"sample_weight.*{pattern}"):
        EditSession(model, X, y, sample_weight=weights(len(X)))


def test_slice_metrics_use_the_sessions_weights(model, data):
    X, y = data
    w = np.where(X["colour"].to_numpy() == "red", 5.0, 1.0) * np.linspace(
        0.1, 3, len(X)
    )
    s = EditSession(model, X, y, sample_weight=w)
    s.zero("step")
    table = s.slice_metrics("colour").set_index(["slice", "metric"])
    red = (X["colour"] == "red").to_numpy()
    fresh = compute_metrics("regression", s.y[red], s.predictions()[red], None, w[red])
    assert table.loc[("red", "rmse"), "current"] == pytest.approx(fresh["rmse"])
    plain = EditSession(model, X, y).zero("step").slice_metrics("colour")
    plain = plain.set_index(["slice", "metric"])
    assert table.loc[("red", "rmse"), "current"] != pytest.approx(
        plain.loc[("red", "rmse"), "current"]
    )
    assert table.loc[("red", "rmse"), "n"] == red.sum()  # n counts rows


def test_a_regressor_session_with_string_y_names_y(model, data):
    X, y = data
    with pytest.raises(namwidgets.InputError, match="y must be numeric.*'high'"):
        EditSession(model, X, ["high"] * len(X))
    for dtype in ("Float64", "Int64"):
        nullable = y.round().astype(dtype)
        nullable.iloc[3] = None
        with pytest.raises(namwidgets.InputError, match="y contains (NaN|missing)"):
            EditSession(model, X, nullable)
    with pytest.raises(namwidgets.InputError, match="y contains NaN"):
        EditSession(model, X, np.r_[np.nan, y.to_numpy()[1:]])


def test_classifier_y_mixing_strings_and_ints(fitted_classifier):
    clf, X, y = fitted_classifier
    mixed = np.array([0, "1"] * 25, dtype=object)
    with pytest.raises(namwidgets.InputError, match="mixes"):
        EditSession(clf, X.iloc[:50], mixed)
    with pytest.raises(namwidgets.InputError, match="classes"):
        EditSession(clf, X.iloc[:50], ["a", "b"] * 25)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": -1e-3}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": -3}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
    ],
)
def test_refit_arguments_are_checked_before_the_model_is_called(
    session, kwargs, pattern
):
    session.zero("step")
    before = session.model
    with pytest.raises(namwidgets.InputError, match=pattern):
        session.refit_others(**kwargs)
    assert session.model is before and session.refits == []


def test_term_functions_and_targets_cannot_be_changed_from_outside(model, data):
    X, y = data
    y_mine = y.to_numpy().copy()
    s = EditSession(model, X, y_mine)
    rmse = s.metrics()["rmse"]
    y_mine[:] = 0.0  # the caller reuses its array: the session keeps its own copy
    assert s.metrics("current", auc=False)["rmse"] == rmse
    for sf in (s.term_functions()[0], s.term_functions("original")[0]):
        with pytest.raises(ValueError, match="read-only"):
            sf.values[0] = 99.0
    s.scale("smooth", 2.0)
    with pytest.raises(ValueError, match="read-only"):
        s.term_functions()[0].values[0] = 99.0
    with pytest.raises(ValueError, match="read-only"):
        s.y[0] = 1.0


def test_region_and_zeroed_policies(session):
    lo, hi = session.term_range("smooth")
    ref = session.reference("smooth", original=True)
    assert (lo, hi) == (ref.lo, ref.hi)
    assert session.default_region("smooth") == pytest.approx(
        (lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo))
    )
    assert not session.is_zeroed("smooth")
    session.zero("smooth")
    assert session.is_zeroed("smooth")
    with pytest.raises(EditError, match="categorical"):
        session.term_range("colour")


def test_metrics_table_of_a_classifier_is_states_by_metrics(fitted_classifier):
    clf, X, y = fitted_classifier
    s = EditSession(clf, X.iloc[:300], y.iloc[:300]).zero("smooth")
    t = s.metrics_table()
    assert list(t.index) == ["original", "last", "current"]
    assert t.index.name == "state" and t.columns.name == "metric"
    assert set(t.columns) == set(s.metrics())
    assert t.loc["current", "confusion_matrix"] == s.metrics()["confusion_matrix"]
    assert t.loc["original", "roc_auc"] == s.metrics("original")["roc_auc"]
    assert t.loc["current", "accuracy"] != t.loc["original", "accuracy"]


def test_arrays_taken_before_an_edit_keep_their_values():
    # contributions() is a zero-copy view; an edit must not change it under the
    # caller (a "before - after" computed from it would silently read zero)
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    y = X["a"] + X["b"] ** 2
    model = NAMRegressor(max_epochs=3, verbose=0, random_state=0, n_threads=1)
    s = EditSession(model.fit(X, y), X, y)
    before = s.contributions()
    kept = before.copy()
    pred, eta = s.predictions(), s.linear_predictor()
    pred0, eta0 = pred.copy(), eta.copy()
    s.zero("a")
    after = s.contributions()
    after_kept = after.copy()
    np.testing.assert_array_equal(before, kept)
    np.testing.assert_array_equal(pred, pred0)
    np.testing.assert_array_equal(eta, eta0)
    assert np.abs(after[:, 0] - kept[:, 0]).max() > 0
    np.testing.assert_array_equal(after[:, 1], kept[:, 1])
    s.undo()
    np.testing.assert_array_equal(after, after_kept)  # the undo did not reach it
    np.testing.assert_array_equal(s.contributions(), kept)
    # one row, as a copy
    row = s.row_contributions(7)
    np.testing.assert_array_equal(row, kept[7])
    row[:] = 0
    np.testing.assert_array_equal(s.contributions()[7], kept[7])
    np.testing.assert_array_equal(s.row_contributions(7, "original"), kept[7])
    with pytest.raises(InputError, match="row 300 is out of range"):
        s.row_contributions(300)
    with pytest.raises(InputError, match="state"):
        s.row_contributions(0, "last")

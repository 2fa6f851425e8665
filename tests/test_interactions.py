"""Pair terms (GA²M) in the NAM: selection, recovery, purification, exactness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from namwidgets.exceptions import InputError
from namwidgets.explain import PairFunction, ShapeFunction
from namwidgets.model import NAMClassifier, NAMRegressor, load_model

FAST = dict(max_epochs=60, verbose=0, random_state=0, n_threads=1)


def synthetic(n=4000, seed=0, interaction=True):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "c": rng.uniform(-1, 1, n),
            "d": rng.uniform(-1, 1, n),
            "g": rng.choice(["x", "y", "z"], n),
        }
    )
    mains = np.sin(2 * X.a) + X.b**2 - 0.5 * X.d
    # pure interactions: zero mean along each axis under independent uniforms
    ab = 2.0 * X.a * X.b
    cg = np.where(X.g == "y", 1.0, np.where(X.g == "x", -1.0, 0.0)) * X.c
    y = mains + (ab + cg if interaction else 0.0) + rng.normal(scale=0.1, size=n)
    return X, y.to_numpy(), ab.to_numpy(), cg


@pytest.fixture(scope="module")
def fitted():
    X, y, ab, cg = synthetic()
    return NAMRegressor(interactions=2, **FAST).fit(X, y), X, y, ab, cg


def test_the_true_pairs_are_selected_and_named_like_ebm(fitted):
    model, *_ = fitted
    assert model.term_names_[:5] == ["a", "b", "c", "d", "g"]
    assert set(model.term_names_[5:]) == {"a & b", "c & g"}
    assert set(model.term_features_[5:]) == {(0, 1), (2, 4)}
    assert model.contributions_array(fitted[1].iloc[:3]).shape == (3, 7, 1)


def test_pairs_are_recovered_and_the_fit_is_far_better_than_additive(fitted):
    model, X, y, ab, cg = fitted
    C = model.contributions(X)
    assert np.corrcoef(C["a & b"], ab)[0, 1] > 0.9
    assert np.corrcoef(C["c & g"], cg)[0, 1] > 0.9
    additive = NAMRegressor(interactions=0, **FAST).fit(X, y)
    rmse = np.sqrt(np.mean((model.predict(X) - y) ** 2))
    rmse0 = np.sqrt(np.mean((additive.predict(X) - y) ** 2))
    assert rmse < 0.5 * rmse0


def test_pair_function_correlates_with_the_truth_on_its_grid(fitted):
    model, *_ = fitted
    pf = next(f for f in model.term_functions() if f.name == "a & b")
    assert isinstance(pf, PairFunction) and pf.values.shape == pf.density.shape
    truth = 2.0 * np.outer(pf.x, pf.y)
    inside = pf.density > 0
    assert np.corrcoef(pf.values[inside], truth[inside])[0, 1] > 0.9
    cg = next(f for f in model.term_functions() if f.name == "c & g")
    assert list(cg.y) == ["x", "y", "z"] and cg.values.shape == (len(cg.x), 3)


def test_purification_axis_means_are_zero_on_the_data_weights(fitted):
    model, *_ = fitted
    for pf in model.term_functions():
        if not isinstance(pf, PairFunction):
            continue
        w = pf.density
        rows = (w * pf.values).sum(1)[w.sum(1) > 0] / w.sum(1)[w.sum(1) > 0]
        cols = (w * pf.values).sum(0)[w.sum(0) > 0] / w.sum(0)[w.sum(0) > 0]
        assert np.abs(rows).max() < 1e-9, pf.name
        assert np.abs(cols).max() < 1e-9, pf.name


def test_additivity_identity_and_centring_with_pairs(fitted):
    model, X, *_ = fitted
    C = model.contributions_array(X)
    np.testing.assert_allclose(
        model.intercept_ + C.sum(1)[:, 0], model.predict(X), rtol=0, atol=1e-9
    )
    # pairs are centred in float64; the main effects' centres are float32 buffers
    np.testing.assert_allclose(C.mean(0)[5:, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(C.mean(0)[:5, 0], 0.0, atol=1e-6)
    imp = model.term_importances()
    assert imp.shape == (7,) and (imp[5:] > 0.2).all()
    # importances are weighted by the float32 training weights
    np.testing.assert_allclose(imp, np.abs(C[:, :, 0]).mean(0), rtol=1e-6)


def test_main_effects_do_not_change_when_a_pure_interaction_is_added():
    X, y, *_ = synthetic(interaction=False)
    _, y_int, *_ = synthetic(interaction=True)
    plain = NAMRegressor(interactions=0, **FAST).fit(X, y)
    paired = NAMRegressor(interactions=2, **FAST).fit(X, y_int)
    for j in (0, 1, 3):  # the features with a main effect (c has none)
        a = plain.contributions_array(X)[:, j, 0]
        b = paired.contributions_array(X)[:, j, 0]
        assert np.corrcoef(a, b)[0, 1] > 0.95, X.columns[j]


def test_save_and_load_are_exact_with_pairs(fitted, tmp_path):
    model, X, *_ = fitted
    model.save(tmp_path / "m.nam")
    back = load_model(tmp_path / "m.nam")
    assert back.term_names_ == model.term_names_
    assert back.fingerprint() == model.fingerprint()
    np.testing.assert_array_equal(back.predict(X), model.predict(X))
    np.testing.assert_array_equal(back.term_importances(), model.term_importances())


def test_interactions_zero_is_the_additive_model():
    X, y, *_ = synthetic(n=600)
    m = NAMRegressor(interactions=0, **FAST).fit(X, y)
    assert m.pair_module_ is None and m.term_names_ == list(X.columns)
    assert all(isinstance(f, ShapeFunction) for f in m.term_functions())
    # the prediction is the main effects' module alone, as before pairs existed
    C = m.contributions_array(X)
    np.testing.assert_allclose(m.predict(X), m.intercept_ + C.sum(1)[:, 0])


def test_classifier_multiclass_ensemble_and_missing_values():
    X, y, *_ = synthetic(n=3000, seed=1)
    X = X.copy()
    X.loc[X.index[:300], "a"] = np.nan
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    model = NAMClassifier(
        interactions=[("a", "b"), ("g", "d")], n_models=3, **FAST
    ).fit(X, labels)
    assert model.term_names_[5:] == ["a & b", "d & g"]
    C = model.contributions_array(X)
    assert C.shape == (3000, 7, 3)
    eta = model.intercept_ + C.sum(1)
    p = np.exp(eta - eta.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), model.predict_proba(X))
    pf = next(f for f in model.term_functions() if f.name == "a & b")
    assert pf.nan_x is not None and pf.nan_x.shape == (len(pf.y), 3)
    assert pf.values.shape == (len(pf.x), len(pf.y), 3)
    assert (pf.upper >= pf.lower).all() and (pf.upper > pf.lower).any()


def test_categorical_by_categorical_pair_is_a_table():
    rng = np.random.default_rng(2)
    n = 3000
    X = pd.DataFrame({"u": rng.choice(list("pq"), n), "v": rng.choice(list("rst"), n)})
    table = {("p", "r"): 1.0, ("p", "s"): -1.0, ("q", "r"): -1.0, ("q", "s"): 1.0}
    y = np.array([table.get((a, b), 0.0) for a, b in zip(X.u, X.v)])
    y = y + rng.normal(scale=0.1, size=n)
    model = NAMRegressor(interactions=1, **FAST).fit(X, y)
    assert model.term_names_ == ["u", "v", "u & v"]
    assert np.sqrt(np.mean((model.predict(X) - y) ** 2)) < 0.2
    pf = model.term_functions()[2]
    assert pf.values.shape == (2, 3)


@pytest.mark.parametrize(
    "value, match",
    [
        (-1, "interactions must be >= 0"),
        ("many", "interactions must be"),
        ([("a", "nope")], "'nope'"),
        ([("a", "a")], "twice"),
        ([("a",)], "two features"),
    ],
)
def test_bad_interactions_are_refused_by_name(value, match):
    X, y, *_ = synthetic(n=200)
    with pytest.raises(InputError, match=match):
        NAMRegressor(interactions=value, **FAST).fit(X, y)


def test_refit_with_pairs_leaves_the_original_model_alone(fitted):
    model, X, y, *_ = fitted
    before = model.predict(X[:200]).copy()
    fp = model.fingerprint()
    held = {0: model.contributions_array(X[:500])[:, 0]}
    new = model.refit_others(X[:500], y[:500], held, epochs=2)
    assert model.fingerprint() == fp
    np.testing.assert_array_equal(model.predict(X[:200]), before)
    assert new.term_names_ == model.term_names_
    err_new = np.sqrt(np.mean((new.predict(X[:500]) - y[:500]) ** 2))
    err_old = np.sqrt(np.mean((model.predict(X[:500]) - y[:500]) ** 2))
    assert err_new < 1.5 * err_old  # the pairs stayed in the refit's offset


def test_many_candidates_are_screened_and_the_true_pair_still_found(monkeypatch):
    import namwidgets.model._interactions as interactions

    calls = []
    rank = interactions.rank_pairs

    def counting(*args, **kwargs):
        calls.append((len(kwargs["candidates"]), kwargs.get("max_bins", 32)))
        return rank(*args, **kwargs)

    monkeypatch.setattr(interactions, "rank_pairs", counting)
    monkeypatch.setattr(interactions, "SCREEN_KEEP", 10)
    monkeypatch.setattr(interactions, "SCREEN_ABOVE", 300)
    rng = np.random.default_rng(3)
    n, k = 2000, 27  # 351 candidates: above SCREEN_ABOVE
    X = pd.DataFrame(rng.uniform(-1, 1, (n, k)), columns=[f"f{i}" for i in range(k)])
    y = X.f1 + 2.0 * X.f4 * X.f19 + rng.normal(scale=0.1, size=n)
    model = NAMRegressor(interactions=1, **{**FAST, "max_epochs": 8}).fit(X, y)
    assert calls == [(351, interactions.SCREEN_BINS), (10, 32)]
    assert model.term_names_[k:] == ["f4 & f19"]


def test_pair_stage_validates_on_the_whole_model(monkeypatch):
    # the pair stage trains with the main effects as a fixed offset; its
    # validation rows need that offset too, or early stopping and the no-pair
    # start compare the pairs alone with the target (a pair that only repeats
    # a main effect would look like a gain)
    import namwidgets.model._interactions as interactions

    seen = []
    train = interactions.train

    def spy(module, train_data, valid_data, cfg, generator):
        seen.append(
            (type(module).__name__, train_data.offset is not None, valid_data.offset)
        )
        return train(module, train_data, valid_data, cfg, generator)

    monkeypatch.setattr(interactions, "train", spy)
    X, y, *_ = synthetic(n=800)
    NAMRegressor(interactions=[("a", "b")], **{**FAST, "max_epochs": 5}).fit(X, y)
    # the pair stage trains its PairModule inside PerPairStop (per-pair stops)
    pairs = [s for s in seen if s[0] == "PerPairStop"]
    assert len(pairs) == 1 and pairs[0][1]
    assert pairs[0][2] is not None and pairs[0][2].shape == (120, 1)
    joint = [s for s in seen if s[0] == "TermModule"]
    assert all(s[2] is None for s in joint)  # the joint module holds the mains


def test_the_default_fits_pairs_and_interactions_zero_is_its_main_effect_stage(
    monkeypatch,
):
    import namwidgets.model._base as base

    X, y, *_ = synthetic(n=1500)
    assert NAMRegressor().interactions == "auto"
    default = NAMRegressor(**FAST).fit(X, y)
    additive = NAMRegressor(interactions=0, **FAST).fit(X, y)
    assert len(default.term_names_) > len(X.columns)  # pairs found and kept
    assert additive.pair_module_ is None and additive.term_names_ == list(X.columns)
    # the default's main-effect stage is the additive model's, epoch for epoch,
    # up to its pause: MAIN_PAUSE epochs after its best, where the pairs begin
    from namwidgets.model._interactions import MAIN_PAUSE

    mains = [r for r in default.history_ if "stage" not in r]
    assert not any(r.get("resumed") for r in mains)  # pairs kept: no resumption
    untimed = [{k: v for k, v in r.items() if k != "time"} for r in mains]
    full = [{k: v for k, v in r.items() if k != "time"} for r in additive.history_]
    assert MAIN_PAUSE < len(untimed) < len(full) and untimed == full[: len(untimed)]
    scores = [r["valid_score"] for r in mains]
    assert len(scores) - 1 - int(np.argmin(scores)) == MAIN_PAUSE
    # and interactions=0 is exactly the default with its pair stage removed
    monkeypatch.setattr(base, "fit_interactions", lambda *args: None)
    mains_only = NAMRegressor(**FAST).fit(X, y)
    np.testing.assert_array_equal(additive.predict(X), mains_only.predict(X))


@pytest.fixture(scope="module")
def additive_data():
    X, y, *_ = synthetic(n=1500, interaction=False)
    return X, y


def test_the_pair_stage_gives_up_early_where_no_pair_helps(
    fitted, additive_data, monkeypatch
):
    import namwidgets.model._interactions as interactions

    # the pre-test off, so that the pair stage runs where no pair can help
    monkeypatch.setattr(interactions, "PRETEST", False)
    X, y = additive_data
    model = NAMRegressor(interactions="auto", patience=15, **FAST).fit(X, y)
    assert model.pair_module_ is None and model.term_names_ == list(X.columns)
    stage = [r for r in model.history_ if r.get("stage") == "pairs"]
    assert len(stage) == interactions.PAIR_START_PATIENCE < 15
    # where pairs help, the stage trains on past that many epochs
    helped = [r for r in fitted[0].history_ if r.get("stage") == "pairs"]
    assert len(helped) > interactions.PAIR_START_PATIENCE


def _untimed_mains(history):
    return [
        {k: v for k, v in r.items() if k not in ("time", "resumed")}
        for r in history
        if "stage" not in r
    ]


@pytest.mark.parametrize("pair_stage", ["pre-test", "pair stage", "random draws"])
def test_where_no_pair_is_kept_the_paused_main_fit_ends_as_the_additive_one(
    additive_data, pair_stage, monkeypatch
):
    # the main effects pause MAIN_PAUSE epochs after their best for the pairs;
    # where none is kept they resume with their optimiser and random states and
    # end bit for bit as a fit without pairs would: the same records, the same
    # predictions (dropout on, so that torch's random state matters too)
    import namwidgets.model._base as base
    import namwidgets.model._interactions as interactions

    X, y = additive_data
    params = dict(patience=15, dropout=0.1, **FAST)
    additive = NAMRegressor(interactions=0, **params).fit(X, y)
    if pair_stage == "pair stage":  # trained, then refused by its keep tests
        monkeypatch.setattr(interactions, "PRETEST", False)
    if pair_stage == "random draws":  # what a pair stage draws, then no pair

        def draws(est, frame, data, train_idx, valid_idx, target, w, gen):
            torch.randperm(1000, generator=gen)
            torch.rand(1000)
            return None

        monkeypatch.setattr(base, "fit_interactions", draws)
    model = NAMRegressor(interactions="auto", **params).fit(X, y)
    assert model.pair_module_ is None and model.term_names_ == list(X.columns)
    resumed = [r for r in model.history_ if r.get("resumed")]
    assert resumed and all("stage" not in r for r in resumed)
    tried = [r for r in model.history_ if r.get("stage") == "pairs"]
    assert bool(tried) == (pair_stage == "pair stage")
    assert _untimed_mains(model.history_) == _untimed_mains(additive.history_)
    np.testing.assert_array_equal(model.predict(X), additive.predict(X))


def test_at_the_pause_ctrl_c_is_the_callers_and_the_fit_resumes_after(
    additive_data, monkeypatch
):
    import signal

    import namwidgets.model._base as base

    X, y = additive_data
    handler = signal.getsignal(signal.SIGINT)
    seen = {}

    def fit_interactions(est, *args):
        # at the pause: the training loop's SIGINT handler is gone (the pair
        # search and stage are interruptible as any code), and the records end
        # MAIN_PAUSE epochs after the best
        seen["handler"] = signal.getsignal(signal.SIGINT)
        seen["scores"] = [r["valid_score"] for r in est.history_]
        return None

    monkeypatch.setattr(base, "fit_interactions", fit_interactions)
    model = NAMRegressor(interactions="auto", patience=15, **FAST).fit(X, y)
    assert seen["handler"] is handler and signal.getsignal(signal.SIGINT) is handler
    from namwidgets.model._interactions import MAIN_PAUSE

    scores = seen["scores"]
    assert len(scores) - 1 - int(np.argmin(scores)) == MAIN_PAUSE
    assert len(scores) < len(model.history_)  # resumed: no pair was kept


def test_the_pre_test_skips_the_pair_stage_only_where_no_pair_helps(
    fitted, additive_data
):
    # purely additive data: the pairs' cell lookups do not beat validation
    # noise, and no pair net is trained (no record of the pair stage at all)
    X, y = additive_data
    model = NAMRegressor(interactions="auto", patience=15, **FAST).fit(X, y)
    assert model.pair_module_ is None and model.term_names_ == list(X.columns)
    assert not [r for r in model.history_ if r.get("stage") == "pairs"]
    # two real interactions: the pre-test passes, the stage runs and keeps them
    helped = fitted[0]
    assert [r for r in helped.history_ if r.get("stage") == "pairs"]
    assert len(helped.term_names_) == 7


@pytest.mark.slow
@pytest.mark.parametrize("classification", [False, True])
def test_a_short_budget_on_additive_data_keeps_no_pair(classification, monkeypatch):
    # 15 epochs leave the main effects under-trained: the pair stage fits what
    # they miss, beats them on validation, and six spurious pairs were kept
    # (the keep test credited the pairs with main-effect signal); the pairs'
    # interaction, purified of it, does not beat validation noise
    import namwidgets.model._interactions as interactions
    from namwidgets.datasets import make_additive

    # the pre-test skips the pair stage here (its lookups' z: -1.2 and -2.5);
    # off, the pair stage runs, and the keep test after it must refuse its pairs
    monkeypatch.setattr(interactions, "PRETEST", False)
    X, y = make_additive(2000, classification=classification, random_state=0)
    cls = NAMClassifier if classification else NAMRegressor
    model = cls(max_epochs=15, random_state=0, verbose=0, n_threads=1).fit(X, y)
    assert [r for r in model.history_ if r.get("stage") == "pairs"]  # it tried
    assert model.pair_module_ is None and model.term_names_ == list(X.columns)


def test_each_pair_is_early_stopped_on_its_own():
    # one strong interaction, slow to fit (a fine checkerboard), beside three
    # pairs of pure noise: under one early stop for all pairs the noise pairs'
    # overfitting ended the stage at epoch 42 with the strong pair at corr 0.879
    # (measured with PER_PAIR_STOP = False); stopped pair by pair, the noise
    # pairs freeze and the strong one trains on (58 epochs, corr 0.904). Since
    # the main effects pause for the pairs (MAIN_PAUSE, 2026-12-03): one stop 42
    # epochs, corr 0.891; pair by pair 49 epochs, corr 0.902
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame({c: rng.uniform(-1, 1, n) for c in "abcde"})
    ab = (np.sin(6 * X.a) * np.sin(6 * X.b)).to_numpy()
    y = 0.5 * X.a + 0.5 * X.c + ab + rng.normal(scale=0.5, size=n)
    pairs = [("a", "b"), ("c", "d"), ("c", "e"), ("d", "e")]
    model = NAMRegressor(
        interactions=pairs, max_epochs=100, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    stages = [r.get("stage") for r in model.history_]
    assert stages.count("pairs") >= 46
    assert np.corrcoef(model.contributions(X)["a & b"], ab)[0, 1] > 0.895


def test_a_fine_pair_grid_keeps_every_identity_end_to_end(monkeypatch, tmp_path):
    # from FINE_GRID_ROWS training rows on, pairs get 64 cells an axis with the
    # nets read on 32 through an upsampling; the tests' data are smaller, so
    # force it here: numeric x numeric and categorical x numeric pairs both
    import namwidgets.model._interactions as interactions
    from namwidgets import EditSession

    monkeypatch.setattr(interactions, "PAIR_GRID", 64)
    X, y, ab, cg = synthetic(3000, seed=1)
    model = NAMRegressor(interactions=[("a", "b"), ("c", "g")], **FAST).fit(X, y)
    assert model.pair_module_.grid == 64
    C = model.contributions_array(X)
    np.testing.assert_allclose(
        model.intercept_ + C.sum(1)[:, 0], model.predict(X), rtol=0, atol=1e-9
    )
    assert np.corrcoef(C[:, 5, 0], ab)[0, 1] > 0.9
    assert np.corrcoef(C[:, 6, 0], cg)[0, 1] > 0.9
    for pf in model.term_functions()[5:]:
        assert isinstance(pf, PairFunction)
        w = pf.density
        rows = (w * pf.values).sum(1)[w.sum(1) > 0] / w.sum(1)[w.sum(1) > 0]
        cols = (w * pf.values).sum(0)[w.sum(0) > 0] / w.sum(0)[w.sum(0) > 0]
        assert np.abs(rows).max() < 1e-9 and np.abs(cols).max() < 1e-9, pf.name
    ab_f = model.term_functions()[5]
    assert len(ab_f.x) == len(ab_f.y) == 65  # the knots of 64 cells
    # an edit session zeroes the pair by exactly its contribution; files exact
    s = EditSession(model, X, y)
    before = s.linear_predictor().copy()
    s.zero("a & b")
    np.testing.assert_allclose(s.linear_predictor() - before, -C[:, 5], atol=1e-12)
    model.save(tmp_path / "fine.nam")
    back = load_model(tmp_path / "fine.nam")
    assert back.pair_module_.grid == 64
    np.testing.assert_array_equal(back.predict(X), model.predict(X))

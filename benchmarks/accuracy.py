"""Accuracy of NAMs against EBM, pyGAM and the usual baselines, in k-fold CV.

The NAM paper's protocol: 5-fold cross-validation (stratified for classification,
shuffled, fixed seed); whatever needs early stopping takes its validation split from
inside each training fold (the NAM through ``early_stopping=True``, EBM and
HistGradientBoosting through their own), and every scaler, imputer and encoder is fit
on the training fold only (the NAM scales its inputs and target itself).

Datasets: California Housing (RMSE, $100k), COMPAS (AUC), Adult (AUC), breast
cancer (AUC) and diabetes (RMSE). Missing values: the NAM, EBM and
HistGradientBoosting take NaN as it is; linear/logistic regression, the tree and
pyGAM get a ``SimpleImputer`` (median for numbers, most frequent level for
categories) fit on the training fold.

Run ``python3 benchmarks/accuracy.py [--quick]``: prints a markdown table of mean +-
std over the folds and the mean fit seconds per fold. ``benchmarks/run_all.py``
calls :func:`run` and writes RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import functools
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_squared_error, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namwidgets import NAMClassifier, NAMRegressor  # noqa: E402
from namwidgets.datasets import (  # noqa: E402
    load_adult,
    load_california_housing,
    load_compas,
)

SEED = 0
SEARCH_SECONDS = [0.0]  # pair search time of the fit in progress (see _timed_search)
QUICK_ROWS = 1500  # rows kept from each large dataset in --quick mode

# The NAM paper's Table 1 (Agarwal et al., 2021), as quoted in the brief.
PAPER_TABLE_1 = {
    "California Housing": {
        "NAM": "0.562 ± 0.007",
        "EBM": "0.557 ± 0.009",
        "XGBoost": "0.532",
        "DNN": "0.492",
        "linear": "0.728",
    },
    "COMPAS": {"NAM": "0.741 ± 0.009", "EBM": "0.740", "linear": "0.730"},
}


# ---------------------------------------------------------------- datasets
@dataclass(frozen=True)
class Dataset:
    name: str
    task: str  # "regression" | "classification"
    metric: str  # "RMSE" | "AUC"
    load: Callable[[], tuple[pd.DataFrame, pd.Series]]

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "AUC"


def _sk(loader: Callable[..., Any]) -> Callable[[], tuple[pd.DataFrame, pd.Series]]:
    def load() -> tuple[pd.DataFrame, pd.Series]:
        bunch = loader(as_frame=True)
        return bunch.data, bunch.target

    return load


DATASETS = {
    d.name: d
    for d in (
        Dataset("California Housing", "regression", "RMSE", load_california_housing),
        Dataset("COMPAS", "classification", "AUC", load_compas),
        Dataset("Adult", "classification", "AUC", load_adult),
        Dataset("breast cancer", "classification", "AUC", _sk(load_breast_cancer)),
        Dataset("diabetes", "regression", "RMSE", _sk(load_diabetes)),
    )
}


def load_dataset(ds: Dataset, quick: bool) -> tuple[pd.DataFrame, pd.Series]:
    """Load a dataset; in quick mode keep a random ``QUICK_ROWS`` rows of it."""
    X, y = ds.load()
    X = X.reset_index(drop=True)
    y = pd.Series(np.asarray(y), name=getattr(y, "name", "y"))
    if quick and len(X) > QUICK_ROWS:
        idx = np.random.default_rng(SEED).choice(len(X), QUICK_ROWS, replace=False)
        X, y = X.iloc[idx].reset_index(drop=True), y.iloc[idx].reset_index(drop=True)
    return X, y


def _categorical(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]


# ------------------------------------------------------------------ models
@dataclass(frozen=True)
class Budget:
    """Training budget: the full run's, or --quick's.

    The full run uses the NAM defaults everywhere (``max_epochs=200``,
    ``patience=15``, ``batch_size="auto"``); the ExU row uses the paper's first
    layer width, 1024, without its two further layers (``(1024, 64, 32)`` costs
    about three times as much per epoch for no better RMSE on California
    Housing); the interaction EBM's ``outer_bags`` is cut (default 14: over 7
    minutes per fold on Adult).
    """

    max_epochs: int = 200  # the NAM defaults, for datasets up to large_rows
    patience: int = 15
    large_rows: int = 10_000
    max_epochs_large: int = 200  # California Housing and Adult: no cut
    patience_large: int = 15
    exu_hidden: tuple[int, ...] = (1024,)
    n_models: int = 5
    ebm_outer_bags: int = 2  # the EBM row with interactions; EBM's default is 14
    ebm_noint_outer_bags: int = 14  # the no-interaction row: EBM's default
    ebm_max_rounds: int = 50_000  # EBM's default
    ebm_interaction_params: tuple[tuple[str, Any], ...] = ()  # quick mode's cuts
    gam_splines: int = 20  # pyGAM's default
    n_threads: int = 1


FULL = Budget()
QUICK = Budget(
    max_epochs=12,
    patience=4,
    max_epochs_large=12,
    patience_large=4,
    exu_hidden=(256,),
    n_models=2,
    ebm_outer_bags=1,
    ebm_noint_outer_bags=2,
    ebm_max_rounds=300,
    ebm_interaction_params=(("interactions", 3), ("max_interaction_bins", 16)),
    gam_splines=8,
)


def _linear_prep(X: pd.DataFrame) -> ColumnTransformer:
    """Impute, standardise numbers and one-hot encode categories (fit per fold)."""
    num = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    cat = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("num", num, make_column_selector(dtype_include="number")),
            ("cat", cat, make_column_selector(dtype_exclude="number")),
        ]
    )


class GAMModel(BaseEstimator):
    """pyGAM with a spline term per numeric feature and a factor term per category.

    Numbers are median-imputed, categories coded by their dtype's full level list
    (missing: the training fold's most frequent level); a level the training fold
    never saw is mapped to that fold's most frequent level, since pyGAM's factor
    terms only know the levels they were fit on.
    """

    def __init__(self, task: str = "regression", n_splines: int = 20) -> None:
        self.task = task
        self.n_splines = n_splines

    def _encode(self, X: pd.DataFrame) -> np.ndarray:
        cols = []
        for c in X.columns:
            if c in self.levels_:
                codes = pd.Categorical(X[c], categories=self.levels_[c]).codes
                codes = np.where(np.isin(codes, self.seen_[c]), codes, self.mode_[c])
                cols.append(codes.astype(float))
            else:
                cols.append(X[c].fillna(self.median_[c]).to_numpy(float))
        return np.column_stack(cols)

    def fit(self, X: pd.DataFrame, y: Any) -> GAMModel:
        from pygam import LinearGAM, LogisticGAM, f, s

        cats = set(_categorical(X))
        self.levels_ = {c: list(pd.Categorical(X[c]).categories) for c in cats}
        self.seen_, self.mode_, self.median_ = {}, {}, {}
        for c in X.columns:
            if c in cats:
                codes = pd.Categorical(X[c], categories=self.levels_[c]).codes
                codes = codes[codes >= 0]
                self.seen_[c] = np.unique(codes)
                self.mode_[c] = int(np.bincount(codes).argmax())
            else:
                self.median_[c] = float(X[c].median())
        terms = [
            f(i) if c in cats else s(i, n_splines=self.n_splines)
            for i, c in enumerate(X.columns)
        ]
        gam = (LogisticGAM if self.task == "classification" else LinearGAM)(
            functools.reduce(lambda a, b: a + b, terms)
        )
        self.gam_ = gam.fit(self._encode(X), np.asarray(y, float))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.gam_.predict(self._encode(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = self.gam_.predict_proba(self._encode(X))
        return np.column_stack([1 - p, p])


def _nam(task: str, b: Budget, X: pd.DataFrame, **params: Any) -> BaseEstimator:
    cls = NAMClassifier if task == "classification" else NAMRegressor
    large = len(X) > b.large_rows
    return cls(
        max_epochs=b.max_epochs_large if large else b.max_epochs,
        patience=b.patience_large if large else b.patience,
        n_threads=b.n_threads,
        random_state=SEED,
        verbose=0,
        # a rare level (Adult's 'Married-AF-spouse') can be absent from a
        # training fold; the NAM then gives it its "(other)" level's value
        handle_unknown="other",
        **params,
    )


def _ebm(task: str, b: Budget, outer_bags: int, **params: Any) -> BaseEstimator:
    from interpret.glassbox import (
        ExplainableBoostingClassifier,
        ExplainableBoostingRegressor,
    )

    cls = (
        ExplainableBoostingClassifier
        if task == "classification"
        else ExplainableBoostingRegressor
    )
    return cls(
        outer_bags=outer_bags,
        max_rounds=b.ebm_max_rounds,
        n_jobs=b.n_threads,
        random_state=SEED,
        **params,
    )


def _linear(task: str, b: Budget, X: pd.DataFrame) -> BaseEstimator:
    est = (
        LogisticRegression(max_iter=2000)
        if task == "classification"
        else LinearRegression()
    )
    return make_pipeline(_linear_prep(X), est)


def _tree(task: str, b: Budget, X: pd.DataFrame) -> BaseEstimator:
    cls = DecisionTreeClassifier if task == "classification" else DecisionTreeRegressor
    return make_pipeline(_linear_prep(X), cls(max_depth=4, random_state=SEED))


def _hgb(task: str, b: Budget) -> BaseEstimator:
    cls = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )
    # categorical_features="from_dtype" (the default) takes pandas categories
    return cls(random_state=SEED)


@dataclass(frozen=True)
class Model:
    name: str
    make: Callable[[str, Budget, pd.DataFrame], BaseEstimator]
    needs: str | None = None  # optional package it imports
    note: str = ""


MODELS = [
    Model(
        "NAM ReLU (defaults)",
        lambda t, b, X: _nam(t, b, X),
        note="the estimator's defaults: interactions='auto' since 2026-12-02",
    ),
    Model(
        "NAM ReLU, additive",
        lambda t, b, X: _nam(t, b, X, interactions=0),
        note="interactions=0: the main effects alone (the defaults before 2026-12-02)",
    ),
    Model(
        "NAM ExU",
        lambda t, b, X: _nam(t, b, X, units="exu", hidden_sizes=b.exu_hidden),
        note="units='exu', one hidden layer (see Budget.exu_hidden)",
    ),
    Model(
        "NAM ReLU ensemble",
        lambda t, b, X: _nam(t, b, X, n_models=b.n_models),
        note="n_models members trained in one batched pass",
    ),
    Model(
        "NAM ExU ensemble",
        lambda t, b, X: _nam(
            t, b, X, units="exu", hidden_sizes=b.exu_hidden, n_models=b.n_models
        ),
        note="n_models ExU members trained in one batched pass",
    ),
    Model(
        "EBM",
        lambda t, b, X: _ebm(t, b, b.ebm_outer_bags, **dict(b.ebm_interaction_params)),
        needs="interpret",
    ),
    Model(
        "EBM, no interactions",
        lambda t, b, X: _ebm(t, b, b.ebm_noint_outer_bags, interactions=0),
        needs="interpret",
    ),
    Model("pyGAM", lambda t, b, X: GAMModel(t, b.gam_splines), needs="pygam"),
    Model("linear / logistic", lambda t, b, X: _linear(t, b, X)),
    Model("decision tree, depth 4", lambda t, b, X: _tree(t, b, X)),
    Model("HistGradientBoosting", lambda t, b, X: _hgb(t, b)),
]


def _timed_search() -> None:
    """Time the NAM's pair search (FAST ranking) apart from its fit."""
    from namwidgets.model import _interactions

    if getattr(_interactions.select_pairs, "timed", False):
        return
    inner = _interactions.select_pairs

    def select_pairs(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SEARCH_SECONDS[0] += time.perf_counter() - t0

    select_pairs.timed = True  # type: ignore[attr-defined]
    _interactions.select_pairs = select_pairs  # type: ignore[assignment]


def search_time(
    n_rows: int = 100_000, n_features: int = 100, count: int = 100
) -> tuple[float, list[tuple[int, int]]]:
    """Seconds to rank every pair of ``n_features`` synthetic features, as fit does.

    The residuals hold two strong and two weak interactions among independent
    normal features; returns the seconds and the ``count`` pairs kept.
    """
    from namwidgets.model import _interactions
    from namwidgets.model._encoder import FeatureEncoder

    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n_rows, n_features))
    resid = (
        X[:, 3] * X[:, 7]
        + np.sin(X[:, 10]) * (X[:, 20] > 0)
        + 0.3 * X[:, 30] * X[:, 40]
        + 0.2 * np.abs(X[:, 50]) * X[:, 60]
        + 0.5 * rng.normal(size=n_rows)
    )
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(n_features)])
    est = NAMRegressor()
    est.encoder_ = FeatureEncoder().fit(frame)
    t0 = time.perf_counter()
    pairs = _interactions.select_pairs(
        est,
        frame,
        np.zeros((n_rows, 1)),
        resid,
        np.ones(n_rows),
        np.arange(n_rows),
        count,
    )
    return time.perf_counter() - t0, pairs


def available(model: Model) -> bool:
    """Whether the optional package a model needs imports."""
    if model.needs is None:
        return True
    try:
        __import__(model.needs)
    except ImportError:
        return False
    return True


# --------------------------------------------------------------- the run
def score(ds: Dataset, est: BaseEstimator, X: pd.DataFrame, y: pd.Series) -> float:
    """AUC of the positive class's probability, or RMSE."""
    if ds.task == "classification":
        return float(roc_auc_score(y, est.predict_proba(X)[:, 1]))
    return float(math.sqrt(mean_squared_error(y, est.predict(X))))


def run(
    *,
    quick: bool = False,
    folds: int | None = None,
    datasets: list[str] | None = None,
    models: list[str] | None = None,
    extra_models: list[Model] | None = None,
    log: Callable[[str], None] = print,
    done: list[dict[str, Any]] | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Cross-validate every model on every dataset.

    Parameters
    ----------
    quick : bool
        2 folds, a small training budget and ``QUICK_ROWS`` rows of large datasets.
    folds : int, optional
        Number of folds (5, or 2 when quick).
    datasets, models : list of str, optional
        Names to run (all by default).
    extra_models : list of Model, optional
        Further rows (e.g. tuned NAM variants), run after ``MODELS``.
    log : callable
        Progress lines go here.
    done : list of dict, optional
        Records from an earlier run; folds found there are not refit.
    on_record : callable, optional
        Called with each new record (e.g. to append it to a file).

    Returns
    -------
    list of dict
        One record per (dataset, model, fold): ``dataset, model, fold, metric,
        score, fit_s`` or, for a model whose package is missing, ``skipped``.
    """
    budget = QUICK if quick else FULL
    k = folds or (2 if quick else 5)
    all_models = MODELS + list(extra_models or [])
    for name in models or []:
        if name not in {m.name for m in all_models}:
            raise ValueError(
                f"Unknown model {name!r}; known: {[m.name for m in all_models]}"
            )
    for name in datasets or []:
        if name not in DATASETS:
            raise ValueError(f"Unknown dataset {name!r}; known: {list(DATASETS)}")
    have = {(r["dataset"], r["model"], r["fold"]): r for r in done or []}
    records: list[dict[str, Any]] = []
    torch.set_num_threads(budget.n_threads)
    _timed_search()
    for ds in (DATASETS[n] for n in datasets or DATASETS):
        X, y = load_dataset(ds, quick)
        cv = (
            StratifiedKFold(k, shuffle=True, random_state=SEED)
            if ds.task == "classification"
            else KFold(k, shuffle=True, random_state=SEED)
        )
        splits = list(cv.split(X, y))
        for model in all_models:
            if models and model.name not in models:
                continue
            if not available(model):
                rec = {
                    "dataset": ds.name,
                    "model": model.name,
                    "fold": -1,
                    "metric": ds.metric,
                    "skipped": f"{model.needs} not installed",
                }
                records.append(rec)
                log(f"{ds.name} | {model.name}: skipped ({rec['skipped']})")
                continue
            for fold, (tr, te) in enumerate(splits):
                key = (ds.name, model.name, fold)
                if key in have:
                    records.append(have[key])
                    continue
                est = clone(model.make(ds.task, budget, X))
                SEARCH_SECONDS[0] = 0.0
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    est.fit(X.iloc[tr], y.iloc[tr])
                fit_s = time.perf_counter() - t0
                rec = {
                    "dataset": ds.name,
                    "model": model.name,
                    "fold": fold,
                    "metric": ds.metric,
                    "score": score(ds, est, X.iloc[te], y.iloc[te]),
                    "fit_s": fit_s,
                    "search_s": SEARCH_SECONDS[0],
                }
                records.append(rec)
                if on_record is not None:
                    on_record(rec)
                log(
                    f"{ds.name} | {model.name} | fold {fold}: "
                    f"{ds.metric} {rec['score']:.4f}, fit {fit_s:.1f} s"
                    + (
                        f" (pair search {rec['search_s']:.1f} s)"
                        if rec["search_s"]
                        else ""
                    )
                )
    return records


# ----------------------------------------------------------------- tables
def summarize(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Mean, std (over folds, n-1), fold count and mean fit seconds per row."""
    rows = []
    keys: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        keys.setdefault((r["dataset"], r["model"]), []).append(r)
    for (dname, mname), recs in keys.items():
        scores = [r["score"] for r in recs if "score" in r]
        fits = [r["fit_s"] for r in recs if "score" in r]
        rows.append(
            {
                "dataset": dname,
                "model": mname,
                "metric": recs[0]["metric"],
                "mean": statistics.fmean(scores) if scores else math.nan,
                "std": statistics.stdev(scores) if len(scores) > 1 else math.nan,
                "folds": len(scores),
                "fit_s": statistics.fmean(fits) if fits else math.nan,
                "skipped": next((r["skipped"] for r in recs if "skipped" in r), ""),
            }
        )
    # models in MODELS order (then any extra rows), each over datasets in order
    known = [m.name for m in MODELS]
    datasets = list(DATASETS)

    def rank(r: dict[str, Any]) -> tuple[int, int]:
        m, d = r["model"], r["dataset"]
        return (
            known.index(m) if m in known else len(known),
            datasets.index(d) if d in datasets else len(datasets),
        )

    rows.sort(key=rank)
    return pd.DataFrame(rows)


def _fmt(mean: float, std: float, digits: int) -> str:
    if math.isnan(mean):
        return "–"
    if math.isnan(std):
        return f"{mean:.{digits}f} ± –"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _digits(metric: str, mean: float) -> int:
    return 4 if metric == "AUC" else (3 if abs(mean) < 10 else 2)


def markdown_table(summary: pd.DataFrame) -> str:
    """One table: a row per model, a column per dataset (score; fit s per fold)."""
    names = list(dict.fromkeys(summary["dataset"]))
    metric = {d: summary[summary.dataset == d].metric.iloc[0] for d in names}
    head = "| model | " + " | ".join(f"{d} ({metric[d]})" for d in names) + " |"
    lines = [head, "|---|" + "---:|" * len(names)]
    full = summary.groupby("dataset")["folds"].max()
    for m in dict.fromkeys(summary["model"]):
        cells = []
        for d in names:
            row = summary[(summary.dataset == d) & (summary.model == m)]
            if row.empty:
                cells.append("–")
                continue
            r = row.iloc[0]
            if r["skipped"]:
                cells.append(f"skipped: {r['skipped']}")
                continue
            part = f" [{r['folds']}/{full[d]} folds]" if r["folds"] < full[d] else ""
            cells.append(
                f"{_fmt(r['mean'], r['std'], _digits(r['metric'], r['mean']))} "
                f"({r['fit_s']:.1f} s){part}"
            )
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paper_table(summary: pd.DataFrame) -> str:
    """Our numbers beside the NAM paper's Table 1 where the dataset is the same."""
    # the paper's NAM is additive: our additive row (the defaults row in
    # records from before the defaults fitted pairs)
    additive = "NAM ReLU, additive"
    if summary[summary.model == additive].empty:
        additive = "NAM ReLU (defaults)"
    ours = {
        "NAM": additive,
        "EBM": "EBM",
        "XGBoost": "HistGradientBoosting",
        "linear": "linear / logistic",
    }
    lines = [
        "| dataset | model | ours (model row) | paper, Table 1, as quoted |",
        "|---|---|---:|---:|",
    ]
    for d, row in PAPER_TABLE_1.items():
        for m, paper in row.items():
            our = summary[(summary.dataset == d) & (summary.model == ours.get(m, ""))]
            if our.empty or our.iloc[0]["skipped"]:
                cell = "–"
            else:
                r = our.iloc[0]
                cell = f"{_fmt(r['mean'], r['std'], 3)} ({ours[m]})"
            lines.append(f"| {d} | {m} | {cell} | {paper} |")
    return "\n".join(lines)


def target_table(summary: pd.DataFrame) -> tuple[str, list[str]]:
    """Each NAM row against EBM (within one EBM std), linear and the tree.

    EBM is taken twice: the default EBM (with pairwise interactions) and the
    no-interaction EBM, the like-for-like additive model. Returns the table and
    a list of the targets missed, in words.
    """
    ebms = ("EBM", "EBM, no interactions")
    lines = [
        "| dataset | NAM row | vs EBM (gap, EBM std) "
        "| vs EBM, no interactions (gap, std) | beats linear | beats tree |",
        "|---|---|---|---|---|---|",
    ]
    missed = []
    for d in dict.fromkeys(summary["dataset"]):
        sub = summary[(summary.dataset == d) & (summary.skipped == "")].set_index(
            "model"
        )
        if sub.empty:
            continue
        sign = 1.0 if sub.metric.iloc[0] == "AUC" else -1.0
        for m in [m for m in sub.index if m.startswith("NAM")]:
            nam = sub.loc[m]
            cells = []
            for e in ebms:
                if e not in sub.index:
                    cells.append("–")
                    continue
                ebm = sub.loc[e]
                gap = sign * (nam["mean"] - ebm["mean"])  # > 0: NAM better
                ok = gap >= -ebm["std"]  # False if EBM has one fold (std nan)
                cells.append(f"{'yes' if ok else 'NO'} ({gap:+.4f}, {ebm['std']:.4f})")
                if not ok:
                    missed.append(
                        f"{d}: {m} is {-gap:.4f} behind {e} (std {ebm['std']:.4f})"
                    )
            for base in ("linear / logistic", "decision tree, depth 4"):
                if base in sub.index:
                    ok = sign * (nam["mean"] - sub.loc[base]["mean"]) > 0
                    cells.append("yes" if ok else "NO")
                    if not ok:
                        missed.append(f"{d}: {m} is not ahead of {base}")
                else:
                    cells.append("–")
            lines.append(f"| {d} | {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines), missed


def fit_time_table(records: list[dict[str, Any]]) -> str:
    """Mean fit seconds per fold, a row per model, the NAM's pair search apart."""
    fits: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for r in records:
        if "score" in r:
            key = (r["model"], r["dataset"])
            fits.setdefault(key, []).append((r["fit_s"], r.get("search_s") or 0.0))
    names = list(dict.fromkeys(d for _, d in fits))
    lines = [
        "| model | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for m in dict.fromkeys(m for m, _ in fits):
        cells = []
        for d in names:
            got = fits.get((m, d))
            if not got:
                cells.append("–")
                continue
            fit = statistics.fmean(f for f, _ in got)
            search = statistics.fmean(s for _, s in got)
            cells.append(
                f"{fit:.1f} s" + (f" (search {search:.1f} s)" if search else "")
            )
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------- files
FIELDS = [
    "dataset",
    "model",
    "fold",
    "metric",
    "score",
    "fit_s",
    "skipped",
    "search_s",  # pair search seconds within fit_s (NAM rows; absent before)
]


def write_records(path: Path, records: list[dict[str, Any]]) -> None:
    """Write per-fold records as CSV."""
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, FIELDS)
        w.writeheader()
        w.writerows(records)


def read_records(path: Path) -> list[dict[str, Any]]:
    """Read records written by :func:`write_records` (or appended one by one)."""
    out = []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh, FIELDS):
            if r["dataset"] == "dataset":
                continue
            rec: dict[str, Any] = {k: r[k] for k in ("dataset", "model", "metric")}
            rec["fold"] = int(r["fold"])
            if r.get("skipped"):
                rec["skipped"] = r["skipped"]
            else:
                rec["score"], rec["fit_s"] = float(r["score"]), float(r["fit_s"])
                rec["search_s"] = float(r["search_s"] or 0.0)
            out.append(rec)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="2 folds, small budget")
    p.add_argument("--folds", type=int, default=None)
    p.add_argument("--datasets", nargs="*", default=None)
    p.add_argument("--models", nargs="*", default=None)
    p.add_argument("--csv", type=Path, default=None, help="write per-fold records")
    p.add_argument(
        "--search-time",
        action="store_true",
        help="only time the pair search on 100 synthetic features (4,950 pairs)",
    )
    args = p.parse_args(argv)
    if args.search_time:
        torch.set_num_threads(1)
        for n in (10_000, 100_000):
            secs, pairs = search_time(n)
            print(
                f"100 features, {n:,} rows, 4,950 candidates: {secs:.1f} s; "
                f"best {pairs[:4]}"
            )
        return
    recs = run(
        quick=args.quick,
        folds=args.folds,
        datasets=args.datasets,
        models=args.models,
        log=lambda s: print(s, file=sys.stderr, flush=True),
    )
    if args.csv:
        write_records(args.csv, recs)
    print(markdown_table(summarize(recs)))
    print()
    print(fit_time_table(recs))


if __name__ == "__main__":
    main()

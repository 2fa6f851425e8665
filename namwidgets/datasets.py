"""Datasets for demos, tests and benchmarks: generated ones and local CSV files.

Nothing here downloads anything unless a caller asks for it with
``allow_download=True`` (a user's machine with internet); tests never do.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DatasetNotFoundError

_ENV = "NAMWIDGETS_DATA_DIR"


def data_dirs() -> list[Path]:
    """Folders searched for dataset CSVs, in order.

    ``$NAMWIDGETS_DATA_DIR``, then ``shared/data`` beside this checkout (the team's
    machines), then ``~/.cache/namwidgets``.
    """
    dirs = []
    if os.environ.get(_ENV):
        dirs.append(Path(os.environ[_ENV]))
    here = Path(__file__).resolve().parent
    dirs += [here.parent.parent / "shared" / "data", here.parent / "shared" / "data"]
    dirs.append(Path.home() / ".cache" / "namwidgets")
    return dirs


def find_data_file(name: str, path: Any = None) -> Path:
    """Locate a dataset CSV, or raise :class:`DatasetNotFoundError` saying how."""
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise DatasetNotFoundError(f"No file at {str(p)!r}.")
        return p
    for d in data_dirs():
        if (d / name).exists():
            return d / name
    raise DatasetNotFoundError(
        f"{name} was not found in {[str(d) for d in data_dirs()]}. Put a copy in "
        f"~/.cache/namwidgets/ or point ${_ENV} at the folder that holds it."
    )


def _read_csv(path: Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV, also when a tool saved it as a Python bytes literal (b'...')."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if text.startswith("b'") or text.startswith('b"'):
        quote = text[1]
        text = text[2:].rstrip()
        if text.endswith(quote):
            text = text[:-1]
    return pd.read_csv(io.StringIO(text), **kwargs)


def load_california_housing(
    path: Any = None, *, allow_download: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """California Housing with scikit-learn's 8 derived features.

    Parameters
    ----------
    path : path-like, optional
        The raw CSV (``california_housing.csv``); found in :func:`data_dirs` if None.
    allow_download : bool, default=False
        If the CSV is absent, use ``sklearn.datasets.fetch_california_housing``
        (needs internet once; it caches).

    Returns
    -------
    X : DataFrame of shape (20640, 8)
        MedInc, HouseAge, AveRooms, AveBedrms (207 missing), Population, AveOccup,
        Latitude, Longitude.
    y : Series of shape (20640,)
        Median house value in units of $100,000 (the NAM paper's units).
    """
    try:
        raw = _read_csv(find_data_file("california_housing.csv", path))
    except DatasetNotFoundError:
        if not allow_download:
            raise
        from sklearn.datasets import fetch_california_housing

        bunch = fetch_california_housing(as_frame=True)
        return bunch.data, bunch.target.rename("MedHouseVal")
    hh = raw["households"]
    X = pd.DataFrame(
        {
            "MedInc": raw["median_income"],
            "HouseAge": raw["housing_median_age"],
            "AveRooms": raw["total_rooms"] / hh,
            "AveBedrms": raw["total_bedrooms"] / hh,
            "Population": raw["population"],
            "AveOccup": raw["population"] / hh,
            "Latitude": raw["latitude"],
            "Longitude": raw["longitude"],
        }
    )
    return X, (raw["median_house_value"] / 100_000).rename("MedHouseVal")


def load_compas(path: Any = None) -> tuple[pd.DataFrame, pd.Series]:
    """ProPublica's COMPAS two-year recidivism data, with its usual filter.

    Rows with ``days_b_screening_arrest`` outside +-30, ``c_charge_degree == "O"``
    or ``score_text == "N/A"`` are dropped, and so are COMPAS's own outputs
    (``decile_score``, ``score_text``) and the filter column.

    Returns
    -------
    X : DataFrame
        age, sex, race, juv_fel_count, juv_misd_count, juv_other_count,
        priors_count, c_charge_degree, length_of_stay (sex, race and
        c_charge_degree categorical).
    y : Series
        ``two_year_recid`` (0/1).
    """
    raw = _read_csv(find_data_file("compas.csv", path))
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"].astype(str) != "N/A")
    )
    df = raw[keep].reset_index(drop=True)
    y = df["two_year_recid"].astype(int)
    X = df.drop(
        columns=[
            "two_year_recid",
            "decile_score",
            "score_text",
            "days_b_screening_arrest",
        ]
    )
    for col in ("sex", "race", "c_charge_degree"):
        X[col] = X[col].astype("category")
    return X, y


def load_adult(path: Any = None) -> tuple[pd.DataFrame, pd.Series]:
    """UCI Adult (census income), training part; ``?`` becomes missing.

    Returns
    -------
    X : DataFrame
        14 columns; text columns categorical (missing as NaN).
    y : Series
        1 where ``Salary`` is ">50K".
    """
    raw = _read_csv(find_data_file("adult.csv", path), skipinitialspace=True)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw.replace("?", np.nan)
    y = (raw["Salary"].astype(str).str.strip() == ">50K").astype(int)
    X = raw.drop(columns=["Salary"])
    for col in X.columns:
        if not pd.api.types.is_numeric_dtype(X[col]):
            X[col] = X[col].astype("category")
    return X, y


def additive_truth() -> dict[str, Callable[[Any], np.ndarray]]:
    """The known shape functions behind :func:`make_additive` (before centring)."""
    return {
        "smooth": lambda x: np.sin(1.5 * np.asarray(x, float)),
        "jagged": lambda x: (
            np.where(np.asarray(x, float) > 0.3, 1.0, 0.0)
            + 0.5 * np.abs(np.asarray(x, float))
        ),
        "step": lambda x: np.floor(np.asarray(x, float)) * 0.6,
        "quadratic": lambda x: 0.4 * np.asarray(x, float) ** 2,
        "noise": lambda x: np.zeros(len(np.asarray(x))),
        "colour": lambda c: (
            pd.Series(c)
            .map({"red": -1.0, "green": 0.2, "blue": 0.8})
            .astype(float)
            .to_numpy()
        ),
    }


def make_additive(
    n_samples: int = 2000,
    *,
    noise: float = 0.3,
    missing_fraction: float = 0.1,
    classification: bool = False,
    random_state: int | None = 0,
) -> tuple[pd.DataFrame, pd.Series]:
    """Synthetic data from known additive functions, for teaching and tests.

    Features: ``smooth`` (a sine), ``jagged`` (a jump at 0.3 plus a kink), ``step``
    (a staircase), ``quadratic`` (with ``missing_fraction`` of values missing; a
    missing value adds +1.0), ``noise`` (no effect), ``colour`` (categorical).

    Parameters
    ----------
    n_samples : int
    noise : float
        Standard deviation of the Gaussian noise on the linear predictor.
    missing_fraction : float
        Share of ``quadratic`` set to NaN.
    classification : bool
        Return a 0/1 label drawn from the sigmoid of the linear predictor.
    random_state : int, optional

    Returns
    -------
    X : DataFrame of shape (n_samples, 6)
    y : Series of shape (n_samples,)
    """
    rng = np.random.default_rng(random_state)
    X = pd.DataFrame(
        {
            "smooth": rng.uniform(-3, 3, n_samples),
            "jagged": rng.uniform(-1, 1, n_samples),
            "step": rng.uniform(0, 4, n_samples),
            "quadratic": rng.normal(0, 1.2, n_samples),
            "noise": rng.normal(0, 1, n_samples),
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n_samples)),
        }
    )
    truth = additive_truth()
    missing = rng.random(n_samples) < missing_fraction
    X.loc[missing, "quadratic"] = np.nan
    eta = sum(
        truth[c](X[c].fillna(0.0) if c != "colour" else X[c]) for c in X.columns
    ) + np.where(missing, 1.0, 0.0)
    if classification:
        p = 1.0 / (1.0 + np.exp(-(eta - np.mean(eta)) * 1.5))
        return X, pd.Series((rng.random(n_samples) < p).astype(int), name="y")
    return X, pd.Series(eta + rng.normal(0, noise, n_samples), name="y")

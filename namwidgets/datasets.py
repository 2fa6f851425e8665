"""Datasets for demos, tests and benchmarks: generated ones and local CSV files.

Nothing here downloads anything unless a caller asks for it with
``allow_download=True`` (a user's machine with internet, or Binder); tests never
do.
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
    dirs.append(cache_dir())
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


#: ProPublica's public two-year COMPAS file, which :func:`load_compas` may fetch.
COMPAS_URL = (
    "https://raw.githubusercontent.com/propublica/compas-analysis/master/"
    "compas-scores-two-years.csv"
)
COMPAS_RAW = "compas-scores-two-years.csv"
#: The columns of the shared ``compas.csv``, in its order.
COMPAS_COLUMNS = [
    "age", "sex", "race", "juv_fel_count", "juv_misd_count", "juv_other_count",
    "priors_count", "c_charge_degree", "days_b_screening_arrest",
    "length_of_stay", "decile_score", "score_text", "two_year_recid",
]  # fmt: skip


def cache_dir() -> Path:
    """Where a fetched dataset is kept: ``~/.cache/namwidgets`` (see data_dirs)."""
    return Path.home() / ".cache" / "namwidgets"


def download(url: str, dest: Path, timeout: float = 30.0) -> Path:
    """Fetch ``url`` into ``dest`` (through a temporary file: never half written).

    Raises
    ------
    OSError
        When the network or the server refuses (``urllib.error.URLError`` is one).
    """
    from urllib.request import urlopen

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    with urlopen(url, timeout=timeout) as response:  # noqa: S310 - a fixed https URL
        part.write_bytes(response.read())
    part.replace(dest)
    return dest


def compas_from_propublica(raw: pd.DataFrame) -> pd.DataFrame:
    """ProPublica's ``compas-scores-two-years.csv`` cut to the shared file's columns.

    Names, dates and case numbers are dropped; ``length_of_stay`` is the days
    from ``c_jail_in`` to ``c_jail_out`` (NaN where either is missing), to 3
    decimals, as in the shared ``compas.csv``. No row is filtered here.

    Parameters
    ----------
    raw : DataFrame
        The file as ProPublica publishes it.

    Returns
    -------
    DataFrame
        The columns of :data:`COMPAS_COLUMNS`.
    """
    need = [c for c in COMPAS_COLUMNS if c != "length_of_stay"]
    missing = [c for c in [*need, "c_jail_in", "c_jail_out"] if c not in raw]
    if missing:
        raise DatasetNotFoundError(
            f"This is not ProPublica's {COMPAS_RAW}: it lacks the columns {missing}."
        )
    stay = pd.to_datetime(raw["c_jail_out"]) - pd.to_datetime(raw["c_jail_in"])
    out = raw[need].copy()
    out["length_of_stay"] = (stay.dt.total_seconds() / 86400.0).round(3)
    return out[COMPAS_COLUMNS]


def _compas_raw(path: Any, allow_download: bool) -> pd.DataFrame:
    """The unfiltered COMPAS rows: the shared copy, else ProPublica's file."""
    try:
        return _read_csv(find_data_file("compas.csv", path))
    except DatasetNotFoundError as err:
        if path is not None:
            raise
        first = err
    try:
        found = find_data_file(COMPAS_RAW)
    except DatasetNotFoundError:
        if not allow_download:
            raise first from None
        try:
            found = download(COMPAS_URL, cache_dir() / COMPAS_RAW)
        except OSError as fetch_err:
            raise DatasetNotFoundError(
                f"{first} Fetching ProPublica's file from {COMPAS_URL} failed too "
                f"({fetch_err}): download it by hand into {cache_dir()}."
            ) from fetch_err
    return compas_from_propublica(_read_csv(found))


def load_compas(
    path: Any = None, *, allow_download: bool = False
) -> tuple[pd.DataFrame, pd.Series]:
    """ProPublica's COMPAS two-year recidivism data, with its usual filter.

    Rows with ``days_b_screening_arrest`` outside +-30, ``c_charge_degree == "O"``
    or ``score_text == "N/A"`` are dropped, and so are COMPAS's own outputs
    (``decile_score``, ``score_text``) and the filter column.

    Parameters
    ----------
    path : path-like, optional
        The shared ``compas.csv``; found in :func:`data_dirs` if None, else
        ProPublica's ``compas-scores-two-years.csv`` there.
    allow_download : bool, default=False
        Where neither file is found, fetch ProPublica's public CSV
        (:data:`COMPAS_URL`) once into :func:`cache_dir` (needs internet, as on
        Binder), and read it with the same columns and filter.

    Returns
    -------
    X : DataFrame
        age, sex, race, juv_fel_count, juv_misd_count, juv_other_count,
        priors_count, c_charge_degree, length_of_stay (sex, race and
        c_charge_degree categorical).
    y : Series
        ``two_year_recid`` (0/1).

    Raises
    ------
    DatasetNotFoundError
        When no file is found and none could be fetched (or fetching is off),
        saying where it looked and what to do.
    """
    raw = _compas_raw(path, allow_download)
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

"""Dataset loaders: COMPAS from the shared copy or ProPublica's file (never fetched)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import namwidgets.datasets as ds
from namwidgets import DatasetNotFoundError
from namwidgets.datasets import COMPAS_COLUMNS, COMPAS_RAW, load_compas

# found before any test hides the data folders (../shared/data as conftest says)
_FOLDERS = [*ds.data_dirs(), Path(__file__).resolve().parents[2] / "shared" / "data"]
SHARED: Path | None = next(
    (d / "compas.csv" for d in _FOLDERS if (d / "compas.csv").exists()), None
)


def shared_compas() -> Path:
    if SHARED is None:
        pytest.skip("compas.csv is not in any data folder")
    return SHARED


def as_propublica(shared: pd.DataFrame) -> pd.DataFrame:
    """The shared rows laid out as ProPublica publishes them (dates, names, ...)."""
    raw = shared.copy()
    start = pd.Timestamp("2013-01-01 10:00:00") + pd.to_timedelta(
        np.arange(len(raw)), unit="h"
    )
    stay = pd.to_timedelta(raw["length_of_stay"], unit="D")
    raw["c_jail_in"] = start.astype(str).where(raw["length_of_stay"].notna())
    raw["c_jail_out"] = (start + stay).astype(str).where(raw["length_of_stay"].notna())
    raw = raw.drop(columns=["length_of_stay"])
    raw.insert(0, "name", "someone")
    raw["decile_score.1"] = raw["decile_score"]  # the file's duplicated columns
    raw["priors_count.1"] = raw["priors_count"]
    return raw


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No data folder holds anything; the cache is an empty folder; no network."""
    cache = tmp_path / "cache"
    monkeypatch.setattr(ds, "data_dirs", lambda: [tmp_path / "empty", cache])
    monkeypatch.setattr(ds, "cache_dir", lambda: cache)
    calls = []

    def refuse(url, dest, timeout=30.0):
        calls.append(url)
        raise OSError("no network in tests")

    monkeypatch.setattr(ds, "download", refuse)
    return cache, calls


def test_the_filter_on_the_shared_file():
    X, y = load_compas(shared_compas())
    raw = pd.read_csv(shared_compas())
    assert len(raw) == 7214
    assert len(X) == len(y) == 6172  # ProPublica's filter leaves 6,172 rows
    assert X["c_charge_degree"].isin(["F", "M"]).all()
    assert not {"decile_score", "score_text", "days_b_screening_arrest"} & set(X)
    assert list(X.columns) == [
        c
        for c in COMPAS_COLUMNS
        if c
        not in (
            "decile_score",
            "score_text",
            "days_b_screening_arrest",
            "two_year_recid",
        )
    ]
    assert set(y.unique()) == {0, 1}


def test_propublicas_file_is_fetched_once_and_read_the_same(nowhere, monkeypatch):
    cache, _ = nowhere
    want_X, want_y = load_compas(shared_compas())
    published = as_propublica(pd.read_csv(shared_compas()))
    calls = []

    def fake_download(url, dest, timeout=30.0):
        calls.append(url)
        dest.parent.mkdir(parents=True, exist_ok=True)
        published.to_csv(dest, index=False)
        return dest

    monkeypatch.setattr(ds, "download", fake_download)
    X, y = load_compas(allow_download=True)
    assert calls == [ds.COMPAS_URL]
    assert (cache / COMPAS_RAW).exists()
    pd.testing.assert_series_equal(y, want_y)
    pd.testing.assert_frame_equal(
        X.drop(columns="length_of_stay"), want_X.drop(columns="length_of_stay")
    )
    np.testing.assert_allclose(X["length_of_stay"], want_X["length_of_stay"], atol=1e-3)
    X2, _ = load_compas(allow_download=True)  # from the cache: no second fetch
    assert calls == [ds.COMPAS_URL] and len(X2) == len(X)


def test_no_fetch_unless_asked(nowhere):
    _, calls = nowhere
    with pytest.raises(DatasetNotFoundError, match="compas.csv was not found"):
        load_compas()
    assert calls == []


def test_a_clear_error_when_neither_is_available(nowhere):
    _, calls = nowhere
    with pytest.raises(DatasetNotFoundError) as info:
        load_compas(allow_download=True)
    assert calls == [ds.COMPAS_URL]
    message = str(info.value)
    assert "compas.csv was not found" in message
    assert ds.COMPAS_URL in message and "no network in tests" in message
    assert isinstance(info.value, FileNotFoundError)


def test_a_file_that_is_not_propublicas(nowhere):
    cache, _ = nowhere
    cache.mkdir()
    pd.DataFrame({"age": [30]}).to_csv(cache / COMPAS_RAW, index=False)
    with pytest.raises(DatasetNotFoundError, match="lacks the columns"):
        load_compas()


def test_an_explicit_path_is_never_replaced_by_a_fetch(nowhere, tmp_path):
    _, calls = nowhere
    with pytest.raises(DatasetNotFoundError, match="No file at"):
        load_compas(tmp_path / "absent.csv", allow_download=True)
    assert calls == []

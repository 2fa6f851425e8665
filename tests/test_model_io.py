"""Save and load: exact round trip, no code execution, clear errors for bad files."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

import namwidgets
from namwidgets.model._io import ModelFileError


def test_round_trip_is_bit_exact(
    tmp_path, fitted_regressor, fitted_classifier, additive_data
):
    X, _ = additive_data
    path = tmp_path / "reg.nam"
    fitted_regressor.save(path)
    loaded = namwidgets.load(path)
    np.testing.assert_array_equal(loaded.predict(X), fitted_regressor.predict(X))
    assert loaded.fingerprint() == fitted_regressor.fingerprint()
    assert loaded.get_params() == fitted_regressor.get_params()
    clf, Xc, _ = fitted_classifier
    clf.save(tmp_path / "clf.nam")
    loaded = namwidgets.load(tmp_path / "clf.nam")
    np.testing.assert_array_equal(loaded.predict_proba(Xc), clf.predict_proba(Xc))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)


def test_file_holds_no_pickle(tmp_path, fitted_regressor):
    path = tmp_path / "m.nam"
    fitted_regressor.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["meta.json", "weights.npz"]
        json.loads(zf.read("meta.json"))
        with zf.open("weights.npz") as fh:
            arrays = np.load(fh, allow_pickle=False)
            assert all(arrays[k].dtype != object for k in arrays.files)


def test_truncated_file(tmp_path, fitted_regressor):
    path = tmp_path / "m.nam"
    fitted_regressor.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or damaged"):
        namwidgets.load(path)


def test_foreign_file(tmp_path):
    path = tmp_path / "notes.nam"
    path.write_text("hello")
    with pytest.raises(ModelFileError, match="not a namwidgets model"):
        namwidgets.load(path)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("meta.json", json.dumps({"format": "something-else"}))
        zf.writestr("weights.npz", b"")
    with pytest.raises(ModelFileError, match="not a namwidgets model"):
        namwidgets.load(other)


def test_tampered_weights(tmp_path, fitted_regressor):
    path = tmp_path / "m.nam"
    fitted_regressor.save(path)
    with zipfile.ZipFile(path) as zf:
        meta, weights = zf.read("meta.json"), zf.read("weights.npz")
    import io

    arrays = dict(np.load(io.BytesIO(weights)))
    arrays["module/intercept"] = arrays["module/intercept"] + 1.0
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("meta.json", meta)
        zf.writestr("weights.npz", buf.getvalue())
    with pytest.raises(ModelFileError, match="fingerprint"):
        namwidgets.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such model file"):
        namwidgets.load(tmp_path / "nope.nam")


def _write(path, meta_text, weights=b""):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("meta.json", meta_text)
        zf.writestr("weights.npz", weights)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # nested too deep for the JSON parser
        '{"format": "namwidgets-model", "version": ' + "9" * 400 + "}",
        b"\xff\xfe not utf-8",
    ],
)
def test_hostile_metadata_is_a_model_file_error(tmp_path, text):
    path = tmp_path / "m.nam"
    _write(path, text)
    with pytest.raises(ModelFileError):
        namwidgets.model.load_model(path)


def test_directory_is_a_model_file_error(tmp_path):
    with pytest.raises(ModelFileError, match="is a directory"):
        namwidgets.model.load_model(tmp_path)


def test_unknown_fitted_attribute_is_refused(tmp_path, fitted_regressor):
    path = tmp_path / "m.nam"
    fitted_regressor.save(path)
    with zipfile.ZipFile(path) as zf:
        meta, weights = json.loads(zf.read("meta.json")), zf.read("weights.npz")
    meta["fitted"]["predict"] = "not a method"
    _write(path, json.dumps(meta), weights)
    with pytest.raises(ModelFileError, match="predict"):
        namwidgets.model.load_model(path)


def test_old_format_version_is_refused_clearly(tmp_path, fitted_regressor):
    path = tmp_path / "m.nam"
    fitted_regressor.save(path)
    with zipfile.ZipFile(path) as zf:
        meta, weights = json.loads(zf.read("meta.json")), zf.read("weights.npz")
    meta["version"] = 2
    _write(path, json.dumps(meta), weights)
    with pytest.raises(ModelFileError, match="format version 2"):
        namwidgets.model.load_model(path)


def test_the_pair_grid_is_saved_and_old_files_load_as_32(tmp_path, monkeypatch):
    import namwidgets.model._interactions as interactions
    from namwidgets.model import NAMRegressor

    rng = np.random.default_rng(0)
    X = {c: rng.uniform(-1, 1, 300) for c in "ab"}
    y = X["a"] * X["b"] + rng.normal(scale=0.1, size=300)
    X = pd.DataFrame(X)
    fast = dict(interactions=[("a", "b")], max_epochs=3, verbose=0, random_state=0)
    for grid in (8, 32):
        monkeypatch.setattr(interactions, "PAIR_GRID", grid)
        model = NAMRegressor(**fast).fit(X, y)
        path = tmp_path / f"g{grid}.nam"
        model.save(path)
        with zipfile.ZipFile(path) as zf:
            meta, weights = json.loads(zf.read("meta.json")), zf.read("weights.npz")
        assert meta["pair_grid"] == grid
        loaded = namwidgets.load(path)
        assert loaded.pair_module_.grid == grid
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
        # a file from before the grid was saved: no pair_grid, 32 cells
        del meta["pair_grid"]
        _write(path, json.dumps(meta), weights)
        if grid == 32:
            old = namwidgets.load(path)
            np.testing.assert_array_equal(old.predict(X), model.predict(X))
        else:  # read as 32 cells, its weights do not fit: refused, not misread
            with pytest.raises(ModelFileError):
                namwidgets.load(path)
        meta["pair_grid"] = "64"
        _write(path, json.dumps(meta), weights)
        with pytest.raises(ModelFileError, match="pair_grid"):
            namwidgets.load(path)


def test_the_pair_nets_grid_is_saved_and_older_files_read_theirs(tmp_path, monkeypatch):
    # a new fit on a fine grid (64 cells an axis) evaluates its pair nets on
    # FINE_NET_GRID (16) cells and its file says so; files from before (format 5)
    # recorded none and were fitted on 32: they load on 32 (read on 16, their
    # pairs would be other numbers, silently)
    import namwidgets.model._interactions as interactions
    import namwidgets.model._io as model_io
    from namwidgets.model import NAMRegressor

    rng = np.random.default_rng(0)
    X = pd.DataFrame({c: rng.uniform(-1, 1, 300) for c in "ab"})
    y = X.a * X.b + rng.normal(scale=0.1, size=300)
    fast = dict(interactions=[("a", "b")], max_epochs=3, verbose=0, random_state=0)
    assert NAMRegressor(**fast).fit(X, y).pair_module_.net_grid == 32  # 32 cells
    monkeypatch.setattr(interactions, "PAIR_GRID", 64)
    model = NAMRegressor(**fast).fit(X, y)
    assert model.pair_module_.grid == 64 and model.pair_module_.net_grid == 16
    model.save(tmp_path / "new.nam")
    with zipfile.ZipFile(tmp_path / "new.nam") as zf:
        assert json.loads(zf.read("meta.json"))["pair_net_grid"] == 16
    back = namwidgets.load(tmp_path / "new.nam")
    assert back.pair_module_.net_grid == 16
    np.testing.assert_array_equal(back.predict(X), model.predict(X))

    monkeypatch.setattr(interactions, "FINE_NET_GRID", 32)  # a fit from before
    old = NAMRegressor(**fast).fit(X, y)
    monkeypatch.undo()
    path = tmp_path / "v5.nam"
    old.save(path)
    with zipfile.ZipFile(path) as zf:
        meta, weights = json.loads(zf.read("meta.json")), zf.read("weights.npz")
    meta["version"] = 5
    del meta["pair_net_grid"]
    _write(path, json.dumps(meta), weights)
    back = namwidgets.load(path)
    assert back.pair_module_.net_grid == 32
    np.testing.assert_array_equal(back.predict(X), old.predict(X))
    assert not np.array_equal(back.predict(X), model.predict(X))
    assert model_io.VERSION == 6 and 5 in model_io._READS
    for bad in (0, 65, "16", True):
        meta["pair_net_grid"] = bad
        _write(path, json.dumps(meta), weights)
        with pytest.raises(ModelFileError, match="pair_net_grid"):
            namwidgets.load(path)

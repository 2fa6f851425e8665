"""Save and load fitted NAMs without pickle: a zip of JSON metadata and an npz.

Loading executes nothing from the file: the metadata is JSON, the weights are read
with ``numpy.load(allow_pickle=False)``, and both are checked before use.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np
import torch

from ..exceptions import ModelFileError
from ._checks import is_int, plain, resolve_device
from ._encoder import FeatureEncoder
from ._estimator import NAMBase, NAMClassifier, NAMRegressor

FORMAT = "namwidgets-model"
# 2: quantile input map (encoder "knots"); 3: the fingerprint covers names, kinds,
# intercept, target scaling and classes besides the weights and the encoder;
# 4: the numeric nets on a grid (module "knots", :mod:`._grid`). A version 3 file
# has no knots and loads as before (its nets evaluated at every row), exactly;
# 5: a learned value per distinct value of numeric features with few of them
# (module "step_features", "step_points", "step_values", :func:`._grid.step_points`).
# Version 3 and 4 files have no such table and load and predict as before, exactly.
# 6: the cells per axis the pair nets are evaluated on ("pair_net_grid": 16 on a
# new fit's 64-cell grids since 2026-12-03); files before it evaluated them on at
# most 32 and load and predict as before, exactly (a reader of version 5 would
# read a new file's fine pairs on the wrong grid, so the version says it may not).
VERSION = 6
_READS = (3, 4, 5, 6)
_CLASSES = {"NAMRegressor": NAMRegressor, "NAMClassifier": NAMClassifier}
_FITTED = [
    "n_features_in_",
    "feature_names_",
    "feature_kinds_",
    "n_outputs_",
    "history_",
    "y_mean_",
    "y_scale_",
]


class _MissingModelFileError(ModelFileError, FileNotFoundError):
    """A model file that is not there (also a ``FileNotFoundError``)."""


def _jsonable_params(model: NAMBase) -> dict[str, Any]:
    # numpy scalars (categorical_features=[np.int64(2)]) become plain numbers
    params: dict[str, Any] = plain(model.get_params())
    return params


def _check_target(path: Any) -> str:
    try:
        name = os.fspath(path)
    except TypeError:
        raise ModelFileError(
            f"path must be a str or os.PathLike, got {type(path).__name__}."
        ) from None
    if not isinstance(name, str) or name == "":
        raise ModelFileError(f"Cannot save a model to the path {name!r}: give a file.")
    if os.path.isdir(name):
        raise ModelFileError(
            f"Cannot save a model to {name!r}: it is a directory; give a file name."
        )
    folder = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(folder):
        raise ModelFileError(
            f"Cannot save a model to {name!r}: the folder {folder!r} does not exist."
        )
    return name


def save_model(model: NAMBase, path: Any, extra: dict[str, Any] | None = None) -> None:
    """Write a fitted model (and optional extra JSON, e.g. an edit history) to path."""
    name = _check_target(path)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(model).__name__,
        "params": _jsonable_params(model),
        "encoder": model.encoder_.get_state(),
        "fitted": {k: plain(getattr(model, k)) for k in _FITTED if hasattr(model, k)},
        "fingerprint": model.fingerprint(),
    }
    if hasattr(model, "feature_names_in_"):
        meta["fitted"]["feature_names_in_"] = [str(c) for c in model.feature_names_in_]
    if extra:
        meta["extra"] = extra
    arrays = {
        f"module/{k}": v.detach().cpu().numpy()
        for k, v in model.module_.state_dict().items()
    }
    pm = getattr(model, "pair_module_", None)
    if pm is not None:
        meta["pairs"] = [[int(i), int(j)] for i, j in pm.pairs]
        meta["pair_grid"] = int(pm.grid)  # cells per numeric axis
        meta["pair_net_grid"] = int(pm.net_grid)  # where the nets are evaluated
        for k, v in pm.state_dict().items():
            arrays[f"pairs/{k}"] = v.detach().cpu().numpy()
        for p, counts in enumerate(model.pair_counts_):
            arrays[f"pair_counts/{p}"] = np.asarray(counts, np.float64)
    arrays["feature_importances_"] = np.asarray(model.feature_importances_)
    arrays["term_importances_"] = np.asarray(model.term_importances())
    arrays["intercept_"] = np.atleast_1d(np.asarray(model.intercept_, np.float64))
    if hasattr(model, "classes_"):
        classes = np.asarray(model.classes_)
        if classes.dtype == object:
            classes = classes.astype(str)
        arrays["classes_"] = classes
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    text = json.dumps(meta, allow_nan=False)
    # write beside the target and rename: a failure leaves no partial file
    fd, tmp = tempfile.mkstemp(
        prefix=".namwidgets-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(name))
    )
    try:
        with (
            os.fdopen(fd, "wb") as fh,
            zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf,
        ):
            zf.writestr("meta.json", text)
            zf.writestr("weights.npz", buf.getvalue())
        os.replace(tmp, name)
    except OSError as err:
        raise ModelFileError(f"Cannot save a model to {name!r}: {err}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def read_model_file(path: Any) -> tuple[NAMBase, dict[str, Any]]:
    """Load a model file; return the model and the file's extra metadata."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise _MissingModelFileError(f"No such model file: {name!r}.")
    if os.path.isdir(name):
        raise ModelFileError(f"{name!r} is a directory, not a namwidgets model file.")
    try:
        with zipfile.ZipFile(name) as zf:
            meta = json.loads(zf.read("meta.json"))
            weights = zf.read("weights.npz")
    except OSError as err:
        raise ModelFileError(f"{name!r} cannot be read: {err}") from None
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,  # JSONDecodeError, UnicodeDecodeError, an int too long
        RecursionError,  # JSON nested too deep
        EOFError,
    ) as err:
        raise ModelFileError(
            f"{name!r} is not a namwidgets model file, or it is truncated or damaged "
            f"({type(err).__name__}: {err})."
        ) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{name!r} is not a namwidgets model file.")
    if meta.get("version") not in _READS:
        raise ModelFileError(
            f"{name!r} has format version {meta.get('version')!r}; this namwidgets "
            f"reads versions {', '.join(map(str, _READS))}."
        )
    cls = _CLASSES.get(str(meta.get("class")))
    if cls is None:
        raise ModelFileError(
            f"{name!r} holds an unknown model class {meta.get('class')!r}."
        )
    try:
        params = dict(meta["params"])
        params["hidden_sizes"] = tuple(params["hidden_sizes"])
        model = cls(**params)
        arrays = np.load(io.BytesIO(weights), allow_pickle=False)
        model.encoder_ = FeatureEncoder.from_state(meta["encoder"])
        for key, value in meta["fitted"].items():
            if key not in _FITTED and key != "feature_names_in_":
                raise KeyError(f"unknown fitted attribute {key!r}")
            if key == "feature_names_in_":
                value = np.asarray(value, dtype=object)
            setattr(model, key, value)
        model.feature_importances_ = arrays["feature_importances_"]
        intercept = arrays["intercept_"]
        model.intercept_ = float(intercept[0]) if model.n_outputs_ == 1 else intercept
        if "classes_" in arrays.files:
            model.classes_ = arrays["classes_"]
        model._device_ = resolve_device(
            "cpu" if not torch.cuda.is_available() else model.device
        )
        model.module_ = model._build_module()
        state = {
            k[len("module/") :]: torch.from_numpy(arrays[k])
            for k in arrays.files
            if k.startswith("module/")
        }
        if "knots" in state:  # the nets on a grid (version 4)
            model.module_.set_knots(state["knots"])
        model.module_.load_state_dict(state)
        model.module_.to(model._device_).eval()
        _load_pairs(model, meta, arrays)
        model._set_terms()
        if "term_importances_" in arrays.files:
            model.term_importances_ = arrays["term_importances_"]
    except (
        KeyError,
        TypeError,
        ValueError,
        RuntimeError,
        AttributeError,
        IndexError,
        zipfile.BadZipFile,
    ) as err:
        raise ModelFileError(
            f"{name!r} could not be read as a namwidgets model ({type(err).__name__}: "
            f"{err})."
        ) from None
    try:
        actual = model.fingerprint()
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(
            f"{name!r} could not be read as a namwidgets model ({type(err).__name__}: "
            f"{err})."
        ) from None
    if actual != meta.get("fingerprint"):
        raise ModelFileError(
            f"{name!r} is damaged or was changed: its weights and metadata do not "
            "match the fingerprint it records."
        )
    return model, meta.get("extra") or {}


def _cells(meta: dict[str, Any], key: str, default: int, most: int, bound: str) -> int:
    """A pair grid's cells per axis in ``meta[key]``: an int in [1, most]."""
    value = meta.get(key, default)
    if not is_int(value) or not 1 <= value <= most:
        raise ValueError(f"{key} must be an int in [1, {bound}], got {value!r}")
    return int(value)


def _load_pairs(model: NAMBase, meta: dict[str, Any], arrays: Any) -> None:
    """Rebuild the pair terms a file records (none in a file without pairs)."""
    from ._interactions import build_pair_module
    from ._pair_nets import GRID

    pairs = [(int(i), int(j)) for i, j in meta.get("pairs", [])]
    model.pair_module_, model.pair_counts_ = None, []
    if not pairs:
        return
    # files from before the grid was saved had 32 cells per numeric axis
    grid = _cells(meta, "pair_grid", GRID, 1024, "1024")
    # files from before it was saved evaluated the nets on at most 32 cells
    net_grid = _cells(meta, "pair_net_grid", min(grid, 32), grid, f"pair_grid={grid}")
    pm = build_pair_module(model, pairs, grid, net_grid).double()  # float64
    state = {
        k[len("pairs/") :]: torch.from_numpy(arrays[k])
        for k in arrays.files
        if k.startswith("pairs/")
    }
    pm.load_state_dict(state)
    model.pair_module_ = pm.to(model._device_).eval()
    model.pair_counts_ = [arrays[f"pair_counts/{p}"] for p in range(len(pairs))]


def load_model(path: Any) -> NAMBase:
    """Load a model saved by :meth:`NAMBase.save` (not an edited model's file)."""
    model, extra = read_model_file(path)
    if "edits" in extra:
        raise ModelFileError(
            f"{os.fspath(path)!r} holds an edited model (a base model and its edits); "
            "load it with namwidgets.load, which keeps the edits."
        )
    return model

"""Input handling: frames of any library, columns matched by name, weights, targets.

Every input with column names (pandas with any hashable names, polars, pyarrow
tables and whatever else narwhals reads) is matched to the fit by name; arrays
and lists are matched by position. Lists and object arrays are typed per column,
so one text column does not turn every column into text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ..exceptions import InputError, InputTypeError
from ._encoder import as_frame


def _from_narwhals(X: Any) -> pd.DataFrame | None:
    """A polars / pyarrow / other dataframe as pandas; None when X is not one."""
    if isinstance(X, pd.DataFrame) or isinstance(X, np.ndarray | list | tuple):
        return None
    try:
        import narwhals as nw
    except ImportError:  # pragma: no cover - narwhals is a dependency
        return None
    try:
        frame = nw.from_native(X, eager_only=True)
    except TypeError:
        return None
    columns = {}
    for name in frame.columns:
        col = frame[name]
        values = col.to_numpy()
        if col.dtype in (nw.Categorical, nw.Enum, nw.String, nw.Boolean):
            values = np.asarray(values, dtype=object)
        columns[name] = values
    return pd.DataFrame(columns, columns=list(frame.columns))


def _typed_array(X: Any) -> Any:
    """A list of rows (or object array) as an object array typed per column."""
    if isinstance(X, list | tuple):
        try:
            arr = np.empty((len(X), len(X[0]) if len(X) else 0), dtype=object)
            arr[:] = [list(row) for row in X]
        except (TypeError, ValueError):
            return X  # ragged or 1-D: scikit-learn's check_array says so
        return arr
    return X


def to_frame(est: Any, X: Any, *, reset: bool) -> tuple[pd.DataFrame, bool]:
    """Check X against the fit (names, count, order) and return a pandas frame.

    Returns
    -------
    frame : DataFrame
        Columns in the model's order, named by their string names.
    named : bool
        Whether X had column names (a frame of any library).
    """
    converted = _from_narwhals(X)
    if converted is not None:
        X = converted
    named = isinstance(X, pd.DataFrame)
    if named:
        labels = list(X.columns)
        strs = [str(c) for c in labels]
        if len(set(strs)) != len(strs):
            dupes = sorted({n for n in strs if strs.count(n) > 1})
            raise InputError(
                f"X must have unique column names; {dupes} appear more than once."
            )
        if not all(isinstance(c, str) for c in labels):
            # any hashable names (ints, tuples, ...) are matched by their string
            # form: scikit-learn's name check then refuses X[[1, 0]] for a model
            # fitted on columns [0, 1] instead of silently crossing them
            X = X.set_axis(strs, axis=1)
    else:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise InputTypeError(
                "Sparse input is not supported: pass a dense array or a DataFrame."
            )
        try:  # scikit-learn's checks and messages (1-D, 3-D, complex, ...)
            X = check_array(
                _typed_array(X),
                dtype=None,
                ensure_all_finite=False,
                ensure_min_samples=0,
            )
        except ValueError as err:
            raise InputError(f"X: {err}") from None
        except TypeError as err:
            raise InputTypeError(f"X: {err}") from None
    try:
        validate_data(est, X, reset=reset, skip_check_array=True)
    except ValueError as err:
        raise InputError(str(err)) from None
    frame = as_frame(X, None if reset else est.feature_names_)
    if not reset and frame.shape[1] != est.n_features_in_:
        raise InputError(
            f"X has {frame.shape[1]} features, but {type(est).__name__} is "
            f"expecting {est.n_features_in_} features as input."
        )
    if not reset and named:
        # scikit-learn's check has matched the names (or warned that the model
        # was fitted without names and X is read by position)
        frame = frame.set_axis(list(est.feature_names_), axis=1)
    return frame, named


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray:
    """Row weights as float32, rescaled to a mean of one (the fit is scale-free).

    Raises
    ------
    InputError
        A wrong shape, a NaN/infinite/negative weight, or no positive weight.
    """
    if sample_weight is None:
        return np.ones(n, dtype=np.float32)
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"sample_weight must be numeric: {err}") from None
    if w.ndim == 0:
        w = np.full(n, float(w))
    if w.shape != (n,):
        raise InputError(
            f"sample_weight has shape {w.shape}, expected ({n},) to match X."
        )
    if not np.isfinite(w).all() or (w < 0).any():
        raise InputError("sample_weight must be finite and non-negative.")
    top = float(w.max())
    if top <= 0:
        raise InputError("sample_weight sums to zero: no row would count.")
    # a weighted mean does not change when every weight is scaled: scale so that
    # float32 neither underflows (all 1e-300) nor overflows (all 1e300)
    w = w / top
    w = w / w.mean()
    return w.astype(np.float32)


def check_y(y: Any, n: int, name: str) -> np.ndarray:
    """y as a 1-D array of n values (a column vector is raveled)."""
    from sklearn.utils import column_or_1d

    if y is None:
        raise InputError(f"{name} requires y to be passed, but the target y is None.")
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = column_or_1d(y_arr, warn=True)
    if y_arr.ndim != 1:
        raise InputError(f"y must be 1-dimensional, got shape {y_arr.shape}.")
    if y_arr.shape[0] != n:
        raise InputError(f"X has {n} rows but y has {y_arr.shape[0]}: they must match.")
    return y_arr


# the largest target scale that float32 training and folding can represent
MAX_TARGET_SCALE = 1e30


def regression_target(y: np.ndarray) -> np.ndarray:
    """A regressor's y as finite float64, with errors that say it is y."""
    if np.iscomplexobj(y):
        raise InputError("Complex data not supported in y.")
    try:
        t = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"y must be numeric for a regressor: {err}") from None
    if np.isnan(t).any():
        raise InputError(
            f"y contains NaN (first at row {int(np.flatnonzero(np.isnan(t))[0])}); "
            "drop or impute those rows."
        )
    if not np.isfinite(t).all():
        raise InputError("y contains infinity.")
    return t


def target_scaling(t: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of y, refused where float32 cannot hold them."""
    top = float(np.abs(t).max())
    if top > MAX_TARGET_SCALE:
        raise InputError(
            f"y reaches {top:.3g}, beyond the {MAX_TARGET_SCALE:.0e} that float32 "
            "training can represent: divide y by a constant (e.g. 1e"
            f"{int(np.log10(top))}) and multiply the predictions back."
        )
    # scaled by the largest |y| first: squares of 1e-300 would underflow to 0
    unit = top if top > 0 else 1.0
    mean = float((t / unit).mean() * unit)
    std = float((t / unit).std() * unit)
    if 0 < std < 1.0 / MAX_TARGET_SCALE:
        raise InputError(
            f"y varies by only {std:.3g}, below what float32 training can resolve: "
            "multiply y by a constant and divide the predictions back."
        )
    return mean, std if std > 0 else 1.0


def classification_labels(y: np.ndarray) -> np.ndarray:
    """Class labels, refused when missing, infinite, or of mixed types."""
    if pd.isna(pd.Series(y.astype(object))).any():
        raise InputError("y contains missing values (NaN/None); drop those rows.")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise InputError("y contains infinity.")
    if y.dtype == object:
        is_str = np.array([isinstance(v, str) for v in y])
        if is_str.any() and not is_str.all():
            raise InputError(
                "y mixes strings and numbers as class labels (e.g. "
                f"{y[is_str][0]!r} and {y[~is_str][0]!r}): use one type, e.g. "
                "y.astype(str)."
            )
    return y

"""Turn a DataFrame or array into the tensors the NAM module reads, and back to labels.

Numeric columns are mapped through a blend of their training quantiles and
their training range (the official NAM code fits its scaler on all data, leaking
the test set: here only the training rows count). The map is piecewise linear
and increasing, so a shape function is still a function of the raw value and is
plotted in the data's units; what it changes is where a feature net spends its
resolution: half evenly over the rows, as EBM's quantile bins do, half evenly
over the values, instead of all over the values, where one outlier (an AveOccup
of 1,243 beside a median of 3) squeezes all other rows into a sliver.
Missing numeric values are flagged so that the model can learn one contribution
for them.
Categorical columns become integer codes into one table of learned values.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_array

from ..exceptions import DataWarning, InputError, InputTypeError
from . import _grid

MISSING_LABEL = "(missing)"
OTHER_LABEL = "(other)"
_N_HIST_BINS = 40
_N_KNOTS = 256  # quantile knots of the numeric input map
_HALF_WIDTH = float(np.sqrt(3.0))
# the largest |value| a numeric column may hold: the input map computes
# differences and quantile interpolations, which overflow float64 near 1.8e308
_MAX_ABS = 1e300  # the mapped values are uniform on +-sqrt(3): var 1


def as_frame(X: Any, feature_names: list[str] | None = None) -> pd.DataFrame:
    """Return X as a DataFrame, naming the columns of an array ``x0, x1, ...``.

    Parameters
    ----------
    X : DataFrame or array-like of shape (n_samples, n_features)
        The input data.
    feature_names : list of str, optional
        Names to give the columns of an array (the fitted names at predict time).

    Returns
    -------
    DataFrame
        A frame with string column names; the data is not copied when avoidable.
    """
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise InputTypeError(
                "Sparse input is not supported: pass a dense array or a DataFrame."
            )
        # scikit-learn's own checks and messages for arrays (1D, 3D, complex, ...)
        arr = check_array(X, dtype=None, ensure_all_finite=False, ensure_min_samples=0)
        if feature_names is None or len(feature_names) != arr.shape[1]:
            feature_names = [f"x{i}" for i in range(arr.shape[1])]
        # an object array of numbers is numeric; strings stay categorical
        frame = pd.DataFrame(arr, columns=feature_names).infer_objects()
    if frame.shape[0] == 0:
        raise InputError(
            f"Found array with 0 sample(s) (shape={frame.shape}) while a minimum of "
            "1 is required."
        )
    if frame.shape[1] == 0:
        raise InputError(
            f"Found array with 0 feature(s) (shape={frame.shape}) while a minimum of "
            "1 is required."
        )
    return frame


def _is_categorical_dtype(series: pd.Series) -> bool:
    dtype = series.dtype
    return bool(
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


# Types among which ``==`` never joins two values of different ``str``: a hash
# table may then give equal values one code and ``str`` be taken once per code.
# Across families values are never equal (1 != "1"); within the int and bool
# families equal values print alike (1 and np.int64(1): "1"). Not safe: int with
# bool or float (1 == True == 1.0), two float types (np.float32(0.1) equals
# float(np.float32(0.1)) but prints "0.1"), and a float zero (-0.0 == 0.0).
_TEXT_TYPES = frozenset({str, np.str_})
_INT_TYPES = frozenset(
    {int, np.int8, np.int16, np.int32, np.int64}
    | {np.uint8, np.uint16, np.uint32, np.uint64}
)
_BOOL_TYPES = frozenset({bool, np.bool_})


def _codes_are_exact(types: set[type], uniques: np.ndarray) -> bool:
    """Whether one code per hash-equal value gives each row its own ``str``."""
    rest = types - _TEXT_TYPES
    if not rest or rest <= _INT_TYPES or rest <= _BOOL_TYPES:
        return True
    if len(rest) == 1 and issubclass(next(iter(rest)), float | np.floating):
        return not any(u == 0 for u in uniques if type(u) in rest)
    return False


def _label_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's label as ``labels[codes]``, with one ``str`` call per value.

    Returns
    -------
    codes : ndarray of shape (n_rows,), int64
        Index into ``labels`` (never negative).
    labels : ndarray of object (str)
        ``str(value)`` of each distinct value, missing values (``pd.isna``) as
        MISSING_LABEL; two entries may be equal (1 and "1" both print "1").
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        # the categories are distinct and a row's value is its category: str once
        # per category; code -1 is a missing value
        cats = np.asarray(series.cat.categories, dtype=object)
        labels = np.array([str(v) for v in cats] + [MISSING_LABEL], dtype=object)
        codes = series.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(cats)
        return codes, labels
    if not pd.api.types.is_object_dtype(series.dtype):
        # one dtype (bool, numbers, pandas strings): codes straight from the
        # column; each distinct value as astype(object) gives it, as rows get it
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        objects = pd.Series(uniques).astype(object).to_numpy()
        if _codes_are_exact(set(map(type, objects)), objects) and not any(
            pd.isna(objects)
        ):
            labels = np.array([str(v) for v in objects] + [MISSING_LABEL], object)
            codes = codes.astype(np.int64)
            codes[codes < 0] = len(labels) - 1
            return codes, labels
    values = series.astype(object).to_numpy()
    missing = pd.isna(values)
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): str of every row below
        codes, uniques = None, None
    if (
        codes is None
        or bool(((codes < 0) & ~missing).any())
        or not _codes_are_exact(set(map(type, values[~missing])), uniques)
    ):
        # values that a hash table cannot join safely: str of every row
        labels, codes = np.unique(
            np.array([str(v) for v in values], dtype=object), return_inverse=True
        )
        labels = np.append(labels, MISSING_LABEL)
    else:
        labels = np.array([str(v) for v in uniques] + [MISSING_LABEL], dtype=object)
    codes = codes.astype(np.int64).reshape(-1)
    codes[missing] = len(labels) - 1
    return codes, labels


def _labels(series: pd.Series) -> np.ndarray:
    """Category labels as strings, missing values as MISSING_LABEL."""
    codes, labels = _label_codes(series)
    return labels[codes]


def _quantile_knots(finite: np.ndarray) -> tuple[list[float], list[float]]:
    """Knots ``(x, position)`` of the increasing piecewise-linear input map.

    ``x`` are the distinct values among the training quantiles at levels
    ``0, 1/K, ..., 1``. A knot's position is the mean of two maps onto [0, 1]:
    its quantile level (a value that several levels share, a spike of ties or a
    binary column, sits at the mean of those levels) and its min-max position.
    Each slice of the rows so gets at least half the share of the input range
    it would get from the quantiles alone (resolution where the data is: an
    outlier cannot squeeze the bulk into a sliver), and each stretch of values
    at least half the share of a linear map (resolution in sparse tails, where a
    quadratic or exponential shape does its climbing). Positions span
    ``[-sqrt(3), sqrt(3)]``.
    """
    levels = np.linspace(0.0, 1.0, min(_N_KNOTS, finite.size) + 1)
    q = np.quantile(finite, levels)
    xp, inverse = np.unique(q, return_inverse=True)
    if xp.size == 1:
        return [float(xp[0])], [0.0]
    rank = np.bincount(inverse, weights=levels) / np.bincount(inverse)
    rank = (rank - rank[0]) / (rank[-1] - rank[0])
    linear = (xp - xp[0]) / (xp[-1] - xp[0])
    pos = 0.5 * (rank + linear)
    return xp.tolist(), ((2.0 * pos - 1.0) * _HALF_WIDTH).tolist()


class FeatureEncoder:
    """Encode a frame's columns for the NAM module, fitted on training data only.

    Parameters
    ----------
    categorical_features : list of str or int, optional
        Columns to treat as categorical besides those of ``category``, ``object``,
        ``string`` or ``bool`` dtype.
    handle_unknown : {"error", "other"}
        What an unseen category at predict time does: a clear error, or the value
        of an extra "(other)" level (which is learned only from rows that fit
        saw as rare, so it starts at zero).
    """

    def __init__(
        self,
        categorical_features: list[Any] | None = None,
        handle_unknown: str = "error",
    ) -> None:
        self.categorical_features = categorical_features
        self.handle_unknown = handle_unknown

    # ------------------------------------------------------------------ fit
    def fit(self, frame: pd.DataFrame) -> FeatureEncoder:
        """Learn column kinds, scaling, categories and display statistics."""
        names = [str(c) for c in frame.columns]
        if len(set(names)) != len(names):
            dupes = sorted({n for n in names if names.count(n) > 1})
            raise InputError(f"Duplicate column names in X: {dupes}.")
        if self.handle_unknown not in ("error", "other"):
            raise InputError(
                "handle_unknown must be 'error' or 'other', got "
                f"{self.handle_unknown!r}."
            )
        requested = set()
        for c in self.categorical_features or ():
            if isinstance(c, int | np.integer) and not isinstance(c, bool):
                if not 0 <= int(c) < len(names):
                    raise InputError(
                        f"categorical_features has index {c}, but X has only "
                        f"{len(names)} columns."
                    )
                requested.add(names[int(c)])
            elif str(c) in names:
                requested.add(str(c))
            else:
                raise InputError(
                    f"categorical_features names {c!r}, which is not a column of X "
                    f"(columns: {names})."
                )
        self.feature_names_ = names
        self.kinds_: list[str] = []
        self.knots_: list[tuple[list[float], list[float]]] = []
        self.categories_: list[list[str]] = []
        self.stats_: list[dict[str, Any]] = []
        self.constant_: list[bool] = []
        for name, col in zip(names, frame.columns):
            series = frame[col]
            if name in requested or _is_categorical_dtype(series):
                self._fit_categorical(name, series)
            else:
                self._fit_numeric(name, series)
        constant = [n for n, c in zip(names, self.constant_) if c]
        if constant:
            warnings.warn(
                f"Constant column(s) {constant}: their shape functions are zero.",
                DataWarning,
                stacklevel=4,
            )
        return self

    def _fit_numeric(self, name: str, series: pd.Series) -> None:
        x = self._numeric_values(name, series)
        finite = x[~np.isnan(x)]
        self.kinds_.append("numeric")
        self.categories_.append([])
        if finite.size == 0:
            raise InputError(f"Column {name!r} has no non-missing values.")
        lo, hi = float(finite.min()), float(finite.max())
        with np.errstate(over="ignore"):
            width = hi - lo
        if not np.isfinite(width) or max(abs(lo), abs(hi)) > _MAX_ABS:
            raise InputError(
                f"Column {name!r} spans {lo:.3g} to {hi:.3g}, values too large to "
                f"map (beyond {_MAX_ABS:.0e}): rescale the column, e.g. divide it "
                "by a constant or take a logarithm."
            )
        self.knots_.append(_quantile_knots(finite))
        edges = np.histogram_bin_edges(finite, bins=_N_HIST_BINS) if hi > lo else None
        if edges is None:
            edges = np.array([lo - 0.5, hi + 0.5])
        counts, _ = np.histogram(finite, bins=edges)
        distinct = np.unique(finite)
        self.stats_.append(
            {
                "min": lo,
                "max": hi,
                "quantiles": np.quantile(finite, np.linspace(0, 1, 201)).tolist(),
                "hist_edges": edges.tolist(),
                "hist_counts": counts.astype(int).tolist(),
                "nan_count": int(np.isnan(x).sum()),
                "n": int(x.size),
            }
        )
        if distinct.size <= _grid.STEP_MAX_VALUES:  # read at the call, as there
            # the values a step table sits on (_grid.step_points): shape grids
            # include them, so a plotted function shows its jumps
            self.stats_[-1]["values"] = distinct.tolist()
        self.constant_.append(bool(hi == lo))

    def _fit_categorical(self, name: str, series: pd.Series) -> None:
        codes, labels = _label_codes(series)
        # the sorted distinct labels and their rows, as np.unique of every row's
        # label gives them (labels that print alike, 1 and "1", are one level)
        present = np.bincount(codes, minlength=len(labels))
        cats, which = np.unique(labels[present > 0], return_inverse=True)
        counts = np.bincount(which.reshape(-1), weights=present[present > 0])
        categories = [str(c) for c in cats]
        counts_list = [int(c) for c in counts]
        if isinstance(series.dtype, pd.CategoricalDtype):
            # levels the dtype declares are known to exist (cross-validation
            # folds miss rare ones): they get the average, 0, not an error
            declared = [str(c) for c in series.dtype.categories]
            unseen = [c for c in declared if c not in categories]
            if unseen:
                warnings.warn(
                    f"Column {name!r} declares the level(s) {unseen[:10]} that no "
                    "training row has: their contribution is 0 (the average).",
                    DataWarning,
                    stacklevel=5,
                )
                categories += unseen
                counts_list += [0] * len(unseen)
        if self.handle_unknown == "other" and OTHER_LABEL not in categories:
            categories.append(OTHER_LABEL)
            counts_list.append(0)
        self.kinds_.append("categorical")
        self.categories_.append(categories)
        self.knots_.append(([], []))
        self.constant_.append(len(cats) < 2)
        self.stats_.append({"categories": categories, "counts": counts_list})

    def level_counts(self, j: int) -> list[int]:
        """Training rows per level of categorical feature ``j`` (0: never seen)."""
        return [int(c) for c in self.stats_[j]["counts"]]

    # ------------------------------------------------------------ transform
    @staticmethod
    def _numeric_values(name: str, series: pd.Series) -> np.ndarray:
        if pd.api.types.is_bool_dtype(series.dtype):
            return series.astype(float).to_numpy()
        if not pd.api.types.is_numeric_dtype(series.dtype):
            coerced = pd.to_numeric(series, errors="coerce")
            bad = coerced.isna() & series.notna()
            if bad.any():
                value = series[bad].iloc[0]
                raise InputError(
                    f"Column {name!r} is numeric, but holds the non-numeric value "
                    f"{value!r} (row {series.index[bad][0]!r})."
                )
            series = coerced
        x = series.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(x).any():
            row = int(np.flatnonzero(np.isinf(x))[0])
            raise InputError(
                f"Column {name!r} holds infinity (row {series.index[row]!r}); "
                "NaN is allowed for missing values, infinity is not."
            )
        return x

    @property
    def numeric_index_(self) -> list[int]:
        """Positions of the numeric features."""
        return [i for i, k in enumerate(self.kinds_) if k == "numeric"]

    @property
    def categorical_index_(self) -> list[int]:
        """Positions of the categorical features."""
        return [i for i, k in enumerate(self.kinds_) if k == "categorical"]

    def category_offsets(self) -> np.ndarray:
        """Start of each categorical feature's block in the flat value table."""
        sizes = [len(self.categories_[i]) for i in self.categorical_index_]
        return np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)

    def encode_numeric(self, j: int, values: Any) -> tuple[np.ndarray, np.ndarray]:
        """Map one numeric feature's raw values; return (mapped, is_missing).

        The map interpolates linearly between the training quantiles, onto
        ``[-sqrt(3), sqrt(3)]``. Values outside the training range are held at its
        ends, as EBM's edge bins do: a shape function is only learned where there
        was data, and a net's extrapolation far outside it runs away.
        """
        name = self.feature_names_[j]
        x = self._numeric_values(name, pd.Series(np.asarray(values)))
        missing = np.isnan(x)
        xp, fp = self.knots_[j]
        scaled = np.interp(np.where(missing, xp[0], x), xp, fp)
        scaled[missing] = 0.0
        return scaled.astype(np.float32), missing

    def encode_categorical(self, j: int, values: Any) -> np.ndarray:
        """Map one categorical feature's labels to codes within its block."""
        name = self.feature_names_[j]
        cats = self.categories_[j]
        index = {c: i for i, c in enumerate(cats)}
        # a column as fit read it: np.asarray of a category column of ints with
        # a missing value gives floats, whose "3.0" fit never saw as "3"
        series = (
            values
            if isinstance(values, pd.Series)
            else pd.Series(np.asarray(values, dtype=object))
        )
        rows, labels = _label_codes(series)
        known = np.array([index.get(v, -1) for v in labels], dtype=np.int64)
        codes = known[rows]
        unseen = codes < 0
        if unseen.any():
            if self.handle_unknown == "other":
                codes[unseen] = index[OTHER_LABEL]
            else:
                value = labels[rows[unseen][0]]
                shown = cats if len(cats) <= 20 else cats[:20] + ["..."]
                raise InputError(
                    f"Column {name!r} has the category {value!r}, which was not seen "
                    f"in fit (known: {shown}). Pass handle_unknown='other' to give "
                    "unseen categories the value of an '(other)' level."
                )
        return codes

    def transform(
        self, frame: pd.DataFrame
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Encode a frame whose columns are already checked against the fit.

        Returns
        -------
        x_num : ndarray of shape (n_samples, n_numeric), float32
        missing : ndarray of shape (n_samples, n_numeric), bool
        x_cat : ndarray of shape (n_samples, n_categorical), int64
            Codes into the flat table of category values (offsets added).
        """
        n = frame.shape[0]
        num_idx, cat_idx = self.numeric_index_, self.categorical_index_
        x_num = np.zeros((n, len(num_idx)), dtype=np.float32)
        missing = np.zeros((n, len(num_idx)), dtype=bool)
        for k, j in enumerate(num_idx):
            x_num[:, k], missing[:, k] = self.encode_numeric(j, frame.iloc[:, j])
            if self.stats_[j]["nan_count"] == 0 and missing[:, k].any():
                row = frame.index[int(np.flatnonzero(missing[:, k])[0])]
                raise InputError(
                    f"Column {self.feature_names_[j]!r} has a missing value (row "
                    f"{row!r}), but had none in training, so the model has no "
                    "learned value for it: impute it (e.g. with the training "
                    "median) or drop the row."
                )
        x_cat = np.zeros((n, len(cat_idx)), dtype=np.int64)
        offsets = self.category_offsets()
        for k, j in enumerate(cat_idx):
            x_cat[:, k] = self.encode_categorical(j, frame.iloc[:, j]) + offsets[k]
        return x_num, missing, x_cat

    def raw_values(self, frame: pd.DataFrame) -> list[np.ndarray]:
        """Each feature's values as edits and viewers read them.

        Parameters
        ----------
        frame : DataFrame
            Columns already checked against the fit, in the model's order.

        Returns
        -------
        list of ndarray of shape (n_samples,)
            Numeric: float64 with NaN for missing. Categorical: the labels the
            model knows (strings; missing as ``"(missing)"``, and an unseen label
            as ``"(other)"`` where the model has that level).
        """
        out = []
        for j, kind in enumerate(self.kinds_):
            series = frame.iloc[:, j]
            if kind == "numeric":
                out.append(self._numeric_values(self.feature_names_[j], series))
                continue
            rows, labels = _label_codes(series)
            known = self.categories_[j]
            if OTHER_LABEL in known:
                labels[~np.isin(labels, known)] = OTHER_LABEL
            out.append(labels[rows])
        return out

    def summary(self, j: int) -> dict[str, Any]:
        """Plain statistics of feature ``j`` on the training rows (a copy).

        Numeric: ``min``, ``max``, ``quantiles`` (201 levels), ``hist_edges``,
        ``hist_counts``, ``nan_count``, ``n``, and ``values`` (the distinct
        values, sorted) where there are at most 256 of them (absent in models
        saved before). Categorical: ``categories`` and ``counts``.
        """
        return {
            k: list(v) if isinstance(v, list) else v for k, v in self.stats_[j].items()
        }

    # -------------------------------------------------------- persistence
    def get_state(self) -> dict[str, Any]:
        """Plain, JSON-serializable state."""
        return {
            "categorical_features": self.categorical_features,
            "handle_unknown": self.handle_unknown,
            "feature_names": self.feature_names_,
            "kinds": self.kinds_,
            "knots": [[list(xp), list(fp)] for xp, fp in self.knots_],
            "categories": self.categories_,
            "stats": self.stats_,
            "constant": self.constant_,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FeatureEncoder:
        """Rebuild an encoder from :meth:`get_state`."""
        enc = cls(state["categorical_features"], state["handle_unknown"])
        enc.feature_names_ = list(state["feature_names"])
        enc.kinds_ = list(state["kinds"])
        enc.knots_ = [
            ([float(v) for v in x], [float(v) for v in p]) for x, p in state["knots"]
        ]
        enc.categories_ = [list(c) for c in state["categories"]]
        enc.stats_ = list(state["stats"])
        enc.constant_ = [bool(c) for c in state["constant"]]
        return enc

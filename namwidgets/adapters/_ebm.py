"""InterpretML's Explainable Boosting Machine as an :class:`~namwidgets.AdditiveModel`.

A fitted ``ExplainableBoostingRegressor`` / ``ExplainableBoostingClassifier`` is
an additive model of binned terms: ``term_scores_[t]`` holds one score per bin of
the term's feature(s), the missing bin first and the unknown bin last. The adapter
reads those arrays and never writes them:

* contributions are ``ebm.eval_terms(X)``, so the session's predictions equal
  ``ebm.predict`` / ``predict_proba``;
* a numeric main effect's grid is its bins' centres (the outer edges are the
  training minimum and maximum, ``feature_bounds_``), its density the bins'
  weights (``bin_weights_``), its band the score plus and minus one standard
  deviation of the bags (``standard_deviations_``, as EBM's own plots draw it),
  its NaN value the missing bin's score;
* a categorical main effect's levels are EBM's, plus ``"(missing)"`` where the
  training data had missing values;
* a pair's grid is the pair-level bins (EBM bins pairs more coarsely).

Edits act on bins. ``feature_values`` gives a numeric row the centre of the bin
it falls in, so every edit (a function edit such as knots, smooth or monotone
too, evaluated at the bin centres) gives all rows of one bin the same value, as
one score per bin can hold: :func:`~namwidgets.adapters.edited_ebm` writes the
edited scores back into a copy of the EBM, which then predicts what the session
shows.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import InputError, UnsupportedModelError
from ..explain import PairFunction, ShapeFunction
from ..protocol import Link

#: The label a missing categorical value gets (as the NAM's encoder names it).
MISSING_LABEL = "(missing)"
#: The label of a categorical value the EBM did not see in training.
UNKNOWN_LABEL = "(unknown)"

# EBM link -> protocol link
_LINKS: dict[str, Link] = {
    "identity": "identity",
    "logit": "logit",
    "mlogit": "softmax",
}
_KINDS = {"continuous": "numeric", "nominal": "categorical", "ordinal": "categorical"}
#: Interpret versions the adapter is tested with (pyproject's ``ebm`` extra).
TESTED_VERSIONS = (">=0.7.5", "<0.8")


def is_ebm(model: Any) -> bool:
    """Whether ``model`` is an InterpretML EBM (of any kind, fitted or not)."""
    cls = type(model)
    return cls.__module__.startswith("interpret.") and "ExplainableBoosting" in (
        cls.__name__
    )


def _check_ebm(ebm: Any) -> None:
    """Raise ``UnsupportedModelError`` for what the adapter does not handle."""
    name = type(ebm).__name__
    if name not in ("ExplainableBoostingRegressor", "ExplainableBoostingClassifier"):
        raise UnsupportedModelError(
            f"{name} is not supported: namwidgets edits a fitted "
            "ExplainableBoostingRegressor or ExplainableBoostingClassifier "
            "(differentially private EBMs are not supported)."
        )
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(ebm, "has_fitted_")
    link = str(ebm.link_)
    if link not in _LINKS:
        raise UnsupportedModelError(
            f"This {name} has link {link!r} (its objective); namwidgets handles "
            f"the links {sorted(_LINKS)}: the default objectives (rmse, log_loss, "
            "multinomial)."
        )
    for t, features in enumerate(ebm.term_features_):
        if len(features) > 2:
            raise UnsupportedModelError(
                f"Term {ebm.term_names_[t]!r} joins {len(features)} features; "
                "namwidgets handles main effects and pairs only."
            )
    for j, kind in enumerate(ebm.feature_types_in_):
        if kind not in _KINDS:
            raise UnsupportedModelError(
                f"Feature {ebm.feature_names_in_[j]!r} has EBM type {kind!r}; "
                f"namwidgets handles {sorted(_KINDS)}."
            )


def _label(value: Any, known: set[str]) -> str:
    """A categorical value's EBM label, as EBM writes it, or ``"(unknown)"``.

    EBM turns a level into a string: a whole number as ``"2"`` (interpret 0.7.8)
    or ``"2.0"`` (0.7.5), others as numpy prints a float64; the first of these
    spellings that is one of the EBM's levels is the label.
    """
    candidates = [str(value)]
    if isinstance(value, float | np.floating | int | np.integer) and not isinstance(
        value, bool
    ):
        number = float(value)
        if number.is_integer():
            candidates.append(str(int(number)))
        candidates.append(str(np.float64(number)))
    for c in candidates:
        if c in known:
            return c
    return UNKNOWN_LABEL


class EBMAdapter:
    """A fitted EBM seen through the :class:`~namwidgets.AdditiveModel` protocol.

    Parameters
    ----------
    ebm : ExplainableBoostingRegressor or ExplainableBoostingClassifier
        A fitted EBM with main effects and pairs (no triples) and a default
        objective. It is read, never modified.

    Attributes
    ----------
    ebm : EBM
        The wrapped model.
    feature_names_, feature_kinds_, term_names_, term_features_ : list
        As the protocol defines them (EBM's ``feature_names_in_``, its
        ``feature_types_in_`` as "numeric"/"categorical", ``term_names_``,
        ``term_features_``).
    intercept_ : float or ndarray of shape (n_classes,)
        EBM's intercept (a float for regression and binary classification).
    n_outputs_ : int
        1, or the number of classes of a multiclass EBM.
    classes_ : ndarray
        A classifier's class labels.

    Raises
    ------
    UnsupportedModelError
        For another estimator, a differentially private EBM, a term of three or
        more features, or an objective whose link is not identity/logit/mlogit.
    """

    def __init__(self, ebm: Any) -> None:
        _check_ebm(ebm)
        self.ebm = ebm
        self.feature_names_: list[str] = [str(n) for n in ebm.feature_names_in_]
        self.feature_kinds_: list[str] = [_KINDS[k] for k in ebm.feature_types_in_]
        self.term_names_: list[str] = list(ebm.term_names_)
        self.term_features_: list[tuple[int, ...]] = [
            tuple(int(f) for f in t) for t in ebm.term_features_
        ]
        intercept = np.asarray(ebm.intercept_, dtype=np.float64).ravel()
        self.n_outputs_ = 1 if intercept.size == 1 else int(intercept.size)
        self.intercept_: float | npt.NDArray[np.float64] = (
            float(intercept[0]) if self.n_outputs_ == 1 else intercept.copy()
        )
        if hasattr(ebm, "classes_"):
            self.classes_ = np.asarray(ebm.classes_)
        self._functions: list[Any] | None = None

    # ------------------------------------------------------------ names
    @property
    def link(self) -> Link:
        """``"identity"`` (regression), ``"logit"`` (binary) or ``"softmax"``."""
        return _LINKS[str(self.ebm.link_)]

    def __repr__(self) -> str:
        return f"EBMAdapter({type(self.ebm).__name__}, {len(self.term_names_)} terms)"

    # ------------------------------------------------------------ bins
    def bins(self, feature: int, level: int = 0) -> Any:
        """EBM's bins of a feature at a level (0: main effects, 1: pairs).

        Numeric: the cut points; categorical: ``{label: bin index}``. A pair uses
        the coarsest level the feature has up to ``level`` (EBM's rule).
        """
        levels = self.ebm.bins_[feature]
        return levels[min(level, len(levels) - 1)]

    def levels(self, feature: int, level: int = 0) -> list[str]:
        """A categorical feature's labels, in bin order."""
        mapping = self.bins(feature, level)
        return [k for k, _ in sorted(mapping.items(), key=lambda kv: kv[1])]

    def bin_edges(self, feature: int, level: int = 0) -> npt.NDArray[np.float64]:
        """A numeric feature's bin edges: training min, cuts, training max."""
        cuts = np.asarray(self.bins(feature, level), dtype=np.float64)
        lo, hi = (float(v) for v in self.ebm.feature_bounds_[feature])
        if len(cuts):
            gap = float(np.diff(cuts).mean()) if len(cuts) > 1 else 1.0
            if not np.isfinite(lo) or lo >= cuts[0]:
                lo = float(cuts[0]) - 0.5 * gap
            if not np.isfinite(hi) or hi <= cuts[-1]:
                hi = float(cuts[-1]) + 0.5 * gap
        elif not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
            lo, hi = (lo - 0.5, lo + 0.5) if np.isfinite(lo) else (-0.5, 0.5)
        return np.concatenate([[lo], cuts, [hi]])

    def bin_centres(self, feature: int, level: int = 0) -> npt.NDArray[np.float64]:
        """A numeric feature's bin centres: the x every row of a bin is given."""
        edges = self.bin_edges(feature, level)
        return 0.5 * (edges[:-1] + edges[1:])

    def bin_index(self, feature: int, x: npt.NDArray[np.float64]) -> Any:
        """The main-effect bin (0-based, no missing bin) of numeric values."""
        cuts = np.asarray(self.bins(feature, 0), dtype=np.float64)
        return np.searchsorted(cuts, x, side="right")

    # ------------------------------------------------------------ data
    def check_X(self, X: Any) -> pd.DataFrame:
        """X as a frame with the EBM's columns, in its order (matched by name).

        Raises
        ------
        InputError
            For missing columns, or an array of the wrong width.
        """
        names = self.feature_names_
        if isinstance(X, pd.DataFrame):
            missing = [n for n in names if n not in X.columns]
            if missing:
                raise InputError(
                    f"X lacks the column(s) {missing} the EBM was fitted with "
                    f"(its columns: {names})."
                )
            return X.loc[:, names]
        if hasattr(X, "to_pandas"):  # polars and friends
            return self.check_X(X.to_pandas())
        arr = np.asarray(X, dtype=object)
        if arr.ndim != 2 or arr.shape[1] != len(names):
            raise InputError(
                f"X has shape {arr.shape}; the EBM needs {len(names)} columns "
                f"({names})."
            )
        frame = pd.DataFrame(arr, columns=names)
        return frame.infer_objects()

    def feature_values(self, X: Any) -> list[npt.NDArray[Any]]:
        """Each feature's values as edits read them: the bins' representatives.

        Numeric: the centre of the main-effect bin each value falls in (NaN for a
        missing or non-numeric value). Categorical: EBM's label (a string),
        ``"(missing)"`` or ``"(unknown)"`` for a level it did not see.
        """
        frame = self.check_X(X)
        out: list[npt.NDArray[Any]] = []
        for j, kind in enumerate(self.feature_kinds_):
            col = frame.iloc[:, j]
            if kind == "numeric":
                x = pd.to_numeric(col, errors="coerce").to_numpy(np.float64)
                centres = self.bin_centres(j)
                idx = np.clip(self.bin_index(j, x), 0, len(centres) - 1)
                out.append(np.where(np.isnan(x), np.nan, centres[idx]))
            else:
                known = set(self.bins(j))
                labels = np.empty(len(col), dtype=object)
                for i, v in enumerate(col.tolist()):
                    if v is None or (isinstance(v, float) and np.isnan(v)):
                        labels[i] = MISSING_LABEL
                    else:
                        labels[i] = _label(v, known)
                out.append(labels)
        return out

    def contributions_array(self, X: Any) -> npt.NDArray[np.float64]:
        """``ebm.eval_terms(X)``, ndarray of shape (n_samples, n_terms, n_outputs)."""
        frame = self.check_X(X)
        if len(frame) == 0:
            return np.zeros((0, len(self.term_names_), self.n_outputs_))
        scores = np.asarray(self.ebm.eval_terms(frame), dtype=np.float64)
        return scores.reshape(len(frame), len(self.term_names_), self.n_outputs_)

    def inverse_link(self, eta: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Predictions from the linear predictor, as ``ebm.predict(_proba)``.

        Regression: shape (n_samples,); classification: (n_samples, n_classes).
        """
        arr = np.asarray(eta, dtype=np.float64)
        arr = arr.reshape(len(arr), -1)
        if self.link == "identity":
            return arr[:, 0]
        from .. import links  # the package's links: a session's, to the bit

        if self.link == "logit":
            return links.sigmoid(arr[:, 0])
        return links.softmax(arr)

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """The EBM's own ``predict`` on X (matched by name)."""
        return np.asarray(self.ebm.predict(self.check_X(X)))

    # ------------------------------------------------------------ functions
    def _scores(self, t: int) -> npt.NDArray[np.float64]:
        """Term t's scores with a trailing class axis: (bins..., n_outputs)."""
        s = np.asarray(self.ebm.term_scores_[t], dtype=np.float64)
        return s.reshape(*s.shape[: len(self.term_features_[t])], self.n_outputs_)

    def _std(self, t: int) -> npt.NDArray[np.float64]:
        std = self.ebm.standard_deviations_[t]
        if std is None:
            return np.zeros_like(self._scores(t))
        return np.asarray(std, np.float64).reshape(self._scores(t).shape)

    def term_importances(self) -> npt.NDArray[np.float64]:
        """Mean |f_t| over the training data (bin weights), summed over classes."""
        out = np.zeros(len(self.term_names_))
        for t in range(len(out)):
            w = np.asarray(self.ebm.bin_weights_[t], dtype=np.float64)
            v = np.abs(self._scores(t)).sum(-1)
            out[t] = float((w * v).sum() / w.sum()) if w.sum() > 0 else 0.0
        return out

    def term_functions(self) -> list[Any]:
        """A ``ShapeFunction`` per main effect and a ``PairFunction`` per pair."""
        if self._functions is None:
            imp = self.term_importances()
            self._functions = [
                self._main(t, imp[t]) if len(f) == 1 else self._pair(t, imp[t])
                for t, f in enumerate(self.term_features_)
            ]
        return list(self._functions)

    def _squeeze(self, a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return a[..., 0] if self.n_outputs_ == 1 else a

    def _classes(self) -> list[Any] | None:
        return list(self.classes_) if self.n_outputs_ > 1 else None

    def _main(self, t: int, importance: float) -> ShapeFunction:
        j = self.term_features_[t][0]
        s, std = self._scores(t), self._std(t)
        w = np.asarray(self.ebm.bin_weights_[t], dtype=np.float64)
        inner, band = s[1:-1], std[1:-1]
        name = self.term_names_[t]
        if self.feature_kinds_[j] == "numeric":
            nan_value: Any = None
            if w[0] > 0:
                nan_value = float(s[0, 0]) if self.n_outputs_ == 1 else s[0].copy()
            return ShapeFunction(
                name=name,
                kind="numeric",
                x=self.bin_centres(j),
                values=self._squeeze(inner),
                lower=self._squeeze(inner - band),
                upper=self._squeeze(inner + band),
                density_edges=self.bin_edges(j),
                density_counts=w[1:-1],  # type: ignore[arg-type]
                nan_value=nan_value,
                nan_count=int(round(w[0])),
                importance=float(importance),
                classes=self._classes(),
            )
        labels = self.levels(j)
        values, lo, hi, counts = inner, inner - band, inner + band, w[1:-1]
        if w[0] > 0:  # missing as a level of its own, as the NAM shows it
            labels = labels + [MISSING_LABEL]
            values = np.concatenate([values, s[:1]])
            lo = np.concatenate([lo, s[:1] - std[:1]])
            hi = np.concatenate([hi, s[:1] + std[:1]])
            counts = np.concatenate([counts, w[:1]])
        x = np.empty(len(labels), dtype=object)
        x[:] = labels
        return ShapeFunction(
            name=name,
            kind="categorical",
            x=x,
            values=self._squeeze(values),
            lower=self._squeeze(lo),
            upper=self._squeeze(hi),
            density_edges=None,
            density_counts=counts,  # type: ignore[arg-type]
            importance=float(importance),
            classes=self._classes(),
        )

    def _axis(self, feature: int) -> npt.NDArray[Any]:
        if self.feature_kinds_[feature] == "numeric":
            return self.bin_centres(feature, 1)
        labels = self.levels(feature, 1)
        x = np.empty(len(labels), dtype=object)
        x[:] = labels
        return x

    def _pair(self, t: int, importance: float) -> PairFunction:
        a, b = self.term_features_[t]
        s, std = self._scores(t), self._std(t)
        w = np.asarray(self.ebm.bin_weights_[t], dtype=np.float64)
        inner, band = s[1:-1, 1:-1], std[1:-1, 1:-1]
        numeric = [self.feature_kinds_[f] == "numeric" for f in (a, b)]
        nan_x = self._squeeze(s[0, 1:-1]) if numeric[0] and w[0].sum() > 0 else None
        nan_y = self._squeeze(s[1:-1, 0]) if numeric[1] and w[:, 0].sum() > 0 else None
        return PairFunction(
            name=self.term_names_[t],
            features=(self.feature_names_[a], self.feature_names_[b]),
            kinds=(self.feature_kinds_[a], self.feature_kinds_[b]),
            x=self._axis(a),
            y=self._axis(b),
            values=self._squeeze(inner),
            lower=self._squeeze(inner - band),
            upper=self._squeeze(inner + band),
            density=w[1:-1, 1:-1],
            nan_x=nan_x,
            nan_y=nan_y,
            importance=float(importance),
            classes=self._classes(),
        )

    # ------------------------------------------------------------ identity
    def fingerprint(self) -> str:
        """A hash of the EBM's bins, scores, intercept, link and names."""
        h = hashlib.sha256()
        h.update(repr((self.feature_names_, self.term_names_, self.link)).encode())
        h.update(np.asarray(self.ebm.intercept_, np.float64).tobytes())
        for scores in self.ebm.term_scores_:
            h.update(np.ascontiguousarray(scores, dtype=np.float64).tobytes())
        for levels in self.ebm.bins_:
            for b in levels:
                if isinstance(b, dict):
                    h.update(repr(sorted(b.items())).encode())
                else:
                    h.update(np.asarray(b, np.float64).tobytes())
        return h.hexdigest()[:16]

"""Applying a history of edits: shared by the session and the edited model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..model._encoder import MISSING_LABEL, OTHER_LABEL
from ._ops import Edit, EditError, FeatureReference, _register

FORMAT = "namwidgets-edits"
VERSION = 1


@_register
@dataclass(frozen=True, kw_only=True)
class Reset(Edit):
    """Return a feature to the model's original function (an undoable step).

    Edits before a reset no longer count for that feature.
    """

    kind: ClassVar[str] = "reset"

    def _apply(self, x, out, cols, ref) -> None:  # noqa: ANN001
        raise EditError("Reset is applied by replaying a feature's history")


def references(model: Any) -> list[FeatureReference]:
    """The unedited reference (grid, values, density) of every feature."""
    return [FeatureReference.from_shape_function(sf) for sf in model.shape_functions()]


def raw_columns(model: Any, frame: pd.DataFrame) -> list[np.ndarray]:
    """Each feature's raw values as edits read them.

    Numeric: float64 with NaN for missing. Categorical: the model's labels
    (strings; missing as "(missing)", unseen as "(other)" where the model has it).
    """
    enc = model.encoder_
    cols = []
    for j, kind in enumerate(enc.kinds_):
        series = frame.iloc[:, j]
        if kind == "numeric":
            cols.append(enc._numeric_values(enc.feature_names_[j], series))
            continue
        values = series.astype(object).to_numpy()
        labels = np.array([str(v) for v in values], dtype=object)
        labels[pd.isna(values)] = MISSING_LABEL
        known = set(enc.categories_[j])
        if OTHER_LABEL in known:
            labels[~np.isin(labels, list(known))] = OTHER_LABEL
        cols.append(labels)
    return cols


def effective(edits: Sequence[Edit]) -> list[Edit]:
    """A feature's edits that still count: those after its last reset."""
    last = max((i for i, e in enumerate(edits) if isinstance(e, Reset)), default=-1)
    return list(edits[last + 1 :])


def replay(
    edits: Sequence[Edit], x: np.ndarray, column: np.ndarray, ref: FeatureReference
) -> tuple[np.ndarray, FeatureReference]:
    """Apply one feature's edits in order to its column and to its reference grid."""
    for e in effective(edits):
        column = e.apply(x, column, ref)
        ref = ref.with_values(e.apply(ref.grid, ref.grid_values, ref))
    return column, ref


def history_to_json(
    actions: Sequence[Sequence[Edit]], position: int, fingerprint: str, names: list[str]
) -> str:
    """Serialize a history (a list of actions, each a list of edits)."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "model_fingerprint": fingerprint,
        "features": names,
        "position": position,
        "history": [[e.to_dict() for e in action] for action in actions],
    }
    return json.dumps(doc, allow_nan=False, indent=1)


def history_from_json(
    text: str | bytes, fingerprint: str, names: list[str]
) -> tuple[list[list[Edit]], int]:
    """Parse and check a history written by :func:`history_to_json`."""
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError) as err:
        raise EditError(f"The edit file is not valid JSON: {err}.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise EditError("This is not a namwidgets edit history (format field).")
    if doc.get("version") != VERSION:
        raise EditError(
            f"Edit history version {doc.get('version')!r} is not supported "
            f"(this namwidgets reads version {VERSION})."
        )
    if doc.get("model_fingerprint") != fingerprint:
        raise EditError(
            "This edit history was made for a different model (fingerprint "
            f"{doc.get('model_fingerprint')!r}, this model's is {fingerprint!r})."
        )
    history = doc.get("history")
    position = doc.get("position", None)
    if not isinstance(history, list) or not all(isinstance(a, list) for a in history):
        raise EditError("The edit history's 'history' must be a list of lists.")
    if position is None:
        position = len(history)
    if not isinstance(position, int) or not 0 <= position <= len(history):
        raise EditError(
            f"The edit history's 'position' {position!r} is not in [0, {len(history)}]."
        )
    actions = [[Edit.from_dict(d) for d in action] for action in history]
    for action in actions:
        for e in action:
            if e.feature not in names:
                raise EditError(
                    f"The edit history names feature {e.feature!r}, which this model "
                    f"does not have (features: {names})."
                )
    return actions, position


class EditedNAM:
    """A fitted NAM with edits applied: predicts new data like any estimator.

    Parameters
    ----------
    model : NAMRegressor or NAMClassifier
        The fitted base model (not modified).
    edits : sequence of Edit
        The applied edits, in order.
    """

    def __init__(self, model: Any, edits: Sequence[Edit]) -> None:
        self.model = model
        self.edits = list(edits)
        self._refs = references(model)
        names = model.feature_names_
        for e in self.edits:
            if e.feature not in names:
                raise EditError(f"Edit names unknown feature {e.feature!r}.")
        self._check_replays()

    def _check_replays(self) -> None:
        for ref in self._refs:
            mine = [e for e in self.edits if e.feature == ref.name]
            replay(mine, ref.grid, ref.grid_values, ref)  # validates every edit

    def __getattr__(self, name: str) -> Any:
        # fitted attributes (classes_, feature_names_, n_features_in_, ...) of the
        # base model; everything that depends on the functions is overridden here
        if name.startswith("__") or name in ("model", "edits", "_refs"):
            raise AttributeError(name)
        return getattr(self.model, name)

    def contributions_array(self, X: Any) -> np.ndarray:
        """Edited contributions, ndarray of shape (n_samples, n_features, n_outputs)."""
        m = self.model
        frame = m._frame(X, reset=False)
        contrib = m.contributions_array(frame)
        xs = raw_columns(m, frame)
        for j, ref in enumerate(self._refs):
            mine = [e for e in self.edits if e.feature == ref.name]
            if mine:
                contrib[:, j, :], _ = replay(mine, xs[j], contrib[:, j, :], ref)
        return contrib

    def contributions(self, X: Any) -> pd.DataFrame:
        """Edited contributions as a DataFrame (see ``NAMBase.contributions``)."""
        arr = self.contributions_array(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        names = self.model.feature_names_
        if arr.shape[2] == 1:
            return pd.DataFrame(arr[:, :, 0], columns=names, index=index)
        cols = pd.MultiIndex.from_product([names, list(self.model.classes_)])
        return pd.DataFrame(arr.reshape(len(arr), -1), columns=cols, index=index)

    def decision_function(self, X: Any) -> np.ndarray:
        """The edited linear predictor."""
        eta = self.model.linear_predictor(self.contributions_array(X))
        return eta[:, 0] if eta.shape[1] == 1 else eta

    def predict(self, X: Any) -> np.ndarray:
        """Predictions with the edits applied."""
        eta = self.model.linear_predictor(self.contributions_array(X))
        if hasattr(self.model, "classes_"):
            return self.model.classes_[self.model.inverse_link(eta).argmax(1)]
        return self.model.inverse_link(eta)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities with the edits applied (classifiers only)."""
        if not hasattr(self.model, "classes_"):
            raise AttributeError("predict_proba is for classifiers.")
        return self.model.inverse_link(
            self.model.linear_predictor(self.contributions_array(X))
        )

    def score(self, X: Any, y: Any) -> float:
        """R² (regression) or accuracy (classification) with the edits applied."""
        from sklearn.metrics import accuracy_score, r2_score

        if hasattr(self.model, "classes_"):
            return float(accuracy_score(y, self.predict(X)))
        return float(r2_score(y, self.predict(X)))

    def shape_functions(self) -> list[Any]:
        """The edited shape functions (values on the grid after the edits)."""
        import dataclasses

        out = []
        for sf, ref in zip(self.model.shape_functions(), self._refs):
            mine = [e for e in self.edits if e.feature == ref.name]
            if not mine:
                out.append(sf)
                continue
            _, new_ref = replay(mine, ref.grid, ref.grid_values, ref)
            values = new_ref.grid_values
            values = values[:, 0] if values.shape[1] == 1 else values
            out.append(dataclasses.replace(sf, values=values))
        return out

    def save(self, path: Any) -> None:
        """Save the base model and its edits; ``namwidgets.load`` gives this back."""
        from ..model._io import save_model

        extra = {"edits": [e.to_dict() for e in self.edits]}
        save_model(self.model, path, extra=extra)

    def __repr__(self) -> str:
        return f"EditedNAM({self.model!r}, {len(self.edits)} edits)"

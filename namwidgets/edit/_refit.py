"""Retraining the unedited terms of a session's model with the edited ones held."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..exceptions import InputError, UnsupportedModelError
from ._state import check_refit_args, check_y, importance

if TYPE_CHECKING:
    from ._session import EditSession


def refit_others(
    session: EditSession,
    epochs: Any = 20,
    *,
    X: Any = None,
    y: Any = None,
    learning_rate: Any = None,
) -> pd.DataFrame:
    """See :meth:`EditSession.refit_others`."""
    s = session
    model: Any = s.model
    if not callable(getattr(model, "refit_others", None)):
        raise UnsupportedModelError(
            f"{type(model).__name__} cannot retrain part of itself (it has no "
            "refit_others); refit_others needs a NAMRegressor/NAMClassifier session."
        )
    epochs, learning_rate = check_refit_args(epochs, learning_rate)
    held_names = s.edited_features
    if not held_names:
        raise InputError("refit_others needs at least one edited term to hold.")
    if (X is None) != (y is None):
        raise InputError("Pass both X and y to refit on other data, or neither.")
    if X is None:
        frame, y_fit = s._frame, s._need_y()
        held = {s.names.index(n): s._current[s.names.index(n)] for n in held_names}
    else:
        frame = model.check_X(X)
        y_fit = check_y(y, int(frame.shape[0]), s.classes)  # type: ignore[assignment]
        edited = s.to_model().contributions_array(frame)
        held = {s.names.index(n): edited[:, s.names.index(n)] for n in held_names}
    removed_eta = s._eta_original - s._eta
    removed = removed_eta[:, 0] if removed_eta.shape[1] == 1 else removed_eta.sum(1)
    before = s._current.copy()
    new_model = model.refit_others(
        frame, y_fit, held, epochs=epochs, learning_rate=learning_rate
    )
    eta_last = s._eta
    s._snapshot_last()
    s.model = new_model
    s._set_base(new_model)
    s._recompute_all()
    s._eta_last = eta_last
    s._cache.clear()
    delta = (s._current - before).sum(2).T  # (n, T)
    denom = float(removed @ removed) or 1.0
    report = pd.DataFrame(
        {
            "feature": s.names,
            "held": [n in held_names for n in s.names],
            "importance_before": importance(before),
            "importance_after": s._importance.copy(),
            "absorbed": (delta * removed[:, None]).sum(0) / denom,
        }
    )
    s.refits.append(report)
    return report


__all__ = ["refit_others"]

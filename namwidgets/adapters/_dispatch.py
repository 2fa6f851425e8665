"""Which models the session and the panel open on, and how they are wrapped."""

from __future__ import annotations

from typing import Any

from ..exceptions import UnsupportedModelError
from ..protocol import REQUIRED, AdditiveModel
from ._ebm import EBMAdapter, is_ebm


def as_additive_model(model: Any) -> AdditiveModel:
    """``model`` as a protocol model: a NAM or edited model as it is, an EBM wrapped.

    Parameters
    ----------
    model : AdditiveModel or EBM
        A fitted ``NAMRegressor``/``NAMClassifier``, an ``EditedModel``, an
        adapter, or a fitted InterpretML ``ExplainableBoostingRegressor`` /
        ``ExplainableBoostingClassifier`` (wrapped in :class:`EBMAdapter`).

    Returns
    -------
    AdditiveModel

    Raises
    ------
    UnsupportedModelError
        For any other estimator, naming it, and for an EBM fitted with an option
        the adapter does not handle, naming the option.
    sklearn.exceptions.NotFittedError
        For an EBM that is not fitted yet.
    """
    if is_ebm(model):
        return EBMAdapter(model)
    missing = [name for name in REQUIRED if not hasattr(model, name)]
    if not missing or not hasattr(model, "fit"):
        return model  # checked by check_additive_model
    raise UnsupportedModelError(
        f"{type(model).__module__}.{type(model).__name__} is not a model namwidgets "
        f"can edit (it lacks {missing}): pass a fitted NAMRegressor/NAMClassifier, "
        "an EditedModel, or an InterpretML ExplainableBoostingRegressor/"
        "ExplainableBoostingClassifier."
    )

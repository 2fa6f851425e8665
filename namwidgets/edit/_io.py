"""Reading and writing edit lists, histories and model files: one module."""

from __future__ import annotations

from typing import Any

from ..exceptions import EditError
from ..model._io import read_model_file


def load(path: Any) -> Any:
    """Load a model saved with ``save``.

    Parameters
    ----------
    path : path-like
        A file written by ``NAMRegressor.save``, ``NAMClassifier.save`` or
        ``EditedNAM.save``.

    Returns
    -------
    NAMRegressor, NAMClassifier or EditedNAM
        An edited model comes back with its edits applied.
    """
    from ._edited import EditedNAM
    from ._ops import Edit

    model, extra = read_model_file(path)
    if "edits" in extra:
        try:
            edits = [Edit.from_dict(d) for d in extra["edits"]]
        except (EditError, TypeError) as err:
            raise EditError(f"{path!s}: its saved edits are damaged: {err}") from None
        return EditedNAM(model, edits)
    return model

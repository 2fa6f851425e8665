"""namwidgets: Neural Additive Models in PyTorch, with a live editor for Jupyter."""

from typing import Any

from .edit import EditedNAM, EditSession
from .explain import ShapeFunction
from .model import NAMClassifier, NAMRegressor
from .model._io import read_model_file
from .widget import NAMPanel, explore

__version__ = "0.1.0"


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
    model, extra = read_model_file(path)
    if "edits" in extra:
        from .edit import Edit, EditError

        try:
            edits = [Edit.from_dict(d) for d in extra["edits"]]
        except (EditError, TypeError) as err:
            raise EditError(f"{path!s}: its saved edits are damaged: {err}") from None
        return EditedNAM(model, edits)
    return model


__all__ = [
    "EditSession",
    "EditedNAM",
    "NAMPanel",
    "NAMClassifier",
    "NAMRegressor",
    "ShapeFunction",
    "__version__",
    "explore",
    "load",
]

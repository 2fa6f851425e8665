"""namwidgets: Neural Additive Models in PyTorch, with a live editor for Jupyter.

The model layer imports no widget code: ``import namwidgets.model`` (and fitting
a model) loads neither ipywidgets, Altair nor IPython. The panel and the charts
are imported on first use of their names here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .exceptions import (
    DatasetNotFoundError,
    DataWarning,
    EditError,
    InputError,
    InputTypeError,
    ModelFileError,
    NamwidgetsError,
    NamwidgetsWarning,
    TrainingDivergedError,
    TrainingError,
    TrainingInterruptedWarning,
    UnsupportedModelError,
)
from .protocol import AdditiveModel

__version__ = "0.1.0"

# public name -> the module that defines it, imported on first access
_LAZY = {
    "NAMRegressor": "namwidgets.model",
    "NAMClassifier": "namwidgets.model",
    "ShapeFunction": "namwidgets.explain",
    "EditSession": "namwidgets.edit",
    "EditedModel": "namwidgets.edit",
    "EditedNAM": "namwidgets.edit",
    "load": "namwidgets.edit",
    "NAMPanel": "namwidgets.widget",
    "explore": "namwidgets.widget",
    "compare": "namwidgets.comparison",
    "Comparison": "namwidgets.comparison",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'namwidgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AdditiveModel",
    "Comparison",
    "DataWarning",
    "DatasetNotFoundError",
    "EditError",
    "EditSession",
    "EditedModel",
    "EditedNAM",
    "InputError",
    "InputTypeError",
    "ModelFileError",
    "NAMClassifier",
    "NAMPanel",
    "NAMRegressor",
    "NamwidgetsError",
    "NamwidgetsWarning",
    "ShapeFunction",
    "TrainingDivergedError",
    "TrainingError",
    "TrainingInterruptedWarning",
    "UnsupportedModelError",
    "__version__",
    "compare",
    "explore",
    "load",
]

"""namwidgets: Neural Additive Models in PyTorch, with a live editor for Jupyter."""

from .explain import ShapeFunction
from .model import NAMClassifier, NAMRegressor, load_model

__version__ = "0.1.0"


def load(path):  # noqa: ANN001, ANN201
    """Load a model saved with ``save`` (an edited model comes back edited)."""
    return load_model(path)


__all__ = ["NAMClassifier", "NAMRegressor", "ShapeFunction", "load", "__version__"]

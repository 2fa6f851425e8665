"""The torch NAM and its scikit-learn estimators."""

from ._encoder import MISSING_LABEL, OTHER_LABEL, FeatureEncoder
from ._estimator import NAMBase, NAMClassifier, NAMRegressor
from ._io import load_model, read_model_file, save_model

__all__ = [
    "MISSING_LABEL",
    "OTHER_LABEL",
    "FeatureEncoder",
    "NAMBase",
    "NAMClassifier",
    "NAMRegressor",
    "load_model",
    "read_model_file",
    "save_model",
]

"""The torch NAM and its scikit-learn estimators."""

from ._encoder import FeatureEncoder
from ._estimator import NAMBase, NAMClassifier, NAMRegressor
from ._io import load_model, read_model_file, save_model

__all__ = [
    "FeatureEncoder",
    "NAMBase",
    "NAMClassifier",
    "NAMRegressor",
    "load_model",
    "read_model_file",
    "save_model",
]

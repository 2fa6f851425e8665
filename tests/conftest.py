"""Shared fixtures: fixed seeds, one torch thread, small fitted models."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from namwidgets.datasets import make_additive

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# tests run beside other work on two cores: one thread is far faster there
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seeds():
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 - code under test may use the legacy global RNG
    torch.manual_seed(0)
    yield


def shared_csv(name: str) -> Path:
    """Path of a dataset in ../shared/data, or skip the test cleanly."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent (team datasets live in ../shared/data)")
    return path


# interactions=0: the tests that share these settings are about the main effects
# (on additive data) and their training loop; the default fits pairs, which
# tests/test_interactions.py and tests/test_sklearn_compat.py cover
FAST = dict(
    hidden_sizes=(32, 32), max_epochs=60, verbose=0, n_threads=1, interactions=0
)


@pytest.fixture(scope="session")
def additive_data():
    return make_additive(3000, noise=0.2, random_state=0)


@pytest.fixture(scope="session")
def panel_data():
    """400 other rows of the additive task, the panel tests' validation set."""
    return make_additive(400, random_state=7)


@pytest.fixture(scope="session")
def fitted_regressor(additive_data):
    from namwidgets import NAMRegressor

    X, y = additive_data
    return NAMRegressor(random_state=0, n_models=3, **FAST).fit(X, y)


@pytest.fixture(scope="session")
def fitted_classifier():
    from namwidgets import NAMClassifier

    X, y = make_additive(2000, classification=True, random_state=1)
    return NAMClassifier(random_state=0, **FAST).fit(X, y), X, y

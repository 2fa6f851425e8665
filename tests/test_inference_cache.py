"""The float64 inference copy of a model is rebuilt whenever its weights change.

The cache used to be keyed on ``(id(mains), id(pairs), sum of tensor versions)``:
the tests below construct the two ways that key collides with weights that
changed, and check predictions follow the weights.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from namwidgets.model import NAMRegressor


@pytest.fixture()
def fitted():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(-1, 1, 300), "b": rng.uniform(-1, 1, 300)})
    y = np.sin(2 * X.a) + X.b + rng.normal(scale=0.1, size=300)
    model = NAMRegressor(
        interactions=0, max_epochs=3, hidden_sizes=(8,), verbose=0, random_state=0
    ).fit(X, y)
    return model, X


def fresh_predictions(model, X):
    """What the model predicts from its weights now, with no cache at all."""
    again = copy.copy(model)
    del again._inference_cache
    return again.predict(X)


def old_key(model):
    """The key the cache had before: module ids and the sum of tensor versions."""
    pairs = getattr(model, "pair_module_", None)
    tensors = [*model.module_.parameters(), *model.module_.buffers()]
    return (id(model.module_), id(pairs), sum(t._version for t in tensors))


def test_the_copy_is_reused_while_nothing_changes(fitted):
    model, X = fitted
    first = model._inference_module()
    assert model._inference_module() is first
    model.predict(X)
    assert model._inference_module() is first


def test_an_in_place_write_is_seen(fitted):
    model, X = fitted
    before = model.predict(X)
    with torch.no_grad():
        model.module_.nets.w_out.mul_(2.0)
    after = model.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_array_equal(after, fresh_predictions(model, X))


def test_a_tensor_given_new_data_is_seen(fitted):
    # `p.data = ...` (as `module.to()` does) keeps p's object and its version:
    # the old key was unchanged, the predictions stale
    model, X = fitted
    before = model.predict(X)
    key = old_key(model)
    p = model.module_.nets.w_out
    p.data = p.data * 3.0
    assert old_key(model) == key  # the old key collides here
    after = model.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_array_equal(after, fresh_predictions(model, X))


def test_a_replaced_tensor_with_an_equal_version_sum_is_seen(fitted):
    # one parameter replaced by a new one (version 0), another written to as
    # many times as the first had been: the old key's sum comes back the same
    model, X = fitted
    before = model.predict(X)
    key = old_key(model)
    nets = model.module_.nets
    p, q = nets.w_out, nets.w0
    assert p._version > 0
    nets.w_out = torch.nn.Parameter(p.detach() * 3.0)
    with torch.no_grad():
        for _ in range(p._version):
            q.add_(0.0)
    assert old_key(model) == key  # the old key collides here
    after = model.predict(X)
    assert not np.allclose(after, before)
    np.testing.assert_array_equal(after, fresh_predictions(model, X))


def test_a_pickled_or_copied_model_predicts_alike_and_follows_its_weights(fitted):
    model, X = fitted
    before = model.predict(X)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        np.testing.assert_array_equal(other.predict(X), before)
        with torch.no_grad():
            other.module_.nets.w_out.mul_(2.0)
        after = other.predict(X)
        assert not np.allclose(after, before)
        np.testing.assert_array_equal(after, fresh_predictions(other, X))
    np.testing.assert_array_equal(model.predict(X), before)  # the original's own

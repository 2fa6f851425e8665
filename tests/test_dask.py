"""GridSearchCV over a dask.distributed cluster gives the local run's results.

Slow: it starts a two-process ``LocalCluster`` (each worker imports torch).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold

from namwidgets import NAMRegressor
from namwidgets.datasets import make_additive

distributed = pytest.importorskip("dask.distributed")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.slow

PARAMS = {"learning_rate": [1e-2, 3e-2]}


class OneTorchThread(distributed.WorkerPlugin):
    """Give each worker process one torch thread before it runs a task."""

    def setup(self, worker):
        import torch

        torch.set_num_threads(1)


def make_scorers() -> dict:
    """R² plus probes of where a fit ran and of its pairs (pickled by value)."""

    def threads(estimator, X, y):
        import torch

        return float(torch.get_num_threads())

    def pid(estimator, X, y):
        import os

        return float(os.getpid())

    def pairs(estimator, X, y):
        return float(len(estimator.term_names_) - len(estimator.feature_names_))

    return {"r2": "r2", "threads": threads, "pid": pid, "pairs": pairs}


def search() -> GridSearchCV:
    model = NAMRegressor(
        hidden_sizes=(16,),
        max_epochs=5,
        batch_size=64,
        n_threads=1,
        verbose=0,
        random_state=0,
    )
    return GridSearchCV(
        model,
        PARAMS,
        cv=KFold(2, shuffle=True, random_state=0),
        scoring=make_scorers(),
        refit="r2",
        n_jobs=-1,
    )


def test_grid_search_on_a_local_cluster_matches_a_local_run():
    X, y = make_additive(400, random_state=0)
    # a real interaction, so that some fits keep pairs (purely additive data and
    # 5 epochs kept only spurious ones, which the pair keep test now refuses)
    product = (X["smooth"] - X["smooth"].mean()) * (
        X["quadratic"] - X["quadratic"].mean()
    )
    y = y + 2.0 * product.fillna(0.0).to_numpy()
    local = search().set_params(n_jobs=1).fit(X, y)

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.register_plugin(OneTorchThread())
        with joblib.parallel_backend("dask"):
            remote = search().fit(X, y)
        worker_pids = {float(pid) for pid in client.run(os.getpid).values()}

    n = len(PARAMS["learning_rate"])
    for split in (0, 1):
        ran_in = remote.cv_results_[f"split{split}_test_pid"]
        # every fit ran in a worker process, none in this one
        assert os.getpid() not in set(ran_in)
        assert set(ran_in) <= worker_pids
        # ...and each worker had one torch thread (no oversubscription)
        np.testing.assert_array_equal(
            remote.cv_results_[f"split{split}_test_threads"], [1.0] * n
        )
        # Same seeds, same code, one thread per fit, same torch build on the same
        # CPU: the fits are the same computation, so the scores agree to the bit;
        # 1e-12 only absorbs a last-ulp difference should one ever appear.
        np.testing.assert_allclose(
            remote.cv_results_[f"split{split}_test_r2"],
            local.cv_results_[f"split{split}_test_r2"],
            rtol=0,
            atol=1e-12,
        )
        np.testing.assert_array_equal(
            remote.cv_results_[f"split{split}_test_pairs"],
            local.cv_results_[f"split{split}_test_pairs"],
        )
    assert remote.best_params_ == local.best_params_
    # the default fits pairs: some of these fits kept them (so the cluster and the
    # local run agree on fits with pairs, not only on additive ones)
    assert max(local.cv_results_[f"split{s}_test_pairs"].max() for s in (0, 1)) > 0
    # the two settings give different scores, so equal results mean something
    assert np.ptp(local.cv_results_["mean_test_r2"]) > 1e-6

"""n_threads=None follows the CPUs the process may use (issue 15, Threads)."""

from __future__ import annotations

import os

import pytest
import torch

from namwidgets.model._checks import Threads, available_cpus


def _affinity():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@pytest.mark.parametrize(
    "content, expected",
    [
        ("100000 100000\n", 1),
        ("150000 100000\n", 2),  # 1.5 CPUs: two threads, the second half-used
        ("50000 100000\n", 1),  # half a CPU: still one thread
        ("max 100000\n", None),  # no quota: the affinity mask decides
    ],
)
def test_cgroup_v2_quota(tmp_path, content, expected):
    (tmp_path / "cpu.max").write_text(content)
    want = _affinity() if expected is None else min(expected, _affinity())
    assert available_cpus(str(tmp_path)) == want


def test_cgroup_v1_quota(tmp_path):
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("200000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert available_cpus(str(tmp_path)) == min(2, _affinity())
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")  # unlimited
    assert available_cpus(str(tmp_path)) == _affinity()


def test_no_cgroup_files(tmp_path):
    assert available_cpus(str(tmp_path / "absent")) == _affinity()


def test_default_threads_are_capped_by_the_quota(tmp_path, monkeypatch):
    import namwidgets.model._checks as checks

    monkeypatch.setattr(checks, "available_cpus", lambda: 1)
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with Threads(None):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with Threads(2):  # an explicit n_threads is the user's choice
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)


def test_training_defaults_to_one_thread_prediction_to_the_cpus(monkeypatch):
    import namwidgets.model._checks as checks

    monkeypatch.setattr(checks, "available_cpus", lambda: 2)
    monkeypatch.setattr(checks, "_busy", lambda cpus: False)
    old = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with Threads(None, fit=True):
            assert torch.get_num_threads() == 1
        with Threads(None):
            assert torch.get_num_threads() == 2
        with Threads(2, fit=True):  # the user's choice wins
            assert torch.get_num_threads() == 2
        monkeypatch.setattr(checks, "_busy", lambda cpus: True)
        with Threads(None):  # other work on the CPUs: threads would spin-wait
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(old)


def test_predictions_identical_across_thread_counts(additive_data):
    import numpy as np
    import pandas as pd

    from namwidgets import NAMRegressor

    X, y = additive_data
    model = NAMRegressor(max_epochs=3, n_threads=1, random_state=0, verbose=0)
    model.fit(X, y)
    big = pd.concat([X] * 20, ignore_index=True)  # chunks worth threads
    one = model.predict(big)
    contrib = model.contributions_array(big)
    model.set_params(n_threads=2)
    np.testing.assert_array_equal(model.predict(big), one)
    np.testing.assert_array_equal(model.contributions_array(big), contrib)

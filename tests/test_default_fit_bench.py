"""benchmarks/default_fit.py reads a fit's history_ over all its stages.

A fit with pairs appends the pair and joint stages' records to history_, each
stage's ``time`` restarting at 0: the time to within 2% of the best must sum the
stages, or a best reached in the pairs stage would look faster than the main
effects alone.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "default_fit.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("default_fit", BENCH)
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


HISTORY = [
    {"epoch": 1, "valid_score": 0.60, "time": 1.0},
    {"epoch": 2, "valid_score": 0.55, "time": 2.0},
    {"epoch": 1, "valid_score": 0.50, "time": 0.5, "stage": "pairs"},
    {"epoch": 2, "valid_score": 0.45, "time": 1.5, "stage": "pairs"},
    {"epoch": 1, "valid_score": 0.44, "time": 0.25, "stage": "joint"},
]


def test_elapsed_sums_the_stages(bench):
    assert bench.elapsed(HISTORY) == [1.0, 2.0, 2.5, 3.5, 3.75]
    assert bench.elapsed(HISTORY[:2]) == [1.0, 2.0]


def test_resumed_main_records_after_the_pair_stage_sum_on(bench):
    # no pair kept: the main effects resume after the pair stage, their time
    # restarting at 0
    history = [
        {"epoch": 1, "valid_score": 0.6, "time": 1.0},
        {"epoch": 1, "valid_score": 0.7, "time": 0.5, "stage": "pairs"},
        {"epoch": 2, "valid_score": 0.5, "time": 0.25, "resumed": True},
    ]
    assert bench.elapsed(history) == [1.0, 1.5, 1.75]
    assert bench.time_to_within(history, 0.5) == (1.75, 3)


def test_time_to_within_counts_from_the_fit_start(bench):
    assert bench.time_to_within(HISTORY, 0.445) == (3.5, 4)  # 0.45 <= 1.02 * 0.445
    assert bench.time_to_within(HISTORY, 0.44) == (3.75, 5)
    assert bench.time_to_within(HISTORY, 0.55) == (2.0, 2)
    assert bench.time_to_within(HISTORY[:2], 0.1) == (math.inf, 0)
    # a record without a validation score (an interrupted one) never counts
    assert bench.time_to_within([{"epoch": 1, "time": 1.0}], 1.0) == (math.inf, 0)


def test_big_data_is_the_same_task_every_call(bench):
    a, b = bench.big_data(1000), bench.big_data(1000)
    for x, y in zip(a, b):
        assert (x == y).all()
    X_tr, X_te, y_tr, y_te = a
    assert X_tr.shape == (1000, 8) and X_te.shape == (20_000, 8)
    assert y_tr.shape == (1000,) and y_te.shape == (20_000,)


@pytest.mark.slow
def test_the_profile_accounts_for_the_whole_fit(bench, capsys):
    bench.profile_fit(3000, 1)
    out = capsys.readouterr().out
    rows = [r for r in out.splitlines() if r.startswith("| ") and "---" not in r]
    parts = {r.split(" | ")[0][2:]: float(r.split(" | ")[2]) for r in rows[1:]}
    total = parts.pop("**total fit**")
    assert parts["main: training steps"] > 0 and parts["pair search (FAST)"] > 0
    # the parts add up to the fit (other is the rest, never negative)
    assert parts["other (encoding, knots, split, pair module)"] >= 0
    assert abs(sum(parts.values()) - total) < 0.05 + 0.01 * total

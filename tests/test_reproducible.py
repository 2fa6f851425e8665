"""A seeded fit with pairs is the same model in any process.

Each fit runs in a fresh interpreter with its own ``PYTHONHASHSEED`` (so any
iteration over a set of names or pairs, or ``hash()`` of a string, would differ)
and its own BLAS/OpenMP thread count; the predictions must agree to the bit.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

FIT = """
import sys
import numpy as np
import pandas as pd
from namwidgets import NAMRegressor

rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "d"])
X["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], 300))
y = X["a"] + np.sin(X["b"]) + 2 * X["c"] * X["d"] + 0.1 * rng.normal(size=300)
# 20 epochs: at 5 the main effects are so under-trained that what the pairs
# keep of a pure interaction after purification sits at the keep test's edge
model = NAMRegressor(
    hidden_sizes=(16,), max_epochs=20, batch_size=64, verbose=0,
    random_state=0, interactions=sys.argv[1],
).fit(X, y)
np.save(sys.argv[2], model.predict(X))
print("|".join(model.term_names_[len(model.feature_names_):]))
"""


def start_fit(tmp_path: Path, tag: str, hash_seed: str, threads: str):
    """Start a fit in a fresh interpreter; returns the process and its output path."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONHASHSEED": hash_seed,
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
    }
    out = tmp_path / f"{tag}.npy"
    proc = subprocess.Popen(
        [sys.executable, "-c", FIT, "auto", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out


def finish_fit(proc: subprocess.Popen, out: Path):
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    return np.load(out), stdout.strip().split("|")


@pytest.mark.slow  # two fresh interpreters, ~10 s
def test_a_fit_with_pairs_is_the_same_under_other_hash_seeds_and_threads(tmp_path):
    # both at once: each is mostly importing torch
    runs = [
        start_fit(tmp_path, "a", "0", "1"),
        start_fit(tmp_path, "b", "4242", "2"),
    ]
    (first, pairs_a), (second, pairs_b) = (finish_fit(*run) for run in runs)
    # the fit kept pairs (else this would only compare additive models)
    assert pairs_a != [""]
    assert pairs_b == pairs_a
    np.testing.assert_array_equal(second, first)

"""The release as a stranger gets it: the built sdist and wheel, and the floors.

Both tests are slow (they build, make venvs and, for the floors, download
packages from the registry), so CI runs them with the other slow tests. Each venv
is made with ``--system-site-packages``: torch (2.13.0, on disk) and the test
tools come from the machine, and pip never resolves another torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

import namwidgets

ROOT = Path(__file__).resolve().parents[1]
FLOORS = ROOT / "requirements" / "floors.txt"
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"

pytestmark = pytest.mark.slow

# fit, predict, save, load: what the README's quickstart does, small and fast
QUICKSTART = textwrap.dedent(
    """
    import json, sys, tempfile
    from pathlib import Path

    import numpy as np
    import namwidgets
    from namwidgets.datasets import make_additive

    X, y = make_additive(400, random_state=0)
    model = namwidgets.NAMRegressor(
        hidden_sizes=(8,), max_epochs=3, verbose=0, n_threads=1, random_state=0
    ).fit(X, y)
    pred = model.predict(X)
    path = Path(tempfile.mkdtemp()) / "model.nam"
    model.save(path)
    again = namwidgets.load(path).predict(X)
    print(json.dumps({
        "file": namwidgets.__file__,
        "version": namwidgets.__version__,
        "n_pred": int(pred.shape[0]),
        "round_trip": bool(np.array_equal(pred, again)),
        "finite": bool(np.isfinite(pred).all()),
    }))
    """
)


def run(cmd: list[str], cwd: Path, timeout: float, **kwargs) -> str:
    """Run a command; on failure, fail the test with its output."""
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", OMP_NUM_THREADS="1")
    env.update(MKL_NUM_THREADS="1", PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {done.returncode}\n"
            f"--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-6000:]}"
        )
    return done.stdout


def make_venv(path: Path) -> Path:
    """A venv that sees the machine's packages; returns its python."""
    run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(path)],
        path.parent,
        120,
    )
    return path / "bin" / "python"


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], ROOT, 600)
    wheels = list(out.glob("namwidgets-*.whl"))
    sdists = list(out.glob("namwidgets-*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_wheel_and_sdist_are_complete_and_pass_twine(dists):
    run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dists.values())],
        ROOT,
        300,
    )
    version = namwidgets.__version__
    assert dists["wheel"].name == f"namwidgets-{version}-py3-none-any.whl"

    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = whl.namelist()
        info = f"namwidgets-{version}.dist-info"
        assert "namwidgets/py.typed" in names
        # the drag widget's front end ships inside the package (no CDN)
        assert "namwidgets/widget/static/drag.js" in names
        assert f"{info}/licenses/LICENSE" in names
        metadata = whl.read(f"{info}/METADATA").decode()
        licence = whl.read(f"{info}/licenses/LICENSE").decode()
    assert "License-Expression: BSD-3-Clause" in metadata
    assert f"Version: {version}\n" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "Classifier: Programming Language :: Python :: 3.10" in metadata
    assert "Project-URL: Source," in metadata
    assert licence.startswith("BSD 3-Clause License")
    assert "namwidgets developers" in licence
    assert not any(n.startswith(("tests/", "docs/", "benchmarks/")) for n in names)

    with tarfile.open(dists["sdist"]) as sdist:
        members = sdist.getnames()
    top = f"namwidgets-{version}"
    for wanted in ("LICENSE", "pyproject.toml", "README.md", "namwidgets/py.typed"):
        assert f"{top}/{wanted}" in members, wanted


def test_installed_wheel_runs_the_quickstart_outside_the_repo(dists, tmp_path):
    python = make_venv(tmp_path / "venv")
    run(
        [str(python), "-m", "pip", "install", "--no-deps", str(dists["wheel"])],
        tmp_path,
        300,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = json.loads(
        run([str(python), "-c", QUICKSTART], outside, 600).splitlines()[-1]
    )
    installed = Path(result["file"]).resolve()
    # the copy inside the venv, not the checkout (nor an editable install of it)
    assert installed.is_relative_to((tmp_path / "venv").resolve()), installed
    assert not installed.is_relative_to(ROOT), installed
    assert result["version"] == namwidgets.__version__
    assert result["n_pred"] == 400
    assert result["finite"] and result["round_trip"]


# the representative subset the floors must pass: model, session and charts
FLOOR_TESTS = ["tests/test_model.py", "tests/test_session.py", "tests/test_charts.py"]


def read_floors() -> dict[str, str]:
    """requirements/floors.txt as {name: version}."""
    pins = {}
    for raw in FLOORS.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_floors_file_matches_pyproject_floors():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    from packaging.requirements import Requirement

    floors = read_floors()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    lower = {}
    for text in deps:
        req = Requirement(text)
        (spec,) = [s for s in req.specifier if s.operator == ">="]
        lower[req.name.lower()] = spec.version
    for name in (
        "numpy",
        "pandas",
        "scikit-learn",
        "altair",
        "ipywidgets",
        "anywidget",
    ):
        assert floors[name].startswith(lower[name]), (name, floors[name], lower[name])
    assert floors["torch"] == "2.13.0"  # the wheel on disk (constraints.txt)
    assert "torch==2.13.0" in CONSTRAINTS.read_text()


def test_dependency_floors(tmp_path):
    """The oldest supported versions pass the model, session and chart tests."""
    python = make_venv(tmp_path / "floors")
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    run([*pip, "-r", str(FLOORS), "-c", str(CONSTRAINTS)], tmp_path, 900)
    run([*pip, "--no-deps", str(ROOT)], tmp_path, 300)
    names = sorted(read_floors())
    probe = (
        "import json, importlib.metadata as m; "
        f"print(json.dumps({{n: m.version(n) for n in {names!r}}}))"
    )
    versions = json.loads(run([str(python), "-c", probe], tmp_path, 60))
    assert versions == read_floors() | {"torch": versions["torch"]}
    assert versions["torch"].startswith("2.13.0")  # the machine's, not a new download
    # run from a copy of the tests only, so that `import namwidgets` is the
    # installed package and its (floor) dependencies
    tests = tmp_path / "tests"
    tests.mkdir()
    for name in ["conftest.py", *[Path(p).name for p in FLOOR_TESTS]]:
        (tests / name).write_text((ROOT / "tests" / name).read_text())
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    out = run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        tmp_path,
        900,
    )
    assert " passed" in out and " failed" not in out, out[-2000:]

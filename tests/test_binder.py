"""binder/ must install what pyproject.toml declares: same packages, pins in range."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as a package
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
TORCH_CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"
LOCAL_PACKAGE = {".", "-e ."}  # the project itself, from the repository root


def declared(pyproject: dict) -> dict[str, SpecifierSet]:
    """Runtime and ``demo`` dependencies of a parsed pyproject.toml, by name."""
    project = pyproject["project"]
    reqs = list(project["dependencies"])
    reqs += project.get("optional-dependencies", {}).get("demo", [])
    out: dict[str, SpecifierSet] = {}
    for text in reqs:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        out[name] = out.get(name, SpecifierSet()) & req.specifier
    return out


def parse_binder(lines: list[str]) -> tuple[dict[str, Version], list[str], list[str]]:
    """Split a requirements file into pins, option lines and local-path lines.

    Raises ValueError naming the line for anything that is not an exact pin.
    """
    pins: dict[str, Version] = {}
    options, local = [], []
    for number, raw in enumerate(lines, 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line in LOCAL_PACKAGE:
            local.append(line)
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        req = Requirement(line)
        specs = list(req.specifier)
        if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
            raise ValueError(f"line {number}: {line!r} is not an exact '==' pin")
        name = canonicalize_name(req.name)
        if name in pins:
            raise ValueError(f"line {number}: {req.name} is pinned twice")
        pins[name] = Version(specs[0].version)
    return pins, options, local


def mismatches(want: dict[str, SpecifierSet], pins: dict[str, Version]) -> list[str]:
    """Every way the pins differ from the declared dependencies (empty: none)."""
    problems = [
        f"{name} is declared in pyproject.toml but not pinned in binder"
        for name in sorted(set(want) - set(pins))
    ]
    problems += [
        f"{name} is pinned in binder but not declared in pyproject.toml"
        for name in sorted(set(pins) - set(want))
    ]
    problems += [
        f"{name}=={pins[name]} is outside pyproject's range {want[name]}"
        for name in sorted(set(want) & set(pins))
        if not want[name].contains(pins[name], prereleases=True)
    ]
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def binder() -> tuple[dict[str, Version], list[str], list[str]]:
    return parse_binder((BINDER / "requirements.txt").read_text().splitlines())


def test_binder_pins_exactly_the_declared_dependencies(pyproject, binder):
    pins, _, _ = binder
    want = declared(pyproject)
    assert "torch" in want and "jupyterlab" in want  # both groups were read
    assert mismatches(want, pins) == []


def test_binder_installs_cpu_torch_and_the_package_itself(binder):
    pins, options, local = binder
    assert options == [TORCH_CPU_INDEX]
    assert pins["torch"].local == "cpu"  # only the CPU index has +cpu builds
    assert len(local) == 1
    lines = [
        s
        for s in (BINDER / "requirements.txt").read_text().splitlines()
        if s.strip() and not s.lstrip().startswith("#")
    ]
    assert lines[-1].strip() in LOCAL_PACKAGE  # after every dependency


def test_runtime_matches_requires_python(pyproject):
    runtime = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", runtime)
    assert match, f"binder/runtime.txt should read python-X.Y, got {runtime!r}"
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    assert requires.contains(Version(match.group(1)))


def test_postbuild_is_an_executable_script():
    post = BINDER / "postBuild"
    if not post.exists():
        pytest.skip("no binder/postBuild")
    assert post.read_text().startswith("#!")
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"


# ------------------------------------------- the checks above can fail


WANT = {"numpy": SpecifierSet(">=1.26"), "torch": SpecifierSet(">=2.2")}


def test_mismatches_names_a_dependency_missing_from_binder():
    pins = {"numpy": Version("2.0")}
    assert mismatches(WANT, pins) == [
        "torch is declared in pyproject.toml but not pinned in binder"
    ]


def test_mismatches_names_a_pin_pyproject_does_not_declare():
    pins = {"numpy": Version("2.0"), "torch": Version("2.13.0+cpu")}
    pins["seaborn"] = Version("0.13.2")
    assert mismatches(WANT, pins) == [
        "seaborn is pinned in binder but not declared in pyproject.toml"
    ]


def test_mismatches_names_a_pin_outside_the_range():
    pins = {"numpy": Version("1.24.0"), "torch": Version("2.13.0+cpu")}
    assert mismatches(WANT, pins) == [
        "numpy==1.24.0 is outside pyproject's range >=1.26"
    ]


def test_parse_binder_normalises_names_and_refuses_loose_pins():
    pins, options, local = parse_binder(
        ["# comment", "", "--extra-index-url X", "Scikit_Learn==1.9.1", "."]
    )
    assert pins == {"scikit-learn": Version("1.9.1")}
    assert (options, local) == (["--extra-index-url X"], ["."])
    with pytest.raises(ValueError, match="line 1: 'numpy>=2' is not an exact"):
        parse_binder(["numpy>=2"])
    with pytest.raises(ValueError, match="pinned twice"):
        parse_binder(["numpy==2.0", "NumPy==2.1"])

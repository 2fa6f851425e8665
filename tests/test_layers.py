"""The layer contract of DESIGN.md, enforced: no private name crosses a package.

A *package* here is one subpackage of ``namwidgets`` (``model``, ``explain``,
``edit``, ``charts``, ``widget``) or the top-level modules together. Inside a
package, private names (one leading underscore) are free; across packages:

* no import of a private module (``from ..model._io import ...``) or a private
  name (``from ..edit import _helper``);
* no attribute access ``obj._name`` where ``_name`` is not defined in the
  package doing the access (a private attribute of another package's object).

And the model layer loads no widget code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "namwidgets"
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())

# Private names of third-party objects that we read on purpose, each with why.
THIRD_PARTY = {
    "_version": "torch.Tensor._version, the in-place version counter: the cheap "
    "way to see that a weight changed",
    "_repr_mimebundle_": "IPython's display protocol",
    "_ipython_display_": "IPython's display protocol",
    "_repr_html_": "IPython's display protocol",
    "_esm": "anywidget's front-end module trait",
    "_css": "anywidget's style trait",
}


def package_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0] if len(rel.parts) > 1 else "<top>"


def modules() -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        out.setdefault(package_of(path), []).append(path)
    return out


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def resolve(path: Path, node: ast.ImportFrom) -> list[str]:
    """The dotted parts, below ``namwidgets``, of a relative or absolute import."""
    if node.level == 0:
        parts = (node.module or "").split(".")
        return parts[1:] if parts[0] == "namwidgets" else []
    here = list(path.relative_to(ROOT).parts[:-1])
    if node.level > 1:
        here = here[: len(here) - (node.level - 1)]
    return here + ((node.module or "").split(".") if node.module else [])


def defined_names(paths: list[Path]) -> set[str]:
    """Every name a package defines: functions, classes, attributes it assigns."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return names


def violations() -> list[str]:
    found = []
    mods = modules()
    for package, paths in mods.items():
        own = defined_names(paths)
        for path in paths:
            rel = path.relative_to(ROOT.parent)
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom):
                    parts = resolve(path, node)
                    if not parts or not parts[0]:
                        continue
                    target = parts[0] if parts[0] in PACKAGES else "<top>"
                    if target == package:
                        continue
                    private_mod = [p for p in parts if is_private(p)]
                    private_names = [a.name for a in node.names if is_private(a.name)]
                    if private_mod or private_names:
                        found.append(
                            f"{rel}:{node.lineno}: imports "
                            f"{'.'.join(parts)}:{[a.name for a in node.names]} "
                            f"from package {target!r}"
                        )
                elif isinstance(node, ast.Attribute) and is_private(node.attr):
                    base = node.value
                    if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                        continue
                    if isinstance(base, ast.Call) and getattr(base.func, "id", "") in (
                        "super",
                        "type",
                    ):
                        continue
                    if node.attr in own or node.attr in THIRD_PARTY:
                        continue
                    found.append(
                        f"{rel}:{node.lineno}: reads private attribute "
                        f"{ast.unparse(node)!r}, defined outside package {package!r}"
                    )
    return found


def test_no_private_name_crosses_a_package_boundary():
    assert PACKAGES, "found no subpackages: the check would pass vacuously"
    found = violations()
    assert not found, "\n".join(found)


def test_the_check_catches_a_private_import_and_a_private_attribute(tmp_path):
    # the checker itself must be able to fail: feed it a module that breaks both
    bad = ROOT / "edit" / "_layer_probe_tmp.py"
    bad.write_text(
        "from ..model._encoder import MISSING_LABEL\n\n"
        "def f(session):\n    return session._not_defined_anywhere_xyz\n"
    )
    try:
        found = violations()
    finally:
        bad.unlink()
    assert any("_layer_probe_tmp.py:1: imports model._encoder" in f for f in found)
    assert any("_not_defined_anywhere_xyz" in f for f in found)


@pytest.mark.parametrize("module", ["namwidgets.model", "namwidgets.edit"])
def test_the_model_and_edit_layers_load_no_widget_code(module):
    code = (
        f"import sys, numpy as np; import {module}\n"
        "from namwidgets.model import NAMRegressor\n"
        "X = np.random.default_rng(0).normal(size=(60, 2))\n"
        "NAMRegressor(max_epochs=2, verbose=1, random_state=0).fit(X, X[:, 0])\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'ipywidgets', 'altair', 'IPython', 'anywidget', 'traitlets'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"{module} imported {out.stdout.strip()}"

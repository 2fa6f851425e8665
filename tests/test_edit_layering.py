"""The edit and explain layers use no private name of another package."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import namwidgets

ROOT = Path(namwidgets.__file__).parent
LAYERS = ["edit", "explain"]
# the objects of another package these layers hold (a model, an encoder, ...)
FOREIGN = {"model", "estimator", "base", "enc", "encoder", "m", "new_model"}


def _modules(layer):
    return sorted((ROOT / layer).glob("*.py"))


@pytest.mark.parametrize("path", [p for layer in LAYERS for p in _modules(layer)])
def test_no_private_name_crosses_a_package_boundary(path):
    layer = path.parent.name
    tree = ast.parse(path.read_text())
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            inside = node.level == 1  # from ._x import ...: the same subpackage
            ours = node.level >= 2 or parts[0] == "namwidgets"
            if not ours:
                continue
            private = [p for p in parts if p.startswith("_") and not p.startswith("__")]
            if not inside and private:
                bad.append(f"line {node.lineno}: from {'.' * node.level}{node.module}")
            if not inside:
                bad += [
                    f"line {node.lineno}: imports {a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id in FOREIGN
        ):
            bad.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not bad, f"{layer}/{path.name}: {bad}"


def test_the_check_can_fail(tmp_path):
    src = "from ..model._encoder import MISSING_LABEL\nx = model._frame(X)\n"
    tree = ast.parse(src)
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    attrs = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    assert imports[0].module == "model._encoder" and attrs[0].attr == "_frame"

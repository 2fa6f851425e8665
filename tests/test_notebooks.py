"""Every notebook in notebooks/ runs top to bottom without an error.

A new notebook is picked up automatically. Notebooks that need the datasets in
../shared/data stop cleanly where they are absent, so they must pass either way.
The executed copies stay in memory: nothing is written back to the repository.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# notebooks that load a dataset guard their later cells with DATA_OK
NEEDS_DATA = [p for p in NOTEBOOKS if "DATA_OK" in p.read_text()]
# a warning raised inside the package, as Python prints it on stderr
OWN_WARNING = re.compile(r"namwidgets[/\\]\S+\.py:\d+: \w*Warning")
# a deprecated name of the package used by a notebook (the warning points at the
# notebook's cell, not at the package): a lesson should teach the current API
OWN_DEPRECATION = re.compile(r"DeprecationWarning: [^\n]*namwidgets")
# run first, this makes every dataset look absent, as on a machine without them
HIDE_DATA = """
import namwidgets.datasets as _datasets


def _absent(name, path=None):
    raise _datasets.DatasetNotFoundError(f"{name} is hidden by the test")


_datasets.find_data_file = _absent


def _offline(url, dest, timeout=30.0):
    raise OSError("no network: tests never fetch")


_datasets.download = _offline
"""


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _execute(nb: nbformat.NotebookNode) -> None:
    """Run a notebook in a fresh kernel that imports this checkout's namwidgets.

    The kernel starts in notebooks/, where ``import namwidgets`` would find
    whatever copy is installed (an editable install may point at another
    checkout), so the repository root goes first on its PYTHONPATH.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), old]))
    try:
        client.execute()  # raises CellExecutionError on the first failing cell
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old


def problems_in(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs, tracebacks and package warnings in an executed notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {index}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = out.get("text", "")
                if (
                    "Traceback" in text
                    or OWN_WARNING.search(text)
                    or OWN_DEPRECATION.search(text)
                ):
                    found.append(f"cell {index}: stderr: {text[:500]}")
    return found


WIDGET = "application/vnd.jupyter.widget-view+json"
PICTURES = ("image/png", "image/svg+xml")


def pictures_of(nb: nbformat.NotebookNode) -> tuple[int, list[str]]:
    """How many widget outputs carry a static picture, and those that do not.

    A chart widget's output must hold a PNG or SVG of it beside the widget, a
    container's (the panel's) an HTML figure of its charts: what GitHub,
    nbviewer or a printout shows (``namwidgets.charts.static_figures``).
    """
    n, bare = 0, []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET not in data:
                continue
            html = data.get("text/html", "")
            if any(k in data for k in PICTURES) or "data:image/png" in html:
                n += 1
            else:
                bare.append(f"cell {index}: {data.get('text/plain', '')[:60]}")
    return n, bare


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert "01_quickstart.ipynb" in names, f"found {sorted(names)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_clean(path):
    """Valid nbformat, a python3 kernel, and no outputs saved in the file."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; clear them"
    assert "widgets" not in nb.metadata, f"{path.name} carries saved widget state"


@pytest.mark.slow
def test_notebooks_import_this_checkout():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import namwidgets\nnamwidgets.__file__")]
    )
    _execute(nb)
    where = nb.cells[0].outputs[0]["data"]["text/plain"].strip("'\"")
    assert Path(where).resolve() == REPO_ROOT / "namwidgets" / "__init__.py"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs(path):
    nb = nbformat.read(path, as_version=4)
    _execute(nb)
    ran = [c for c in nb.cells if c.cell_type == "code" and c.execution_count]
    assert len(ran) == sum(c.cell_type == "code" for c in nb.cells)
    assert problems_in(nb) == []
    n_pictures, bare = pictures_of(nb)
    assert bare == [], f"widgets without a static picture: {bare}"
    assert n_pictures >= 1, "the notebook shows no figure"


@pytest.mark.slow
@pytest.mark.parametrize("path", NEEDS_DATA, ids=_ids(NEEDS_DATA))
def test_notebook_stops_cleanly_without_its_data(path):
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(HIDE_DATA))
    _execute(nb)
    assert problems_in(nb) == []
    said = [
        i
        for i, cell in enumerate(nb.cells)
        if any(
            "hidden by the test" in o.get("text", "") for o in cell.get("outputs", [])
        )
    ]
    assert len(said) == 1, "the notebook should print why it stops, once"
    after = [
        i for i, cell in enumerate(nb.cells) if i > said[0] and cell.get("outputs")
    ]
    assert after == [], f"cells {after} ran past the missing data"


def asserts_without_message(nb: nbformat.NotebookNode) -> list[str]:
    """Every ``assert`` in the code cells, as "cell i: source", that has no message."""
    bare = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Assert) and node.msg is None:
                bare.append(f"cell {index}: {ast.unparse(node)[:80]}")
    return bare


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_checks_its_claims(path):
    """Claims in the text are computed and asserted, each assert saying why."""
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    n_asserts = sum(isinstance(n, ast.Assert) for n in ast.walk(ast.parse(code)))
    assert n_asserts >= 3, f"{path.name} asserts {n_asserts} claims"
    assert asserts_without_message(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_ends_with_exercises(path):
    """A lesson asks the reader to predict, practise and go on."""
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    assert "Exercises" in headings, f"{path.name} has no Exercises section"
    assert any(h.lower().startswith("what to try next") for h in headings), headings
    assert "Predict, then run" in text, f"{path.name} has no predict-then-run prompt"
    last = [c for c in nb.cells if c.cell_type == "markdown"][-1].source
    assert "try next" in last.lower(), f"{path.name} should end with what to try next"


def test_asserts_without_message_finds_bare_asserts():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("assert x"),
            nbformat.v4.new_code_cell("assert a > 1, 'why'\nassert b"),
        ]
    )
    assert asserts_without_message(nb) == ["cell 1: assert b"]


def test_problems_in_reports_errors_tracebacks_and_package_warnings():
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="KeyError", evalue="'a'", traceback=[]),
        nbformat.v4.new_output("stream", name="stderr", text="Traceback (most ..."),
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="/x/namwidgets/charts.py:12: UserWarning: odd\n",
        ),
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text="/tmp/ipykernel_1/2.py:3: DeprecationWarning: "
            "namwidgets.charts.x_chart "
            "is deprecated\n",
        ),
        nbformat.v4.new_output(
            "stream", name="stderr", text="x.py:1: DeprecationWarning: other lib\n"
        ),
        nbformat.v4.new_output("stream", name="stderr", text="progress 10%\n"),
        nbformat.v4.new_output("stream", name="stdout", text="Traceback as text\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    found = problems_in(nb)
    assert len(found) == 4
    assert found[0] == "cell 0: KeyError: 'a'"
    assert "Traceback" in found[1] and "UserWarning" in found[2]
    assert "namwidgets.charts.x_chart" in found[3]


def test_pictures_of_finds_widgets_without_a_picture():
    def shown(data):
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        return cell

    view = {"model_id": "1", "version_major": 2, "version_minor": 0}
    nb = nbformat.v4.new_notebook(
        cells=[
            shown({WIDGET: view, "text/plain": "<JupyterChart>"}),
            shown({WIDGET: view, "image/png": "iVBOR", "text/plain": "c"}),
            shown({WIDGET: view, "text/html": '<img src="data:image/png;base64,i">'}),
            shown({"text/plain": "no widget"}),
        ]
    )
    assert pictures_of(nb) == (2, ["cell 0: <JupyterChart>"])

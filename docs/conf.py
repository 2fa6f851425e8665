"""Sphinx configuration for the namwidgets documentation (``make docs``).

The API reference is generated from each public module's ``__all__`` (for
``namwidgets.datasets``, which has none: the public functions defined in it), so
it follows the code: one page per public name. The notebooks are executed at
every build by myst-nb; their widgets (Altair ``JupyterChart`` and the panel)
are shown as static PNG figures by ``_ext/static_figures.py``.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shutil
import sys
import tempfile
import typing
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import nbclient  # noqa: E402

import namwidgets  # noqa: E402

# modules of the API reference, in reading order
API_MODULES = [
    "namwidgets",
    "namwidgets.model",
    "namwidgets.explain",
    "namwidgets.edit",
    "namwidgets.charts",
    "namwidgets.widget",
    "namwidgets.datasets",
    "namwidgets.exceptions",
    "namwidgets.protocol",
]


def public_names(module_name: str) -> list[str]:
    """A module's public names: its ``__all__``, else what it defines itself."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module_name
        ]
    return sorted(names, key=lambda n: (n.startswith("_"), n.lower()))


def home_module(name: str, value: object) -> str:
    """The module whose page documents ``value`` in full (indexed, linkable).

    A public name is often exported by several modules (``namwidgets`` re-exports
    ``NAMRegressor`` from ``namwidgets.model``; ``namwidgets.edit`` re-exports
    ``EditError`` from ``namwidgets.exceptions``). Its home is the listed module
    its definition lives under; every other page of it is a short alias page.
    """
    defined_in = getattr(value, "__module__", None) or ""
    candidates = [m for m in API_MODULES if name in public_names(m)]
    for module_name in sorted(candidates, key=len, reverse=True):
        if module_name != "namwidgets" and defined_in.startswith(module_name):
            return module_name
    subpackages = [m for m in candidates if m != "namwidgets"]
    return subpackages[0] if subpackages else candidates[0]


def summary_line(value: object) -> str:
    """The first line of an object's docstring (empty for plain data)."""
    if not (inspect.isclass(value) or callable(value) or inspect.ismodule(value)):
        return ""
    doc = inspect.getdoc(value) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def object_page(module_name: str, name: str, value: object) -> str:
    """The rst of one public name's page."""
    full = f"{module_name}.{name}"
    lines = [full.replace("_", r"\_"), "=" * (len(full) + full.count("_")), ""]
    lines += [f".. currentmodule:: {module_name}", ""]
    home = home_module(name, value)
    options = []
    if home != module_name:
        lines += [
            f"The same object as :py:obj:`{home}.{name}`, re-exported here; "
            f"its :doc:`page <{home}.{name}>` is the one to link to.",
            "",
        ]
        options.append("   :no-index:")
    if inspect.isclass(value):
        directive = "autoclass"
        options += ["   :members:", "   :inherited-members:", "   :show-inheritance:"]
    elif inspect.isfunction(value) or inspect.isbuiltin(value):
        directive = "autofunction"
    elif typing.get_origin(value) is not None:
        # a type alias (``Literal[...]``, ``dict[str, ...]``): autodoc cannot
        # format it as data, so it is declared with its value
        lines += [f".. py:data:: {name}", f"   :value: {value!r}", *options, ""]
        lines += ["   A type alias, for annotations.", ""]
        return "\n".join(lines)
    else:
        directive = "autodata"
    lines += [f".. {directive}:: {name}", *options, ""]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    """Write a generated page only when it changed (keeps rebuilds incremental)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_api_pages() -> None:
    """Write docs/api/<module>.rst and docs/api/generated/<module>.<name>.rst."""
    for module_name in API_MODULES:
        module = importlib.import_module(module_name)
        names = public_names(module_name)
        title = f"``{module_name}``"
        lines = [title, "=" * len(title), ""]
        lines += [f".. automodule:: {module_name}", "   :no-members:", ""]
        lines += [".. list-table::", "   :widths: 30 70", ""]
        for name in names:
            value = getattr(module, name)
            lines += [
                f"   * - :doc:`{name} <generated/{module_name}.{name}>`",
                f"     - {summary_line(value)}",
            ]
            write(
                DOCS / "api" / "generated" / f"{module_name}.{name}.rst",
                object_page(module_name, name, value),
            )
        lines += ["", ".. toctree::", "   :hidden:", ""]
        lines += [f"   generated/{module_name}.{name}" for name in names]
        write(DOCS / "api" / f"{module_name}.rst", "\n".join(lines) + "\n")


write_api_pages()

# The notebook kernels load _ext/static_figures.py at start-up, from a throwaway
# IPython profile: the build never touches the user's own profile.
_ipython_dir = Path(tempfile.mkdtemp(prefix="namwidgets-docs-ipython-"))
(_ipython_dir / "profile_default" / "startup").mkdir(parents=True)
shutil.copy(
    DOCS / "_ext" / "static_figures.py",
    _ipython_dir / "profile_default" / "startup" / "00-static-figures.py",
)
os.environ["IPYTHONDIR"] = str(_ipython_dir)
# The notebooks call namwidgets.charts.static_figures() for GitHub and nbviewer;
# on this site the pictures stand in place of the widgets (no widget state here).
os.environ["NAMWIDGETS_STATIC_FIGURES"] = "only"
# ...and import this checkout's namwidgets, as autodoc does (sys.path above), not
# whatever an editable install elsewhere points to
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

project = "namwidgets"
author = "namwidgets developers"
copyright = "2026, namwidgets developers"  # noqa: A001 - Sphinx's name
release = namwidgets.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]
exclude_patterns = ["_build", "jupyter_execute", ".gitignore", "_ext"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# autodoc / autosummary / numpydoc
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# a public class, function or method without a docstring fails the build
numpydoc_validation_checks = {"GL08"}
numpydoc_validation_exclude = {r"\.__\w+__$", r"\._\w+$"} | {
    # plain data (a constant, a type alias) has no docstring of its own
    rf"^{re.escape(m)}\.{re.escape(n)}$"
    for m in API_MODULES
    for n in public_names(m)
    if not (
        inspect.isclass(v := getattr(importlib.import_module(m), n))
        or inspect.isroutine(v)
    )
}
# numpydoc links an attribute's name to its member; a protocol attribute and the
# estimators' implementation of it share a short name ("link"), which Sphinx
# reports as ambiguous (type ref.python) though both targets are right.
suppress_warnings = ["ref.python"]

# notebooks: executed at every build, errors fail it
nb_execution_mode = "force"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True


# Widgets are drawn as static figures (see _ext/static_figures.py), so the pages
# need neither the widgets' saved state (megabytes: each JupyterChart carries its
# JavaScript bundle) nor the widget JavaScript from a CDN: the site stays small
# and works offline.
# (nbclient records widget state from the kernel's comm messages and writes it to
# the notebook's metadata at the end of execute(); myst-nb embeds it from there.)
def _keep_no_widget_state(self: nbclient.NotebookClient) -> None:
    """Replace NotebookClient.set_widgets_metadata: store nothing."""


nbclient.NotebookClient.set_widgets_metadata = _keep_no_widget_state  # type: ignore[method-assign]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"namwidgets {release}"
html_static_path: list[str] = []


# scikit-learn adds set_{method}_request methods to every estimator class; their
# docstrings refer to scikit-learn's own docs, which are not part of this site.
_SKLEARN_ROUTING = re.compile(r"^set_\w+_request$")


def defining_module(obj: object) -> str:
    """The module a method, property or descriptor was written in ('' if none)."""
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None)
    if module is None:  # a builtin's method or slot (Exception.add_note, .args)
        module = getattr(getattr(target, "__objclass__", None), "__module__", None)
    return module or ""


def skip_member(app, what, name, obj, skip, options):  # noqa: D103 - Sphinx hook
    # Classes list their inherited members too (NAMRegressor.fit is NAMBase's),
    # but not what they inherit from scikit-learn, builtins or the standard
    # library: those are documented where they come from.
    if _SKLEARN_ROUTING.match(name):
        return True
    routine = inspect.isroutine(obj) or inspect.isdatadescriptor(obj)
    if routine and not defining_module(obj).startswith("namwidgets"):
        return True
    return None


# Docstrings write absolute values as in plain text, ``|f_j|``; reST would read
# that as a substitution (this site defines none). Outside inline literals and
# roles, and not on table or line-block lines, the bars are escaped.
_LITERALS = re.compile(r"(``.*?``|`[^`]*`)")
_BARS = re.compile(r"(?<![\\\w])\|([^|\s][^|]*?)\|(?![\w|])")


def escape_bars(line: str) -> str:
    """Escape the bars of an absolute value outside backticks (not tables)."""
    stripped = line.strip()
    if stripped == "|" or stripped.startswith(("| ", "+-", "+=")):
        return line  # a line block or a grid table
    parts = _LITERALS.split(line)
    for i in range(0, len(parts), 2):  # even parts lie outside backticks
        parts[i] = _BARS.sub(r"\\|\1\\|", parts[i])
    return "".join(parts)


def process_docstring(app, what, name, obj, options, lines):  # noqa: D103 - hook
    lines[:] = [escape_bars(line) for line in lines]


def setup(app):  # noqa: D103 - Sphinx hook
    app.connect("autodoc-skip-member", skip_member)
    app.connect("autodoc-process-docstring", process_docstring)

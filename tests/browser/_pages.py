"""Helpers that drive JupyterLab / Voila pages and read what they drew.

Everything here takes a Playwright ``Page`` (sync API) and uses explicit waits
with generous timeouts: kernels start slowly on a busy 2-core machine. No
helper asserts on time; :func:`measure_key_to_redraw_ms` only reports it.
"""

from __future__ import annotations

import re
import shutil
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit

import nbformat

if TYPE_CHECKING:  # playwright is optional outside the browser tests
    from playwright.sync_api import (
        BrowserContext,
        Locator,
        Page,
        Request,
        Route,
        WebSocket,
    )

KERNEL_TIMEOUT_MS = 120_000
"""Kernel start plus a first execution, on a busy machine."""
RENDER_TIMEOUT_MS = 60_000
"""From "cells are running" to a drawn chart."""
REDRAW_TIMEOUT_MS = 20_000
"""From one slider key press to the redrawn chart."""
SANITY_BOUND_MS = 5_000.0
"""A key-press-to-redraw time outside (0, this) means the measurement broke."""

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})

# Voila's "lab" template (share/jupyter/voila/templates/lab/index.html.j2, Voila
# 0.5) links these two stylesheets from jsDelivr for its Font Awesome icons. They
# are the template's, not ours; without network only the icons go missing. They
# are told apart by exact URL *and* resource type, so anything else from that CDN
# (a script, or the web fonts those sheets would load if the network were up)
# still fails the check.
VOILA_TEMPLATE_ICON_CSS = frozenset(
    {
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/all.min.css",
        "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/v4-shims.min.css",
    }
)


@dataclass(frozen=True)
class ExternalRequest:
    """A request the page made to somewhere other than the local server."""

    url: str
    resource_type: str


@dataclass
class RequestLog:
    """Every request a browser context made that did not stay on this machine.

    Filled by :func:`record_external_requests`; read with :meth:`unexpected`
    or :func:`assert_no_external_requests`.
    """

    external: list[ExternalRequest] = field(default_factory=list)

    def unexpected(
        self, allowed: frozenset[tuple[str, str]] = frozenset()
    ) -> list[ExternalRequest]:
        """Return the external requests not in ``allowed``.

        Parameters
        ----------
        allowed : frozenset of (url, resource_type)
            Exact pairs that may occur; URLs are compared percent-decoded.

        Returns
        -------
        list of ExternalRequest
        """
        allowed_decoded = {(unquote(u), t) for u, t in allowed}
        return [
            r
            for r in self.external
            if (unquote(r.url), r.resource_type) not in allowed_decoded
        ]


def is_local_url(url: str) -> bool:
    """Tell whether ``url`` stays on this machine.

    Parameters
    ----------
    url : str
        A request or WebSocket URL.

    Returns
    -------
    bool
        True for ``data:``, ``blob:`` and ``about:`` URLs and for any URL whose
        host is 127.0.0.1, localhost or ::1; False otherwise.
    """
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.hostname in LOCAL_HOSTS


def record_external_requests(context: BrowserContext) -> RequestLog:
    """Start recording every non-local request and WebSocket of ``context``.

    Listening on the context (not one page) also catches popups and service
    workers.

    Parameters
    ----------
    context : playwright.sync_api.BrowserContext
        A fresh context, before any page navigates.

    Returns
    -------
    RequestLog
        Filled in as the pages run.
    """
    log = RequestLog()

    def on_request(request: Request) -> None:
        if not is_local_url(request.url):
            log.external.append(ExternalRequest(request.url, request.resource_type))

    def on_websocket(ws: WebSocket) -> None:
        if not is_local_url(ws.url):
            log.external.append(ExternalRequest(ws.url, "websocket"))

    context.on("request", on_request)
    context.on("page", lambda page: page.on("websocket", on_websocket))
    return log


def assert_no_external_requests(
    log: RequestLog, allowed: frozenset[tuple[str, str]] = frozenset()
) -> None:
    """Fail if the page asked for anything off this machine beyond ``allowed``.

    Parameters
    ----------
    log : RequestLog
        From :func:`record_external_requests`.
    allowed : frozenset of (url, resource_type)
        Exact pairs to tolerate, e.g. ``voila_allowed_requests()``.
    """
    bad = log.unexpected(allowed)
    assert not bad, "external requests (the page is not offline):\n" + "\n".join(
        f"  {r.resource_type}: {r.url}" for r in bad
    )


def voila_allowed_requests() -> frozenset[tuple[str, str]]:
    """Return the Voila template's own icon-stylesheet requests, and nothing else.

    Returns
    -------
    frozenset of (url, resource_type)
    """
    return frozenset((url, "stylesheet") for url in VOILA_TEMPLATE_ICON_CSS)


def serve_copy(notebook: Path, folder: Path, *, clear_outputs: bool = True) -> str:
    """Copy a notebook into a served folder, so autosave never touches the source.

    Parameters
    ----------
    notebook : Path
        Source notebook, e.g. ``notebooks/01_quickstart.ipynb``.
    folder : Path
        The server's root folder.
    clear_outputs : bool, default=True
        Drop outputs and saved widget state, so only the browser run produces them.

    Returns
    -------
    str
        The file name to open, relative to ``folder``.
    """
    notebook = Path(notebook)
    target = Path(folder) / notebook.name
    if not clear_outputs:
        shutil.copyfile(notebook, target)
        return target.name
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, target)
    return target.name


# --- JupyterLab ---------------------------------------------------------------


_KERNEL_READY = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const ctx = panel && panel.sessionContext;
  const kernel = ctx && ctx.session && ctx.session.kernel;
  return Boolean(kernel) && kernel.connectionStatus === 'connected'
    && kernel.status === 'idle';
}
"""


_LAB_BUILD_API = re.compile(r"/lab/api/build(\?[^/]*)?$")


def _answer_build_stable(route: Route) -> None:
    """Tell JupyterLab's build check that no build is needed (GET only)."""
    if route.request.method != "GET":
        route.continue_()
        return
    route.fulfill(
        status=200,
        content_type="application/json",
        body='{"status": "stable", "message": ""}',
    )


def open_notebook_in_lab(page: Page, url: str, token: str, name: str) -> None:
    """Open ``name`` in JupyterLab in a fresh workspace and wait for an idle kernel.

    A unique workspace name keeps JupyterLab from restoring the tabs of an
    earlier test. Needs the app exposed as ``window.jupyterapp`` (the
    ``jupyter_lab`` fixture starts JupyterLab with ``expose_app_in_browser``).

    Parameters
    ----------
    page : playwright.sync_api.Page
    url : str
        Server base URL, e.g. ``http://127.0.0.1:8888``.
    token : str
        The server's token.
    name : str
        Notebook path relative to the server root.
    """
    workspace = f"test-{uuid.uuid4().hex[:12]}"
    # A source extension in the environment (dash, which interpret pulls in, ships
    # one) makes JupyterLab open a modal "Build Recommended" dialog that steals
    # focus from the notebook: answer the front end's build check with "stable".
    page.route(_LAB_BUILD_API, _answer_build_stable)
    page.goto(
        f"{url}/lab/workspaces/{workspace}/tree/{quote(name)}?token={quote(token)}",
        wait_until="domcontentloaded",
    )
    page.locator(".jp-NotebookPanel").first.wait_for(
        state="visible", timeout=KERNEL_TIMEOUT_MS
    )
    # The toolbar's execution indicator reads "idle" before any kernel exists (and
    # running cells then opens a "Select Kernel" dialog): ask the app instead.
    page.wait_for_function(_KERNEL_READY, timeout=KERNEL_TIMEOUT_MS)


def open_notebook_in_nb7(page: Page, url: str, token: str, name: str) -> None:
    """Open ``name`` in Notebook 7 and wait for an idle kernel.

    Notebook 7 is built on JupyterLab's components: with the app exposed
    (``notebook7`` fixture), :func:`run_all_cells_in_lab` and
    :func:`wait_for_lab_cells_run` work on it as they do in JupyterLab.

    Parameters
    ----------
    page : playwright.sync_api.Page
    url : str
        Server base URL.
    token : str
        The server's token.
    name : str
        Notebook path relative to the server root.
    """
    page.route(_LAB_BUILD_API, _answer_build_stable)
    page.goto(
        f"{url}/notebooks/{quote(name)}?token={quote(token)}",
        wait_until="domcontentloaded",
    )
    page.locator(".jp-NotebookPanel").first.wait_for(
        state="visible", timeout=KERNEL_TIMEOUT_MS
    )
    page.wait_for_function(_KERNEL_READY, timeout=KERNEL_TIMEOUT_MS)


def run_all_cells_in_lab(page: Page) -> None:
    """Run every cell of the current notebook through JupyterLab's command.

    The command's promise is deliberately not awaited: it may never resolve, and
    ``page.evaluate`` has no timeout. Wait for what the cells draw instead.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A page showing a notebook, after :func:`open_notebook_in_lab`.
    """
    page.wait_for_function(
        "() => window.jupyterapp !== undefined", timeout=KERNEL_TIMEOUT_MS
    )
    page.evaluate(
        "() => { window.jupyterapp.commands.execute('notebook:run-all-cells');"
        " return true; }"
    )


# --- Reading and driving widgets -----------------------------------------------


def wait_for_chart(
    page: Page, *, count: int = 1, timeout_ms: int = RENDER_TIMEOUT_MS
) -> None:
    """Wait until at least ``count`` Vega charts have drawn an SVG.

    Parameters
    ----------
    page : playwright.sync_api.Page
    count : int, default=1
        How many ``.vega-embed svg`` elements to wait for.
    timeout_ms : int
        Playwright timeout in milliseconds.
    """
    page.wait_for_function(
        "n => document.querySelectorAll('.vega-embed svg').length >= n",
        arg=count,
        timeout=timeout_ms,
    )


def find_slider(page: Page, description: str) -> Locator:
    """Return the one ``.widget-slider`` whose description is exactly ``description``.

    Parameters
    ----------
    page : playwright.sync_api.Page
    description : str
        The slider's ``description`` as set in Python.

    Returns
    -------
    playwright.sync_api.Locator
        The slider's container; its handle is ``.noUi-handle``.
    """
    label = page.locator(".widget-label").filter(
        has_text=re.compile(rf"^\s*{re.escape(description)}\s*$")
    )
    slider = page.locator(".widget-slider").filter(has=label)
    slider.first.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    n = slider.count()
    assert n == 1, f"expected one slider with description {description!r}, found {n}"
    return slider


def slider_value(slider: Locator, timeout_ms: int = 20_000) -> float:
    """The number a slider's readout shows, once it shows one.

    JupyterLab does not render cells out of view (CSS content-visibility), and a
    readout can read empty for a moment after the panel draws: scroll it into
    view and wait for a number rather than read an empty string.
    """
    readout = slider.locator(".widget-readout")
    readout.scroll_into_view_if_needed(timeout=timeout_ms)
    number = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")
    slider.locator(".widget-readout", has_text=number).wait_for(timeout=timeout_ms)
    return float(readout.inner_text())


def press_slider_key(page: Page, slider: Locator, key: str = "ArrowRight") -> None:
    """Focus a slider's handle and press ``key`` once (one step).

    Parameters
    ----------
    page : playwright.sync_api.Page
    slider : playwright.sync_api.Locator
        From :func:`find_slider`.
    key : str, default="ArrowRight"
        A Playwright key name.
    """
    slider.locator(".noUi-handle").focus()
    page.keyboard.press(key)


def line_paths(page: Page, scope: str = ".vega-embed") -> list[str]:
    """Return the ``d`` attribute of every drawn ``.mark-line path`` under ``scope``.

    A live chart keeps its edited line in the spec from the start, with no data
    until there is an edit: Vega draws it as a path without ``d``, which is not a
    line on screen and is left out.

    Parameters
    ----------
    page : playwright.sync_api.Page
    scope : str, default=".vega-embed"
        CSS selector of the chart(s) to read.

    Returns
    -------
    list of str
    """
    return page.evaluate(
        "scope => Array.from(document.querySelectorAll(scope + ' .mark-line path'))"
        ".map(p => p.getAttribute('d')).filter(d => d)",
        scope,
    )


def text_of(page: Page, selector: str) -> str:
    """Return the visible text of the first element matching ``selector``.

    Parameters
    ----------
    page : playwright.sync_api.Page
    selector : str
        CSS or Playwright selector, e.g. ``".widget-html-content"``.

    Returns
    -------
    str
    """
    element = page.locator(selector).first
    element.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    return element.inner_text()


_ARM_REDRAW_PROBE = """
scope => {
  const read = () => Array.from(
    document.querySelectorAll(scope + ' .mark-line path')
  ).map(p => p.getAttribute('d')).join('|');
  const probe = {before: read(), keyAt: null, changedAt: null};
  const onKey = () => { if (probe.keyAt === null) probe.keyAt = performance.now(); };
  window.addEventListener('keydown', onKey, {capture: true, once: true});
  const observer = new MutationObserver(() => {
    if (probe.keyAt === null || probe.changedAt !== null) return;
    const now = read();
    if (now !== '' && now !== probe.before) {
      probe.changedAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true});
  window.__nwRedrawProbe = probe;
  return probe.before;
}
"""


def measure_key_to_redraw_ms(
    page: Page,
    slider: Locator,
    key: str = "ArrowRight",
    *,
    scope: str = ".vega-embed",
    timeout_ms: int = REDRAW_TIMEOUT_MS,
) -> float:
    """Press ``key`` on a slider and time, in the page, until a line path changes.

    Both ends are taken with ``performance.now()`` inside the page (a capturing
    ``keydown`` listener and a ``MutationObserver``), so the figure excludes
    Playwright's own round trips. It covers: key -> widget message -> kernel
    observer -> new spec -> re-embed -> new SVG path.

    Parameters
    ----------
    page : playwright.sync_api.Page
    slider : playwright.sync_api.Locator
        From :func:`find_slider`.
    key : str, default="ArrowRight"
    scope : str, default=".vega-embed"
        CSS selector of the chart whose line should change.
    timeout_ms : int
        How long to wait for the change before failing.

    Returns
    -------
    float
        Milliseconds from the key press to the first changed path.
    """
    slider.locator(".noUi-handle").focus()
    page.evaluate(_ARM_REDRAW_PROBE, scope)
    page.keyboard.press(key)
    page.wait_for_function(
        "() => window.__nwRedrawProbe.changedAt !== null", timeout=timeout_ms
    )
    return page.evaluate(
        "() => window.__nwRedrawProbe.changedAt - window.__nwRedrawProbe.keyAt"
    )


def report_key_timings(label: str, what: str, timings: list[float]) -> None:
    """Print key-press-to-redraw times (seen with ``-s``) and sanity-check them.

    The only bound is loose (``SANITY_BOUND_MS``): a number outside it means the
    measurement itself broke, not that the page is slow.
    """
    print(
        f"\n[{label}] {what}, ms: "
        + ", ".join(f"{t:.0f}" for t in timings)
        + f" (median {statistics.median(timings):.0f})"
    )
    assert all(0.0 < t < SANITY_BOUND_MS for t in timings), timings


def python_notebook(sources: list[str]) -> nbformat.NotebookNode:
    """A validated version 4 notebook for the ``python3`` kernel, without outputs.

    Parameters
    ----------
    sources : list of str
        The code cells' sources, in order.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    nbformat.validate(nb)
    return nb


def screenshot(
    page: Page, folder: Path, name: str, *, show: str | None = ".vega-embed"
) -> Path:
    """Save a full-page PNG screenshot as ``folder / f"{name}.png"``.

    Parameters
    ----------
    page : playwright.sync_api.Page
    folder : Path
        Usually the ``screenshot_dir`` fixture.
    name : str
        File stem; keep it unique per test.
    show : str or None, default=".vega-embed"
        Scroll the last element matching this selector into view first, if there
        is one. JupyterLab scrolls inside its notebook panel, so a full-page
        shot alone can miss the outputs.

    Returns
    -------
    Path
    """
    if show is not None and page.locator(show).count():
        page.locator(show).last.scroll_into_view_if_needed()
    path = Path(folder) / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- Notebooks that run to the end, and widget boxes --------------------------


_LAB_CELLS_DONE = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return false;
  const errors = [];
  let done = true;
  for (const cell of panel.content.widgets) {
    if (cell.model.type !== 'code') continue;
    const outputs = cell.model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const out = outputs.get(i).toJSON();
      if (out.output_type === 'error') errors.push(out.ename + ': ' + out.evalue);
    }
    if (cell.model.executionCount === null) done = false;
  }
  if (errors.length) return {errors};
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return done && Boolean(kernel) && kernel.status === 'idle' ? {errors} : false;
}
"""


def wait_for_lab_cells_run(page: Page, *, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
    """Wait until every code cell of the open notebook has run; fail on an error.

    Call it after :func:`run_all_cells_in_lab` on a notebook opened without
    outputs: a code cell is done when it has an execution count. The first
    error output ends the wait with an assertion naming the exception.

    Parameters
    ----------
    page : playwright.sync_api.Page
    timeout_ms : int
        Playwright timeout in milliseconds.
    """
    result = page.wait_for_function(_LAB_CELLS_DONE, timeout=timeout_ms)
    errors = result.json_value()["errors"]
    assert not errors, "a notebook cell raised:\n" + "\n".join(errors)


@dataclass(frozen=True)
class WidgetBox:
    """CSS selectors of a widget box found by :func:`find_widget_box`.

    Attributes
    ----------
    root : str
        The outermost ``.widget-box`` around the anchor element.
    charts : tuple of str
        Its Vega charts (``.vega-embed``), in document order.
    """

    root: str
    charts: tuple[str, ...]


_MARK_WIDGET_BOX = """
([anchor, count, name]) => {
  const el = document.querySelector(anchor);
  if (!el) return false;
  let root = null;
  for (let node = el; node; node = node.parentElement) {
    if (node.classList && node.classList.contains('widget-box')) root = node;
  }
  if (!root) return false;
  const embeds = Array.from(root.querySelectorAll('.vega-embed'));
  if (embeds.length < count || embeds.some(e => !e.querySelector('svg'))) {
    return false;
  }
  root.setAttribute('data-nw-box', name);
  embeds.forEach((e, i) => e.setAttribute('data-nw-chart', name + '-' + i));
  return embeds.length;
}
"""


def find_widget_box(
    page: Page,
    anchor: str,
    *,
    charts: int = 1,
    name: str = "box",
    timeout_ms: int = RENDER_TIMEOUT_MS,
) -> WidgetBox:
    """Find the outermost widget box around ``anchor`` once its charts are drawn.

    Waits until the first element matching ``anchor`` sits in a widget box
    (``VBox``/``HBox``) holding at least ``charts`` Vega charts that all drew an
    SVG, then tags the box and its charts with ``data-nw-*`` attributes, so one
    chart of several can be read with :func:`line_paths`, :func:`svg_text` or
    :func:`measure_key_to_redraw_ms`. The tags stay on redraws: a
    ``JupyterChart`` re-embeds into the same ``.vega-embed`` element.

    Parameters
    ----------
    page : playwright.sync_api.Page
    anchor : str
        CSS selector of an element inside the box, e.g. ``".nam-affected"``.
    charts : int, default=1
        How many drawn charts the box must hold.
    name : str, default="box"
        Tag value; use distinct names for several boxes on one page.
    timeout_ms : int
        Playwright timeout in milliseconds.

    Returns
    -------
    WidgetBox
    """
    handle = page.wait_for_function(
        _MARK_WIDGET_BOX, arg=[anchor, charts, name], timeout=timeout_ms
    )
    n = int(handle.json_value())
    return WidgetBox(
        root=f"[data-nw-box='{name}']",
        charts=tuple(f"[data-nw-chart='{name}-{i}']" for i in range(n)),
    )


def svg_text(page: Page, scope: str) -> str:
    """Return the text content of the chart SVG under ``scope`` (titles, labels).

    Parameters
    ----------
    page : playwright.sync_api.Page
    scope : str
        CSS selector of one chart, e.g. a :class:`WidgetBox` chart.

    Returns
    -------
    str
    """
    return page.locator(f"{scope} svg").first.text_content() or ""


class Laps:
    """Print how long each phase of a test took (shown with ``-s`` or on failure).

    Parameters
    ----------
    label : str
        Prefix of each line, e.g. ``"JupyterLab"``.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = self.last = time.perf_counter()
        print()

    def __call__(self, phase: str) -> None:
        """Print the time since the previous phase (and since the start)."""
        now = time.perf_counter()
        print(
            f"[{self.label}] {phase}: {now - self.last:.1f} s "
            f"(total {now - self.start:.1f} s)"
        )
        self.last = now

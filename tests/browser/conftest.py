"""Fixtures for tests that drive a real Chromium against JupyterLab and Voila.

Session-scoped: ``chromium_path``, ``browser``, ``jupyter_lab``, ``notebook7``
and the ``voila_server`` factory. Per test: ``page`` (in a fresh browser context) and
``request_log`` (every request that left this machine). ``screenshot_dir`` is
``test-artifacts/screenshots/`` at the repository root.

Servers run with their own temporary Jupyter config, data, runtime, IPython,
settings and workspace folders, so they never read or write ``~/.jupyter``,
and they serve copies of notebooks (JupyterLab autosaves outputs).

Without Debian's ``chromium`` or the ``playwright`` package the tests skip,
except when the ``CI`` environment variable is set: then they fail, since CI
must run them.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from ._pages import RequestLog, record_external_requests, serve_copy

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Make the browser offline for every host but this one, even on a machine with
    # network: requests elsewhere are still attempted (and recorded by
    # ``request_log``) but fail at DNS, so a page that needs the network cannot
    # pass by accident, and the Voila icon stylesheets cannot pull in web fonts.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
SERVER_START_TIMEOUT_S = 120.0
SERVER_STOP_TIMEOUT_S = 15.0

# Keeps the "news" / "update" toast from covering screenshots.
_LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _unavailable(reason: str) -> None:
    """Skip, or fail when ``CI`` is set (CI must run the browser tests)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is an error, not a skip)")
    pytest.skip(reason)


# --- Browser -----------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's ``chromium``; skip (or fail under CI) without it."""
    path = shutil.which("chromium")
    if path is None:
        _unavailable(
            "Browser tests need Debian's chromium: apt-get install chromium "
            "(the .ci/run script does this)"
        )
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    """A headless Chromium driven by Playwright's sync API."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable(
            "Browser tests need the playwright Python package: "
            "pip install -e '.[test]' (never `playwright install`; Debian's "
            "chromium is used)"
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """``test-artifacts/screenshots/`` at the repository root (gitignored)."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    """A fresh browser context (own cookies, storage and cache) for one test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def request_log(browser_context: Any) -> RequestLog:
    """Every request and WebSocket of this test's context that left the machine."""
    return record_external_requests(browser_context)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    browser_context: Any,
    request_log: RequestLog,
    screenshot_dir: Path,
) -> Iterator[Any]:
    """A page whose requests are recorded in ``request_log``.

    If the test fails, a screenshot ``<test name>-FAILED.png`` is saved.
    """
    pw_page = browser_context.new_page()
    yield pw_page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        name = request.node.name.replace("/", "_")
        pw_page.screenshot(path=str(screenshot_dir / f"{name}-FAILED.png"))


# --- Servers -------------------------------------------------------------------


class Server(NamedTuple):
    """A running local server: ``url, token, root_dir = server`` works too.

    Attributes
    ----------
    url : str
        Base URL without a trailing slash, e.g. ``http://127.0.0.1:41234``.
    token : str
        Its authentication token.
    root_dir : Path
        The folder it serves (a temporary copy).
    """

    url: str
    token: str
    root_dir: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _isolated_env(base: Path) -> dict[str, str]:
    """Environment for a server that touches nothing under the home folder."""
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "IPYTHONDIR": base / "ipython",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab-user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab-workspaces",
    }
    for folder in dirs.values():
        folder.mkdir(parents=True, exist_ok=True)
    # an installed package with a prebuilt lab extension (dash, pulled in by
    # interpret) makes JupyterLab offer a rebuild in a dialog over the notebook
    labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"buildCheck": False, "buildAvailable": False})
    )
    for relative, settings in _LAB_USER_SETTINGS.items():
        path = dirs["JUPYTERLAB_SETTINGS_DIR"] / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(os.environ)
    env.update({key: str(value) for key, value in dirs.items()})
    # Kernels share 2 cores with other people's work.
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    # Kernels import the checkout under test, not whichever copy of namwidgets
    # happens to be installed (an editable install may point at another tree).
    paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _child_pids(pid: int) -> list[int]:
    """Direct children of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _is_kernel(pid: int) -> bool:
    """Whether ``pid`` is (still) an ipykernel process."""
    try:
        return b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _signal_pids(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


class _ServerProcess:
    """One server subprocess in its own process group, logging to a file."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str], log: Path):
        self.cmd = cmd
        self.log_path = log
        self._log = open(log, "wb")  # closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, n: int = 40) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def wait_until_ready(self, url: str, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"{self.cmd[2]} exited with {self.proc.returncode} while starting; "
                    f"log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                request = urllib.request.Request(url, headers=headers)
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        pytest.fail(
            f"{self.cmd[2]} did not answer {url} within {SERVER_START_TIMEOUT_S} s; "
            f"log {self.log_path}:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop the server and its kernels: SIGTERM, then SIGKILL what is left.

        jupyter_client starts kernels in sessions of their own, outside the
        server's process group, so they are signalled by PID, at the same time
        as the group (quicker than the server's own polite kernel shutdown).
        """
        kernels = _child_pids(self.proc.pid)
        _signal_pids(kernels, signal.SIGTERM)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
                self.proc.wait(timeout=SERVER_STOP_TIMEOUT_S)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue
        _signal_pids([pid for pid in kernels if _is_kernel(pid)], signal.SIGKILL)
        self._log.close()


def _log_path(name: str) -> Path:
    folder = ARTIFACTS / "server-logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.log"


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A JupyterLab server on a free port, serving an empty temporary folder.

    Put notebooks into ``jupyter_lab.root_dir`` (with ``serve_copy`` for ones from
    the repository), then open them with ``open_notebook_in_lab``. The app is
    exposed as ``window.jupyterapp``; news and update checks are off.
    """
    base = tmp_path_factory.mktemp("jupyter-lab")
    root = base / "root"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    server = _ServerProcess(cmd, root, _isolated_env(base), _log_path("jupyter-lab"))
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_until_ready(
            f"{url}/api/status", {"Authorization": f"token {token}"}
        )
        yield Server(url=url, token=token, root_dir=root)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def notebook7(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A Notebook 7 server (the ``notebook`` package) on a free port.

    Put notebooks into ``notebook7.root_dir`` and open them with
    ``open_notebook_in_nb7``. The app is exposed as ``window.jupyterapp``.
    Skips (fails under CI) when the ``notebook`` package is missing.
    """
    try:
        import notebook  # noqa: F401
    except ImportError:
        _unavailable("Notebook 7 tests need the notebook package (the test extra)")
    base = tmp_path_factory.mktemp("notebook7")
    root = base / "root"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "notebook",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",
        "--JupyterNotebookApp.expose_app_in_browser=True",
    ]
    server = _ServerProcess(cmd, root, _isolated_env(base), _log_path("notebook7"))
    try:
        url = f"http://127.0.0.1:{port}"
        server.wait_until_ready(
            f"{url}/api/status", {"Authorization": f"token {token}"}
        )
        yield Server(url=url, token=token, root_dir=root)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def voila_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Path], Server]]:
    """Factory: serve a copy of one notebook with Voila; the page is ``url + "/"``.

    Call it with the path of a notebook; it copies the notebook (outputs
    cleared) into a fresh temporary folder, starts ``voila`` there on a free
    port, waits until it answers and returns a :class:`Server`. All servers stop
    at the end of the session.
    """
    started: list[_ServerProcess] = []

    def start(notebook: Path) -> Server:
        base = tmp_path_factory.mktemp("voila")
        root = base / "root"
        root.mkdir()
        name = serve_copy(Path(notebook), root)
        port, token = _free_port(), secrets.token_hex(16)
        cmd = [
            sys.executable,
            "-m",
            "voila",
            name,
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--port={port}",
            f"--token={token}",
            "--show_tracebacks=True",
        ]
        log = _log_path(f"voila-{len(started)}-{Path(name).stem}")
        server = _ServerProcess(cmd, root, _isolated_env(base), log)
        started.append(server)
        url = f"http://127.0.0.1:{port}"
        # A static file: asking for "/" would execute the notebook.
        server.wait_until_ready(f"{url}/voila/static/voila.js", {})
        return Server(url=url, token=token, root_dir=root)

    try:
        yield start
    finally:
        for server in started:
            server.stop()

"""The no-external-request check can fail: it sees what a page asks for off-machine.

The URL classification runs without a browser; the last test needs Chromium
(no Jupyter server) and takes about a second.
"""

from __future__ import annotations

import pytest

from ._pages import (
    ExternalRequest,
    RequestLog,
    assert_no_external_requests,
    is_local_url,
    voila_allowed_requests,
)

ICON_CSS = (
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/all.min.css"
)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8888/lab/api/settings",
        "ws://127.0.0.1:8888/api/kernels/abc/channels",
        "http://localhost:8866/voila/static/voila.js",
        "http://[::1]:8888/api/status",
        "data:image/png;base64,AAAA",
        "blob:http://127.0.0.1:8888/0c1e6a0e-58f5-4d7a-9a43-0d6b0e1c2f3a",
        "about:blank",
    ],
)
def test_local_urls_are_local(url: str) -> None:
    assert is_local_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://esm.sh/vega-embed@6",
        "https://cdn.jsdelivr.net/npm/vega@5",
        "http://127.0.0.1.example.com/x.js",
        "https://localhost.attacker.net/",
        "wss://example.com/socket",
    ],
)
def test_remote_urls_are_not_local(url: str) -> None:
    assert not is_local_url(url)


def test_voila_allowance_is_exact() -> None:
    allowed = voila_allowed_requests()
    log = RequestLog(
        [
            ExternalRequest(ICON_CSS, "stylesheet"),
            # The same URL percent-encoded, as a browser may send it.
            ExternalRequest(ICON_CSS.replace("^", "%5E"), "stylesheet"),
            # Same host and file, but loaded as a script: not the template's.
            ExternalRequest(ICON_CSS, "script"),
            ExternalRequest("https://cdn.jsdelivr.net/npm/vega-embed@6", "script"),
        ]
    )
    assert log.unexpected(allowed) == log.external[2:]
    with pytest.raises(AssertionError, match="vega-embed"):
        assert_no_external_requests(log, allowed)


@pytest.mark.browser
def test_page_requests_to_other_hosts_are_recorded(page, request_log) -> None:
    page.set_content(
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<link rel="stylesheet" href="https://cdn.example.com/style.css">'
        '<script src="https://esm.sh/vega-embed@6"></script>',
        wait_until="load",
    )
    seen = {(r.url, r.resource_type) for r in request_log.external}
    assert seen == {
        ("https://cdn.example.com/style.css", "stylesheet"),
        ("https://esm.sh/vega-embed@6", "script"),
    }
    with pytest.raises(AssertionError, match="esm.sh"):
        assert_no_external_requests(request_log)

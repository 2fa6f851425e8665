"""An ``alt.JupyterChart`` whose redraws can send data only: :class:`LiveJupyterChart`.

Assigning ``JupyterChart.spec`` re-embeds the chart in the browser (Vega parses
and lays out anew, ~100-400 ms, and a brush being dragged ends). Altair's front
end can also write named datasets into the shown Vega view
(``_py_to_js_updates``, its VegaFusion channel), but it adds a listener for
that at every re-embed and never applies it to a view rendered later; and its
re-embeds run unguarded, so two close together can finish out of order (an
older spec shown, or the data sent to a view no longer on the page). The
front end here is Altair's own code (the bundled module, as
``alt.JupyterChart.enable_offline`` makes it) with ``static/live_chart.js``
wrapped around it, which fixes all three (re-embeds one at a time, the last
spec wins, the data always to the shown view and again after every embed);
:class:`~namwidgets.widget._redraw.LiveChart` sends datasets through
:attr:`LiveJupyterChart._live_data`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import altair as alt
import traitlets as T

_WRAPPER = Path(__file__).with_name("static") / "live_chart.js"
#: Altair's default export: the bundled (offline) and the plain (CDN) form.
_EXPORTS = (
    re.compile(r"export\s*\{\s*__default\s+as\s+default\s*\}\s*;?"),
    re.compile(r"export\s+default\s*\{\s*render\s*\}\s*;?"),
)


@cache
def live_esm(altair_esm: str) -> str | None:
    """Altair's front-end module wrapped by ``live_chart.js``, or None.

    None when the module's default export is not the one this wraps (another
    Altair version): the charts then redraw by ``spec``, as before.
    """
    for pattern in _EXPORTS:
        if len(pattern.findall(altair_esm)) == 1:
            head = pattern.sub("", altair_esm)
            return head + "\n" + _WRAPPER.read_text(encoding="utf-8")
    return None


def live_front_end() -> bool:
    """Whether :class:`LiveJupyterChart` can send data only (see :func:`live_esm`)."""
    return live_esm(str(alt.JupyterChart._esm)) is not None


class LiveJupyterChart(alt.JupyterChart):
    """``alt.JupyterChart`` with a ``_live_data`` trait: datasets without a re-embed.

    ``_live_data`` is a list of Altair's data updates (``{"namespace": "data",
    "name", "scope": [], "value": rows}``): the named datasets that differ from
    those in ``spec``. Set by :class:`~namwidgets.widget._redraw.LiveChart`.
    """

    _live_data: T.List[dict[str, Any]] = T.List().tag(sync=True)

    def __init__(self, chart: Any, **kwargs: Any) -> None:
        esm = live_esm(str(alt.JupyterChart._esm))
        if esm is not None:
            type(self)._esm = esm
        super().__init__(chart, **kwargs)

    def keep_spec(self, spec: dict[str, Any]) -> None:
        """Make ``spec`` read as ``spec`` on the Python side only: no message.

        After a data-only redraw: the browser shows the built spec with
        ``_live_data`` written into it (a view rendered later applies
        ``_live_data`` too), which is ``spec``; so the kernel's copy reads as
        what is shown, and a reloaded page gets it whole. Sending it would
        re-embed the chart. No observers run (none watch ``spec``).
        """
        self._trait_values["spec"] = spec

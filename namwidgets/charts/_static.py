"""Static figures beside the widgets: what a page without a kernel can show.

A chart in a notebook is a widget (``altair.JupyterChart``, the panel): GitHub,
nbviewer, a docs site or a printout shows ``<JupyterChart object>`` in its place.
:func:`static_figures` registers IPython formatters that add a picture of each
chart, drawn offline by vl-convert, to the widget's own output: a live front end
shows the widget, a static renderer (which has no widget state) the picture.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from ..exceptions import InputError

#: The environment variable read by :func:`static_figures` and at import.
ENV_VAR = "NAMWIDGETS_STATIC_FIGURES"
#: Its values: off (nothing registered), on (pictures beside the widgets), only
#: (pictures in place of the widgets, for a static site such as the docs).
MODES = ("off", "on", "only")
FORMATS = ("png", "svg")
#: PNG scale: crisp on high-DPI screens, small enough for a page.
SCALE = 1.5
#: A chart not drawn yet (the panel draws its feedback on a timer in a live
#: front end) renders as a few pixels: such pictures are left out.
MIN_SIDE = 64
#: The formatters registered last: (the shell, [(type, previous formatter)]).
_REGISTERED: list[Any] = []


def _mode_from_env() -> str | None:
    raw = os.environ.get(ENV_VAR, "").strip().lower()
    if not raw:
        return None
    mode = {"0": "off", "false": "off", "1": "on", "true": "on"}.get(raw, raw)
    if mode not in MODES:
        msg = f"{ENV_VAR}={raw!r}: expected one of {MODES} (or 0/1)"
        raise InputError(msg)
    return mode


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def chart_picture(chart: Any, fmt: str = "png") -> dict[str, Any]:
    """A picture of an Altair chart as a display bundle entry, drawn offline.

    Parameters
    ----------
    chart : altair chart
    fmt : {"png", "svg"}

    Returns
    -------
    dict
        ``{"image/png": base64 str}`` or ``{"image/svg+xml": str}``; empty when
        the picture is smaller than :data:`MIN_SIDE` pixels (a chart not drawn).
    """
    import vl_convert as vlc

    spec = chart.to_json()
    if fmt == "svg":
        svg = vlc.vegalite_to_svg(spec)
        png = vlc.vegalite_to_png(spec, scale=1)  # only its size is read
        return {"image/svg+xml": svg} if min(png_size(png)) >= MIN_SIDE else {}
    png = vlc.vegalite_to_png(spec, scale=SCALE)
    if min(png_size(png)) < MIN_SIDE * SCALE:
        return {}
    return {"image/png": base64.b64encode(png).decode("ascii")}


def charts_in(widget: Any) -> list[Any]:
    """Every ``JupyterChart`` inside a widget tree, depth first, in display order."""
    import altair as alt

    if isinstance(widget, alt.JupyterChart):
        return [widget]
    found: list[Any] = []
    for child in getattr(widget, "children", ()) or ():
        found += charts_in(child)
    return found


def _widget_bundle(widget: Any, keep: bool) -> dict[str, Any]:
    if not keep:
        return {"text/plain": f"<{type(widget).__name__}>"}
    bundle = widget._repr_mimebundle_()  # ipywidgets' public display hook
    return dict(bundle[0] if isinstance(bundle, tuple) else bundle or {})


def jupyter_chart_bundle(widget: Any, keep: bool = True, fmt: str = "png") -> Any:
    """The display bundle of a ``JupyterChart``: the widget and its picture."""
    return _widget_bundle(widget, keep) | chart_picture(widget.chart, fmt)


def box_bundle(widget: Any, keep: bool = True, fmt: str = "png") -> Any:
    """The display bundle of a widget container: the widget and its charts.

    The pictures of the charts inside it go into one ``text/html`` figure
    (a bundle holds one picture per type), with a caption saying that the
    controls need a running kernel. A container without charts is left as is.
    """
    inner = charts_in(widget)
    if not inner:
        return _widget_bundle(widget, True)
    figures = []
    for jc in inner:
        picture = chart_picture(jc.chart, fmt)
        if "image/png" in picture:
            figures.append(
                f'<img src="data:image/png;base64,{picture["image/png"]}" '
                'alt="chart" style="max-width:100%">'
            )
        elif picture:
            figures.append(f"<div>{picture['image/svg+xml']}</div>")
    name = type(widget).__name__
    caption = (
        f"<p><em>A static picture of the {name}'s charts. The controls are "
        "live widgets: run the notebook in Jupyter to use them.</em></p>"
    )
    html = "<div>" + "".join(figures) + caption + "</div>"
    return _widget_bundle(widget, keep) | {"text/html": html}


def static_figures(enabled: bool | str = True, *, fmt: str = "png") -> bool:
    """Show a static picture of every chart widget beside it in notebook outputs.

    Once called in a notebook, each ``altair.JupyterChart`` (how the notebooks
    show the library's charts) carries a PNG (or SVG) of its chart next to the
    widget, and each widget container holding charts (the ``NAMPanel``) an HTML
    figure of its charts, all drawn offline by vl-convert. A live front end shows
    the widgets; GitHub, nbviewer, a docs site or a printout, which have no
    widget state, show the pictures. Drawing them takes ~50-100 ms per chart.

    The environment variable ``NAMWIDGETS_STATIC_FIGURES`` overrides
    ``enabled``: ``off`` (or 0) registers nothing, ``on`` (or 1) pictures beside
    the widgets, ``only`` pictures in place of the widgets (a static site). Set
    before ``namwidgets`` is imported in a kernel, ``on``/``only`` also apply at
    import, without a call.

    Parameters
    ----------
    enabled : bool or {"off", "on", "only"}, default=True
        False or ``"off"`` removes the formatters this function registered.
    fmt : {"png", "svg"}, default="png"
        The picture of a ``JupyterChart``.

    Returns
    -------
    bool
        Whether the formatters are registered (False outside IPython, where
        there is nothing to register them in).

    Raises
    ------
    InputError
        On an unknown mode or format, here or in the environment variable.
    """
    if isinstance(enabled, bool):
        mode = "on" if enabled else "off"
    else:
        mode = enabled
    if mode not in MODES:
        raise InputError(f"enabled must be a bool or one of {MODES}, got {enabled!r}")
    if fmt not in FORMATS:
        raise InputError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    mode = _mode_from_env() or mode
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    if shell is None:
        return False
    import altair as alt
    import ipywidgets as W

    formatter = shell.display_formatter.mimebundle_formatter
    while _REGISTERED:  # undo an earlier call first
        old_shell, previous = _REGISTERED.pop()
        for cls, func in previous:
            old_shell.display_formatter.mimebundle_formatter.pop(cls, None)
            if func is not None:
                old_shell.display_formatter.mimebundle_formatter.for_type(cls, func)
    if mode == "off":
        return False
    keep = mode == "on"
    previous = []
    for cls, make in ((alt.JupyterChart, jupyter_chart_bundle), (W.Box, box_bundle)):

        def bundle(widget: Any, make: Any = make) -> Any:
            return make(widget, keep, fmt)

        previous.append((cls, formatter.for_type(cls, bundle)))
    _REGISTERED.append((shell, previous))
    return True


def _at_import() -> None:
    """Apply :data:`ENV_VAR` when the package is imported in a kernel."""
    try:
        mode = _mode_from_env()
    except InputError as err:  # a typo in the environment must not stop an import
        import warnings

        warnings.warn(f"{err}; no static figures", UserWarning, stacklevel=2)
        return
    if mode in ("on", "only"):
        static_figures(mode)

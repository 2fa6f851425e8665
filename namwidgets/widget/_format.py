"""Text the panel shows: labels, history entries, the status line, slider values.

Pure functions of plain values; no widget state and no model math.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..exceptions import NamwidgetsError

ERROR_COLOUR = "#b00020"
INFO_COLOUR = "#1b5e20"


def label_for(name: str, importance: float, edited: bool, pair: bool = False) -> str:
    """The term list's label: a mark for edited terms, pairs marked, importance."""
    kind = " (pair)" if pair else ""
    return f"{'●' if edited else '○'} {name}{kind}  ({importance:.3g})"


def on_step_grid(lo: float, hi: float, step: float, value: float) -> float:
    """``value`` rounded to a slider's steps (``lo + k * step``) and clipped.

    The browser snaps a slider's value to its steps and sends the snapped value
    back: a model value such as a NaN contribution of 0.3805 would come back as
    0.38 and be taken for the user's edit (211 of 2,000 rows "moved" on opening
    the panel). Shown on the grid, it comes back unchanged; the session keeps
    the exact value until the user moves the slider.
    """
    if not math.isfinite(value):
        return float(lo)
    k = round((value - lo) / step)
    snapped = round(lo + k * step, 10)
    return float(min(max(snapped, lo), hi))


def is_echo(old: float, new: float) -> bool:
    """Whether a slider change is the browser's float rounding of the value shown.

    These sliders show model values (snapped to their steps by
    :func:`on_step_grid`); a user's move is at least one step.
    """
    return abs(new - old) < 1e-9 * max(1.0, abs(old))


def describe(edit: Any) -> str:
    """One edit as a line of the history: ``kind term(arg=value, ...) — note``."""
    d = edit.to_dict()
    kind = d.pop("kind")
    term = d.pop("feature", None)
    term = d.pop("term", term)
    msg = d.pop("message", "")
    d = {k: v for k, v in d.items() if v is not None}
    args = ", ".join(f"{k}={_fmt(v)}" for k, v in d.items())
    return f"{kind} {term}({args})" + (f" — {msg}" if msg else "")


def history_entry(index: int, applied: bool, action: list[Any]) -> str:
    """A history list entry: applied mark, number, its edits."""
    mark = "✓" if applied else "·"
    return f"{mark} {index + 1}. " + "; ".join(describe(e) for e in action)


def history_html(entries: list[str], position: int) -> str:
    """The history as HTML: one block per action, wrapped, its full text on hover.

    Entries wrap rather than being cut ("2. set_category_value region(catego…"),
    and each carries its text as a tooltip (``title``); applied actions are
    dark, undone ones grey.
    """
    if not entries:
        return "<div class='nam-history'><small>no edits yet</small></div>"
    rows = []
    for i, text in enumerate(entries):
        colour = "#222" if i < position else "#999"
        safe = html.escape(text, quote=True)
        rows.append(
            f"<div class='nam-history-entry' title='{safe}' style='color:{colour};"
            "white-space:normal;overflow-wrap:anywhere;line-height:1.25;"
            f"padding:2px 0;border-bottom:1px solid #eee'>{safe}</div>"
        )
    return "<div class='nam-history'>" + "".join(rows) + "</div>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def affected_text(a: Mapping[str, Any]) -> str:
    """The "rows moved" line under the feedback charts (HTML)."""
    share = 100 * a["fraction_changed"]
    text = (
        f"<b>{a['n_changed']:,}</b> of {a['n_rows']:,} rows moved ({share:.1f}%), "
        f"mean |shift| {a['mean_abs_shift']:.3g}"
    )
    if "n_flipped" in a:
        text += f"; <b>{a['n_flipped']:,}</b> classifications flipped"
    return f"<div class='nam-affected'>{text}</div>"


def error_text(err: BaseException) -> str:
    """The message of a failed action: the library's own, or the type and text."""
    text = str(err) or type(err).__name__
    if isinstance(err, NamwidgetsError | OSError | ValueError | TypeError):
        return text
    return f"{type(err).__name__}: {text}"


def status_html(text: str, *, error: bool) -> str:
    """The status line's HTML for a message (empty text: an empty line)."""
    if not text:
        return ""
    colour = ERROR_COLOUR if error else INFO_COLOUR
    return f"<span style='color:{colour}'>{html.escape(text)}</span>"


def scalar_metrics(table: Any) -> dict[str, dict[str, float]]:
    """The numeric metrics of a three-state table, for the metrics chart.

    Takes the session's ``metrics_table()`` (a states x metrics DataFrame) or
    the nested ``{state: {metric: value}}`` dict; drops non-numbers such as a
    confusion matrix.
    """
    if isinstance(table, pd.DataFrame):
        nested = {str(s): dict(row.items()) for s, row in table.iterrows()}
    else:
        nested = dict(table or {})
    return {
        str(state): {
            str(k): float(v)
            for k, v in m.items()
            if isinstance(v, numbers.Real) and not isinstance(v, bool)
        }
        for state, m in nested.items()
    }

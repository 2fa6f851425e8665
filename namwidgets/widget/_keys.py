"""Keyboard steps on the panel's sliders in every front end: :class:`SliderKeys`.

The sliders are the panel's precise, keyboard-accessible path (arrow keys,
Page Up/Down, Home/End on a focused handle). In Notebook 7 (7.x, to 7.6 at
least) such a key moved nothing: Notebook 7 starts its Lumino application
without ``bubblingKeydown`` (JupyterLab 4.1+ passes ``bubblingKeydown: true``),
so the application's shortcut handler listens to ``keydown`` on the document
in the capture phase, before the focused handle, and a notebook shortcut
whose selector matches the handle (a focused, non-editable element in command
mode) takes the key with ``preventDefault()`` and ``stopPropagation()``.

:class:`SliderKeys` is an invisible anywidget in the panel whose front end
(``static/slider_keys.js``, shipped in the package) adds one capturing
``keydown`` listener on the window, which runs before the document's: for a
slider key on a handle inside a panel (``.nam-panel``, :data:`PANEL_CLASS`)
it marks the handle ``data-lm-suppress-shortcuts``, where Lumino's shortcut
matcher stops; other keys (Shift+Enter, Escape) still reach the notebook.
In JupyterLab and Voila it changes nothing a user sees.
"""

from __future__ import annotations

from pathlib import Path

import anywidget

#: The CSS class of the panel's root box, which the guard looks for.
PANEL_CLASS = "nam-panel"

_ESM = (Path(__file__).parent / "static" / "slider_keys.js").read_text(encoding="utf-8")


class SliderKeys(anywidget.AnyWidget):
    """Lets a focused slider handle of the panel take its keys (Notebook 7).

    No traits: rendering it (anywhere in the panel) installs the guard once
    per page. See the module's docstring for the cause it works around.
    """

    _esm = _ESM

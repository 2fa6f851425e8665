"""The Jupyter panel: ipywidgets controls over an EditSession, Altair charts.

Layout: ``_panel`` (:class:`NAMPanel`: traits, validation, actions),
``_controls`` (the widgets and how they show the session's state), ``_layout``
(where they go), ``_handlers`` (controls, drag and brush -> session calls),
``_redraw`` (redraw scheduling, the redraw and live charts), ``_views``
(session state -> chart views) and ``_format`` (text). Files are the
session's (``save_history``/``load_history``).
"""

from ._panel import NAMPanel, PanelValueError, enable_offline, explore

__all__ = ["NAMPanel", "PanelValueError", "enable_offline", "explore"]

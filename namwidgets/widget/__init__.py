"""The Jupyter panel: ipywidgets controls over an EditSession, Altair charts."""

from ._panel import NAMPanel, enable_offline, explore

__all__ = ["NAMPanel", "enable_offline", "explore"]

"""Adapters: other additive models seen through the ``AdditiveModel`` protocol.

:class:`EBMAdapter` wraps a fitted InterpretML EBM (``pip install
namwidgets[ebm]``); :func:`as_additive_model` is what the session and the panel
call on the model they are given; :func:`edited_ebm` writes a session's edits
back into a copy of the EBM (``EditSession.to_model`` on an EBM).
"""

from ._dispatch import as_additive_model
from ._ebm import MISSING_LABEL, TESTED_VERSIONS, UNKNOWN_LABEL, EBMAdapter, is_ebm
from ._export import bin_scores, edited_ebm

__all__ = [
    "MISSING_LABEL",
    "TESTED_VERSIONS",
    "UNKNOWN_LABEL",
    "EBMAdapter",
    "as_additive_model",
    "bin_scores",
    "edited_ebm",
    "is_ebm",
]

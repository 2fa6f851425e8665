"""What-if on a row: change some of the picked row's values, see it before/after.

:class:`WhatIfMixin` holds :class:`~namwidgets.widget.NAMPanel`'s ``what_if``
trait (validated against the model's features and levels) and binds the text
boxes made in ``_controls``. The numbers come from the edited model
(:func:`~namwidgets.widget._views.what_if_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets as T

from ..exceptions import InputError
from ._views import row_values


class WhatIfError(InputError, T.TraitError):
    """A what-if value the panel refuses (the trait keeps its value)."""


class WhatIfMixin(T.HasTraits):
    """The ``what_if`` trait of the panel and its text boxes."""

    session: Any
    row: int
    what_if_inputs: dict[str, Any]
    what_if_reset: Any
    _redraws: Any
    _bind: Callable[..., None]
    _setting_controls: Callable[[], Any]
    _act_on: Callable[..., bool]

    what_if = T.Dict(
        help="Changed feature values of the picked row, {feature: value}: the "
        "row view shows the row before and after them, under the edits.",
    )

    def _connect_what_if(self) -> None:
        for name, box in self.what_if_inputs.items():
            self._bind(box, self._what_if_handler(name))
        self.what_if_reset.on_click(lambda _: setattr(self, "what_if", {}))

    def _what_if_handler(self, name: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            self._on_what_if(name, change)

        return handler

    @T.validate("what_if")
    def _valid_what_if(self, proposal: Any) -> dict[str, Any]:
        model = self.session.model
        kinds = dict(zip(model.feature_names_, model.feature_kinds_))
        out: dict[str, Any] = {}
        for name, value in dict(proposal["value"]).items():
            if name not in kinds:
                raise WhatIfError(
                    f"what_if names an unknown feature {name!r}; the model's "
                    f"features are {list(kinds)}."
                )
            if kinds[name] == "categorical":
                levels = [str(c) for c in self.session.reference(name).grid]
                if str(value) not in levels:
                    raise WhatIfError(
                        f"what_if[{name!r}] must be one of the levels {levels}, "
                        f"got {value!r}."
                    )
                out[name] = self.session.reference(name).grid[levels.index(str(value))]
                continue
            try:
                out[name] = float(value)
            except (TypeError, ValueError):
                raise WhatIfError(
                    f"what_if[{name!r}] must be a number, got {value!r}."
                ) from None
        return out

    @T.observe("what_if")
    def _on_change_what_if(self, change: dict[str, Any]) -> None:
        self._sync_what_if()
        self._redraws.schedule({"detail"})

    def _sync_what_if(self) -> None:
        """Show the row's values, with the what-if changes, in the text boxes."""
        values = {**row_values(self.session, self.row), **self.what_if}
        with self._setting_controls():
            for name, box in self.what_if_inputs.items():
                v = values[name]
                box.value = f"{v:.6g}" if isinstance(v, float) else str(v)

    def _on_what_if(self, name: str, change: dict[str, Any]) -> None:
        text = str(change["new"]).strip()
        self._act_on(
            lambda: setattr(self, "what_if", {**self.what_if, name: text}),
            redraw=(),
        )

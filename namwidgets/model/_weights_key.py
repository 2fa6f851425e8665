"""What a cached copy of a module was made from, compared so it cannot collide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


class WeightsKey:
    """Each tensor of a module, its in-place version and its storage, held.

    Two states of a module's weights compare equal only if every tensor is the
    same object, at the same ``_version`` (which every in-place write bumps:
    an optimiser step, ``copy_``, ``load_state_dict``), on the same storage
    (which ``tensor.data = ...`` and ``module.to(...)`` replace, at an
    unchanged version). The key holds references to the tensors and storages,
    so neither can be freed and its ``id`` or address reused while the key
    lives. A key made from ``id()`` values or a sum of versions can collide: an
    ``id`` is reused after garbage collection, and a sum can come back to the
    same total (one tensor replaced, another written to).

    A pickled or copied key matches nothing: the copy is rebuilt once.

    Parameters
    ----------
    tensors : iterable of torch.Tensor
        The module's parameters and buffers, in a fixed order.
    """

    __slots__ = ("_items",)

    def __init__(self, tensors: Iterable[torch.Tensor]) -> None:
        self._items = tuple((t, t._version, t.untyped_storage()) for t in tensors)

    def matches(self, tensors: Iterable[torch.Tensor]) -> bool:
        """Whether ``tensors`` are the key's tensors, unwritten since it was made."""
        now = list(tensors)
        return len(now) == len(self._items) and all(
            t is held and t._version == version and t.untyped_storage() is storage
            for t, (held, version, storage) in zip(now, self._items, strict=True)
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # neither pickle nor deepcopy carries the held references: a copy of the
        # key would hold copies of the tensors, never the copied module's own
        return (WeightsKey, ((),))

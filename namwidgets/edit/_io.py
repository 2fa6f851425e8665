"""Reading and writing edit lists, histories and model files: one module.

One serializer of edits (:func:`edits_to_json_list`) serves both an edit
history (:func:`history_to_json`, what ``EditSession.to_json`` writes) and an
edited model's file (:func:`save`); one reader (:func:`edits_from_json_list`)
reads both back, validated. :func:`load` returns exactly what was saved: a bare
model, or an :class:`~namwidgets.edit.EditedModel` with its edits.

Every document is parsed defensively: a file of deeply nested arrays or an
integer of hundreds of digits is an :class:`~namwidgets.EditError`, never a
``RecursionError`` or ``OverflowError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import EditError, InputTypeError, ModelFileError
from ._base import Edit, short_repr

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._edited import EditedModel

FORMAT = "namwidgets-edits"
VERSION = 1


# ----------------------------------------------------------------- edit lists
def edits_to_json_list(edits: Iterable[Edit]) -> list[dict[str, Any]]:
    """Return the edits as a list of dicts for ``json.dumps(allow_nan=False)``.

    Parameters
    ----------
    edits : iterable of Edit

    Returns
    -------
    list of dict
    """
    out = []
    for i, e in enumerate(edits):
        if not isinstance(e, Edit):
            raise EditError(f"edits[{i}] is not an Edit: {e!r}")
        out.append(e.to_dict())
    return out


def edits_from_json_list(items: Sequence[Mapping[str, Any]]) -> list[Edit]:
    """Read a list of edit dicts (e.g. from ``json.load``) back into edits.

    Parameters
    ----------
    items : list of dict

    Returns
    -------
    list of Edit

    Raises
    ------
    EditError
        Naming the index of the first bad edit and what is wrong with it.
    """
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise EditError(f"edits must be a list of dicts, got {type(items).__name__}")
    edits = []
    for i, d in enumerate(items):
        try:
            edits.append(Edit.from_dict(d))
        except EditError as exc:
            raise EditError(f"edits[{i}]: {exc}") from exc
        except (RecursionError, OverflowError, TypeError, ValueError) as exc:
            raise EditError(f"edits[{i}] could not be read: {exc}") from None
    return edits


def parse_json(text: str | bytes, what: str = "edit file") -> Any:
    """``json.loads`` whose every failure is an :class:`EditError`.

    Deep nesting (``RecursionError``), integers beyond Python's digit limit
    (``ValueError``) and bad encodings all name ``what``.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise EditError(
            f"The {what} is nested too deeply to be an edit file."
        ) from None
    except (ValueError, UnicodeDecodeError, TypeError) as err:  # JSONDecodeError too
        raise EditError(f"The {what} is not valid JSON: {err}.") from None


# ------------------------------------------------------------------ histories
def history_to_json(
    actions: Sequence[Sequence[Edit]], position: int, fingerprint: str, names: list[str]
) -> str:
    """Serialize a history (a list of actions, each a list of edits).

    ``names`` are the model's term names (written as ``"features"``, the key
    older files use).
    """
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "model_fingerprint": fingerprint,
        "features": list(names),
        "position": position,
        "history": [edits_to_json_list(action) for action in actions],
    }
    return json.dumps(doc, allow_nan=False, indent=1)


def check_terms(edits: Iterable[Edit], names: Sequence[str]) -> None:
    """Raise :class:`EditError` for an edit naming a term the model lacks."""
    for e in edits:
        if e.term not in names:
            raise EditError(
                f"An edit names term {e.term!r}, which this model does not have "
                f"(terms: {list(names)})."
            )


def history_from_json(
    text: str | bytes, fingerprint: str, names: list[str]
) -> tuple[list[list[Edit]], int]:
    """Parse and check a history written by :func:`history_to_json`.

    Returns
    -------
    actions : list of list of Edit
    position : int
        How many actions are applied.

    Raises
    ------
    EditError
        For anything wrong with the file, naming what.
    """
    doc = parse_json(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise EditError("This is not a namwidgets edit history (format field).")
    if doc.get("version") != VERSION:
        raise EditError(
            f"Edit history version {short_repr(doc.get('version'))} is not supported "
            f"(this namwidgets reads version {VERSION})."
        )
    if doc.get("model_fingerprint") != fingerprint:
        raise EditError(
            "This edit history was made for a different model (fingerprint "
            f"{short_repr(doc.get('model_fingerprint'))}, this model's is "
            f"{fingerprint!r})."
        )
    history = doc.get("history")
    position = doc.get("position", None)
    if not isinstance(history, list) or not all(isinstance(a, list) for a in history):
        raise EditError("The edit history's 'history' must be a list of lists.")
    if position is None:
        position = len(history)
    if (
        not isinstance(position, int)
        or isinstance(position, bool)
        or not 0 <= position <= len(history)
    ):
        raise EditError(
            f"The edit history's 'position' {short_repr(position)} is not in "
            f"[0, {len(history)}]."
        )
    actions = []
    for i, action in enumerate(history):
        try:
            actions.append(edits_from_json_list(action))
        except EditError as err:
            raise EditError(f"history[{i}]: {err}") from None
    for action in actions:
        check_terms(action, names)
    return actions, position


# --------------------------------------------------------------- model files
def check_path(path: Any, what: str = "model file") -> str:
    """The path as a string, if a file can be written there; else a clear error.

    Raises
    ------
    InputTypeError
        For something that is not a path.
    ModelFileError
        For ``""``, a directory, or a folder that does not exist.
    """
    try:
        name = os.fspath(path)
    except TypeError:
        raise InputTypeError(
            f"path must be a str or os.PathLike, got {type(path).__name__}."
        ) from None
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not name:
        raise ModelFileError(f"Cannot save the {what}: the path is empty.")
    if os.path.isdir(name):
        raise ModelFileError(f"Cannot save the {what} to {name!r}: it is a directory.")
    folder = os.path.dirname(os.path.abspath(name))
    if not os.path.isdir(folder):
        raise ModelFileError(
            f"Cannot save the {what} to {name!r}: the folder {folder!r} does not exist."
        )
    return name


def write_text_atomic(path: Any, text: str, what: str = "edit file") -> str:
    """Write ``text`` to ``path`` atomically: a temporary file, then a rename.

    Nothing is left behind on failure (no stray temporary file).

    Raises
    ------
    ModelFileError
        For a path that cannot be written, naming it.
    """
    import tempfile

    name = check_path(path, what)
    folder = os.path.dirname(os.path.abspath(name))
    fd, tmp = tempfile.mkstemp(prefix=".namwidgets-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, name)
    except OSError as err:
        raise ModelFileError(f"Cannot save the {what} to {name!r}: {err}") from None
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return name


def read_text(path: Any, what: str = "edit file") -> str:
    """The text of ``path``; a clear ``ModelFileError`` when it cannot be read."""
    try:
        name = os.fspath(path)
    except TypeError:
        raise InputTypeError(
            f"path must be a str or os.PathLike, got {type(path).__name__}."
        ) from None
    try:
        with open(name, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as err:
        raise ModelFileError(f"Cannot read the {what} {name!r}: {err}") from None


def _flatten(model: Any) -> tuple[Any, list[Edit]]:
    """The innermost base model and every edit over it, in order."""
    from ._edited import EditedModel

    edits: list[Edit] = []
    while isinstance(model, EditedModel):
        edits = list(model.edits) + edits
        model = model.estimator
    return model, edits


def save(model: Any, path: Any) -> None:
    """Save a fitted model, edited or not, to ``path`` (atomically, no pickle).

    Parameters
    ----------
    model : NAMRegressor, NAMClassifier or EditedModel
        An edited model is written as its base model plus its edits
        (an edited model of an edited model as the innermost base plus all
        edits, in order).
    path : path-like

    Raises
    ------
    ModelFileError
        For a path that cannot be written (nothing is left behind).
    UnsupportedModelError
        For a base model namwidgets cannot save.
    """
    from ..exceptions import UnsupportedModelError
    from ..model import save_model

    name = check_path(path)
    base, edits = _flatten(model)
    if not hasattr(base, "encoder_") or not hasattr(base, "save"):
        raise UnsupportedModelError(
            f"Only NAMRegressor/NAMClassifier (edited or not) can be saved, got "
            f"{type(base).__name__}."
        )
    extra = {"edits": edits_to_json_list(edits)} if edits else None
    tmp = f"{name}.tmp"  # what save_model writes first, then renames
    had_tmp = os.path.exists(tmp)
    try:
        save_model(base, name, extra=extra)
    except OSError as err:
        raise ModelFileError(f"Cannot save the model file {name!r}: {err}") from None
    finally:
        if not had_tmp and os.path.isfile(tmp):
            os.remove(tmp)


def load(path: Any) -> Any:
    """Load a model saved with ``save``: exactly what was saved.

    Parameters
    ----------
    path : path-like
        A file written by ``NAMRegressor.save``, ``NAMClassifier.save``,
        ``EditedModel.save`` or :func:`save`.

    Returns
    -------
    NAMRegressor, NAMClassifier or EditedModel
        An edited model comes back as an :class:`EditedModel` with its edits,
        each validated against the model (all or nothing).

    Raises
    ------
    ModelFileError
        For a missing, damaged or foreign file, or edits that do not fit.
    """
    from ..model import read_model_file

    model, extra = read_model_file(path)
    if "edits" not in extra:
        return model
    return _edited_from_file(model, extra["edits"], path)


def _edited_from_file(model: Any, items: Any, path: Any) -> EditedModel:
    from ._edited import EditedModel

    try:
        edits = edits_from_json_list(items)
        edited = EditedModel(model, tuple(edits))
        edited.check_edits()
    except EditError as err:
        raise ModelFileError(
            f"{os.fspath(path)!r}: its saved edits are damaged or do not fit the "
            f"model: {err}"
        ) from None
    return edited


# ------------------------------------------------------------ session files
class SessionFiles:
    """The session's history as JSON text and files (a mixin of ``EditSession``)."""

    if TYPE_CHECKING:
        history: list[list[Edit]]
        position: int
        names: list[str]
        model: Any

        def _commit(
            self, history: list[list[Edit]], position: int, *, keep_last: bool
        ) -> None: ...

    def to_json(self) -> str:
        """The history (with undone actions and the position) as JSON."""
        return history_to_json(
            self.history, self.position, self.model.fingerprint(), self.names
        )

    def load_json(self, text: str | bytes) -> Self:
        """Replace the history with one from :meth:`to_json`; unchanged on error."""
        history, position = history_from_json(
            text, self.model.fingerprint(), self.names
        )
        self._commit(history, position, keep_last=False)
        return self

    def save_history(self, path: Any) -> None:
        """Write :meth:`to_json` to a file, atomically (nothing left on failure).

        Raises
        ------
        ModelFileError
            For a path that cannot be written (``""``, a directory, ...).
        """
        write_text_atomic(path, self.to_json(), "edit history")

    def load_history(self, path: Any) -> Self:
        """Replace the history with one saved by :meth:`save_history`.

        Raises
        ------
        ModelFileError
            For a file that cannot be read.
        EditError
            For a file that is not a valid history of this model; the session
            is unchanged.
        """
        return self.load_json(read_text(path, "edit history"))


__all__ = [
    "SessionFiles",
    "check_path",
    "read_text",
    "write_text_atomic",
    "edits_from_json_list",
    "edits_to_json_list",
    "history_from_json",
    "history_to_json",
    "load",
    "parse_json",
    "save",
]

"""Reading and writing the panel's edits file: atomic, and errors name the file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..exceptions import InputError, ModelFileError


def check_path(path: Any) -> Path:
    """``path`` as a Path; an error for an empty name or a directory."""
    if not isinstance(path, str | os.PathLike) or not str(path).strip():
        raise InputError(f"File name is empty ({path!r}): give one, e.g. edits.json.")
    p = Path(path)
    if p.is_dir():
        raise ModelFileError(f"{str(path)!r} is a directory: give a file name in it.")
    return p


def read_text(path: Any) -> str:
    """An edits file's text; an error naming the file when it cannot be read."""
    p = check_path(path)
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ModelFileError(f"Cannot read edits file {str(path)!r}: {err}") from err


def write_text(path: Any, text: str) -> None:
    """Write ``text`` to ``path`` atomically, leaving no temporary file behind."""
    p = check_path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    except OSError as err:
        raise ModelFileError(f"Cannot write edits file {str(path)!r}: {err}") from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise ModelFileError(f"Cannot write edits file {str(path)!r}: {err}") from err

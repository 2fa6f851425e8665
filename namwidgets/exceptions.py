"""Every error and warning namwidgets raises on a user's mistake.

One base, :class:`NamwidgetsError`; each subclass also subclasses the builtin it
refines (as skorch's ``NotInitializedError(SkorchException, NotFittedError)``
does), so code written as ``except ValueError`` keeps working. A message names the
column, value, parameter or file, and says what to do.

==============================  ===========================================
error                           raised when
==============================  ===========================================
:class:`InputError`             bad data or a bad parameter (``ValueError``)
:class:`InputTypeError`         an input of the wrong type (``TypeError``)
:class:`ModelFileError`         a model or edit file cannot be read or written
                                (``ValueError`` and ``OSError``)
:class:`EditError`              an edit that does not fit its term (``ValueError``)
:class:`TrainingError`          training that cannot go on (``RuntimeError``)
:class:`TrainingDivergedError`  the loss became NaN/inf (``FloatingPointError``)
:class:`UnsupportedModelError`  a model the session cannot work with
                                (``TypeError``)
:class:`DatasetNotFoundError`   a dataset file that is not there
                                (``FileNotFoundError``)
==============================  ===========================================
"""

from __future__ import annotations


class NamwidgetsError(Exception):
    """Base class of every error namwidgets raises on a user's mistake."""


class InputError(NamwidgetsError, ValueError):
    """Bad input data or a bad parameter value: the message names which."""


class InputTypeError(NamwidgetsError, TypeError):
    """An input of a type namwidgets cannot use: the message names which."""


class ModelFileError(NamwidgetsError, ValueError, OSError):
    """A model or edit file that is missing, damaged, or of another version."""


class EditError(NamwidgetsError, ValueError):
    """An edit that is malformed or does not fit the term it targets."""


class TrainingError(NamwidgetsError, RuntimeError):
    """Training that cannot go on (e.g. no row with a positive weight)."""


class TrainingDivergedError(TrainingError, FloatingPointError):
    """The training loss became NaN or infinite."""


class UnsupportedModelError(NamwidgetsError, TypeError):
    """A model that does not implement what namwidgets needs of it."""


class DatasetNotFoundError(NamwidgetsError, FileNotFoundError):
    """A dataset that is neither on disk nor, here, fetchable."""


class NamwidgetsWarning(UserWarning):
    """Base class of every warning namwidgets issues."""


class TrainingInterruptedWarning(NamwidgetsWarning):
    """Training was interrupted (Ctrl-C): the best weights so far were kept."""


class DataWarning(NamwidgetsWarning):
    """Input data that is usable but handled in a way worth knowing about."""


__all__ = [
    "DataWarning",
    "DatasetNotFoundError",
    "EditError",
    "InputError",
    "InputTypeError",
    "ModelFileError",
    "NamwidgetsError",
    "NamwidgetsWarning",
    "TrainingDivergedError",
    "TrainingError",
    "TrainingInterruptedWarning",
    "UnsupportedModelError",
]

"""Errors users see. Each message is one line that names the file, layer or parameter at fault."""

from __future__ import annotations


class TdaNnError(Exception):
    """Base class: the CLI prints ``tda-nn: <message>`` and exits non-zero, without a traceback."""


class InputError(TdaNnError, ValueError):
    """Bad user input: a file, array, label set, option or spec value that cannot be used."""


class InputTypeError(InputError, TypeError):
    """Input of the wrong type: not numbers (e.g. a dict inside an array)."""


class StoreError(TdaNnError, OSError):
    """A run store or saved-activations file that is missing, truncated, corrupt or inconsistent."""


class ExecutionError(TdaNnError, RuntimeError):
    """A run that could not finish (a lost Dask scheduler, a unit that kept killing workers);
    the units finished so far are kept, so running the same command again resumes."""

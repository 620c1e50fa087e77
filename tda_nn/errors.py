"""Errors users see. Each message is one line that names the file, layer or parameter at fault."""

from __future__ import annotations


class TdaNnError(Exception):
    """Base class: the CLI prints ``tda-nn: <message>`` and exits non-zero, without a traceback."""


class InputError(TdaNnError, ValueError):
    """Bad user input: a file, array, label set, option or spec value that cannot be used."""


class StoreError(TdaNnError, OSError):
    """A run store or saved-activations file that is missing, truncated, corrupt or inconsistent."""

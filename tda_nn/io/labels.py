"""Reading label files: ``.npy``, ``.npz`` (``labels`` key), ``.txt``/``.csv``/``.tsv`` (one per line)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import LABELS_KEY, as_labels
from tda_nn.io.paths import regular_file

LABEL_SUFFIXES = (".npy", ".npz", ".txt", ".csv", ".tsv")


def read_labels(path: str | os.PathLike[str]) -> np.ndarray:
    """Read labels from a file.

    Parameters
    ----------
    path : path-like
        ``.npy`` (a 1-D array), ``.npz`` (its ``labels`` array, or its only array), or a text file
        with one label per line (``.txt``, ``.csv``, ``.tsv``; blank lines ignored, a non-numeric
        first line above numeric ones is taken as a header; a UTF-8 byte-order mark and CRLF line
        ends are accepted). Integers stay integers, other
        numbers become floats, anything else is text.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    from tda_nn.io._npy import load_small_npy

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in LABEL_SUFFIXES:
        raise InputError(
            f"{path}: unsupported labels file; use one of {', '.join(LABEL_SUFFIXES)}"
        )
    if not path.exists():
        raise StoreError(f"{path}: no such labels file")
    regular_file(path, "labels file")
    if suffix == ".npy":
        return as_labels(load_small_npy(path), str(path))
    if suffix == ".npz":
        return as_labels(_from_npz(path), str(path))
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8-sig").splitlines()]
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: labels are not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read labels ({type(exc).__name__})") from None
    values = [ln for ln in lines if ln]
    if not values:
        raise InputError(f"{path}: no labels in file")
    return as_labels(_parse(values), str(path))


def _parse(values: list[str]) -> np.ndarray:
    for kind in (int, float):
        try:
            return np.asarray([kind(v) for v in values])
        except ValueError:
            try:
                parsed = np.asarray([kind(v) for v in values[1:]])
            except ValueError:
                continue
            if len(values) > 1:
                return parsed
    return np.asarray(values)


def _from_npz(path: Path) -> Any:
    import zipfile

    from tda_nn.io._common import corrupt

    try:
        with np.load(path, allow_pickle=False) as data:
            keys = list(data.keys())
            if LABELS_KEY in keys:
                return data[LABELS_KEY]
            if len(keys) == 1:
                return data[keys[0]]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise corrupt(path, "npz", exc) from None
    raise InputError(f"{path}: no 'labels' array (found {', '.join(keys) or 'none'})")

"""Write a zarr group row block by row block, in bounded memory, made visible only when complete.

:class:`ZarrStreamWriter` appends rows to 2-D (or 1-D) arrays of a group built in a temporary
directory beside the target; :meth:`~ZarrStreamWriter.commit` renames it into place, and an error
(or leaving the ``with`` block by an exception) removes it, so a half-written group never looks
complete. :func:`tda_nn.io.load_activations` reads the result like any zarr group.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError
from tda_nn.io._zarr import ORDER_ATTR, _zarr, array_creator, is_zarr

#: rows per zarr chunk of an appended array (a 384-wide float32 layer: 6 MB per chunk)
CHUNK_ROWS = 4096


class ZarrStreamWriter:
    """Append row blocks to the arrays of a new zarr group at ``path``.

    Parameters
    ----------
    path : path-like
        The ``.zarr`` directory to create (an existing zarr group there is replaced on commit).
    chunk_rows : int
        Rows per chunk of every array.
    """

    def __init__(self, path: str | Path, chunk_rows: int = CHUNK_ROWS) -> None:
        self.path = Path(path)
        if self.path.exists() and not is_zarr(self.path):
            raise InputError(f"{self.path}: exists and is not a zarr group; choose a new path")
        self.chunk_rows = int(chunk_rows)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                          dir=self.path.parent))
        self._group = _zarr().open_group(str(self._tmp), mode="w")
        self._arrays: dict[str, Any] = {}
        self.layer_order: list[str] = []

    def append(self, name: str, rows: np.ndarray) -> None:
        """Append ``rows`` (shape ``(n, *shape)``) to array ``name``, created on first use.

        ``name`` may hold ``/`` (a sub-group). Later blocks must match the first one's row shape
        and dtype.
        """
        rows = np.ascontiguousarray(rows)
        array = self._arrays.get(name)
        if array is None:
            create = array_creator(self._group)
            array = create(name, shape=(0, *rows.shape[1:]), dtype=rows.dtype,
                           chunks=(self.chunk_rows, *rows.shape[1:]))
            self._arrays[name] = array
        elif tuple(array.shape[1:]) != rows.shape[1:] or array.dtype != rows.dtype:
            raise InputError(
                f"{self.path}: array {name!r} holds rows of shape {tuple(array.shape[1:])} "
                f"({array.dtype}); got {rows.shape[1:]} ({rows.dtype})"
            )
        array.append(rows, axis=0)

    def n_rows(self, name: str) -> int:
        """Rows written so far to ``name`` (0 before its first block)."""
        array = self._arrays.get(name)
        return 0 if array is None else int(array.shape[0])

    def set_attrs(self, **attrs: Any) -> None:
        """Store JSON-able attributes on the root group."""
        self._group.attrs.update(attrs)

    def commit(self) -> Path:
        """Record the layer order, then move the finished group into place; returns its path."""
        from tda_nn.io._npy import swap_in

        if self.layer_order:
            self._group.attrs[ORDER_ATTR] = list(self.layer_order)
        swap_in(self._tmp, self.path)
        self._group = None
        return self.path

    def abort(self) -> None:
        """Remove the unfinished group."""
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._group = None

    def __enter__(self) -> ZarrStreamWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._group is None:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()

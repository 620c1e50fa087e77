"""Containment of inputs: what a reader may open.

One rule for every reader: an input is read only inside the file or folder the user named.

- :func:`regular_file` refuses what is not a regular file (a FIFO would block a reader forever, a
  device could stream without end) before anything opens it.
- :func:`resolve_inside` turns a name found *in* an input (a file listed by ``layers.json``, a
  layer in ``layers.txt``) into a path, refusing absolute paths, ``..`` and symbolic links that
  lead out of the folder.
- :func:`check_tree_inside` refuses a folder input holding a symbolic link that leads out of it.

Formats with links of their own (HDF5 external links and external storage) check them in their
reader; see :mod:`tda_nn.io._hdf5`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tda_nn.errors import InputError, StoreError


def regular_file(path: str | os.PathLike[str], what: str = "input") -> Path:
    """``path`` if it is a regular file (a symbolic link to one is fine); else a one-line error.

    Raises
    ------
    StoreError
        ``path`` does not exist.
    InputError
        ``path`` is a FIFO, socket, device or directory.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise StoreError(f"{path}: no such file ({what})") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: {what} is {_kind(mode)}, not a regular file")
    return path


def check_not_special(path: str | os.PathLike[str], what: str = "input") -> None:
    """Refuse a FIFO, socket or device at ``path``; regular files and directories pass."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise InputError(f"{path}: {what} is {_kind(mode)}, not a regular file or directory")


def resolve_inside(root: str | os.PathLike[str], name: str, where: str) -> Path:
    """``root / name`` after checking that it stays inside ``root`` (symbolic links resolved).

    ``where`` names the file (and entry) the name came from, for the error message.

    Raises
    ------
    InputError
        ``name`` is absolute, empty, contains ``..`` or a NUL, or resolves outside ``root``.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise InputError(f"{where}: file name {name!r} is not a file name")
    candidate = Path(name)
    if candidate.is_absolute() or ".." in candidate.parts:
        raise InputError(
            f"{where}: file {name!r} is outside {root}; names in a folder's files must stay inside it"
        )
    root_real = Path(os.path.realpath(root))
    real = Path(os.path.realpath(Path(root) / candidate))
    if real != root_real and root_real not in real.parents:
        raise InputError(f"{where}: file {name!r} leads outside {root} (to {real})")
    return Path(root) / candidate


def check_tree_inside(root: str | os.PathLike[str], what: str) -> None:
    """Refuse a folder that holds a symbolic link (at any depth) leading outside it."""
    root_real = Path(os.path.realpath(root))
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            entry = Path(folder) / name
            if not entry.is_symlink():
                continue
            real = Path(os.path.realpath(entry))
            if real != root_real and root_real not in real.parents:
                rel = entry.relative_to(root)
                raise InputError(
                    f"{root}: {what} entry {str(rel)!r} is a link leading outside the folder "
                    f"(to {real})"
                )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"

"""The output-directory contract: tda-nn writes only into a folder that is empty or its own.

A folder is tda-nn's own when its ``manifest.json`` is a JSON object written by a tda-nn job
(``"written_by": "tda-nn"``; manifests of earlier versions are recognised by their ``job``,
``status`` and ``library_versions``). Anything else — a folder holding other files, a foreign or
unreadable ``manifest.json``, the output of another kind of job — is refused with one line naming
the file, ``--overwrite`` or not. ``--overwrite`` then removes only unit results tda-nn wrote
(:func:`remove_own_units`), never a file it cannot recognise as its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError

OWNER = "tda-nn"
MANIFEST = "manifest.json"
#: Hidden temporary files of tda-nn's atomic writes (``.name.XXXX.tmp[.ext]``), left by a kill.
_OWN_TEMP = re.compile(r"\..+\.tmp(\.[A-Za-z0-9]+)?")


def is_own_manifest(manifest: Any) -> bool:
    """Whether ``manifest`` (parsed JSON) was written by a tda-nn job."""
    if not isinstance(manifest, dict):
        return False
    if manifest.get("written_by") == OWNER:
        return True
    return (isinstance(manifest.get("job"), str) and isinstance(manifest.get("status"), str)
            and isinstance(manifest.get("library_versions"), dict))


def claim_output(out: Path, jobs: Iterable[str] | None = None) -> dict[str, Any]:
    """Check that tda-nn may write into ``out``; return its manifest (``{}`` if new or empty).

    ``jobs`` are the manifest ``job`` values this job may continue (e.g. a persistence job may
    write into a run directory); ``None`` accepts the output of any tda-nn job.

    Raises
    ------
    InputError
        ``out`` is a file; holds files but no tda-nn manifest; its manifest is foreign or
        unreadable; or it holds the output of another kind of job.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out exists and is not a directory")
    if not out.exists():
        return {}
    file = out / MANIFEST
    if file.exists() or file.is_symlink():
        manifest = _read(file)
        jobs = None if jobs is None else tuple(jobs)
        if jobs is not None and manifest.get("job") not in jobs:
            raise InputError(
                f"{file}: --out holds the output of a {manifest.get('job')!r} job, not of "
                f"{' or '.join(repr(j) for j in jobs)}; choose another --out"
            )
        return manifest
    foreign = sorted(p.name for p in out.iterdir() if not _OWN_TEMP.fullmatch(p.name))
    if foreign:
        raise InputError(
            f"{out / foreign[0]}: --out is not empty and was not written by tda-nn (no "
            f"{MANIFEST}); tda-nn writes only into an empty folder or one it wrote: choose "
            "another --out"
        )
    return {}


def remove_own_units(units_dir: Path) -> int:
    """Delete the unit results in ``units_dir`` that tda-nn wrote; return how many.

    A unit result is an ``.npz`` holding exactly a ``diagram`` and a ``meta`` whose JSON has a
    parameter ``digest``; any other file is left alone.
    """
    removed = 0
    if not units_dir.is_dir():
        return 0
    for path in sorted(units_dir.glob("*.npz")):
        if path.is_file() and not path.is_symlink() and _is_unit_result(path):
            path.unlink()
            removed += 1
    return removed


def _is_unit_result(path: Path) -> bool:
    try:
        with np.load(path, allow_pickle=False) as data:
            if sorted(data.files) != ["diagram", "meta"]:
                return False
            meta = json.loads(str(data["meta"]))
    except Exception:  # noqa: BLE001 - anything unreadable is not ours
        return False
    return isinstance(meta, dict) and isinstance(meta.get("digest"), str)


def _read(file: Path) -> dict[str, Any]:
    if file.is_symlink() or not file.is_file():
        raise InputError(f"{file}: is not a regular file; not a tda-nn manifest")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{file}: unreadable, not a tda-nn manifest ({type(exc).__name__}); choose another "
            "--out"
        ) from None
    if not is_own_manifest(manifest):
        raise InputError(
            f"{file}: not a tda-nn manifest (someone else's file); choose another --out"
        )
    return manifest

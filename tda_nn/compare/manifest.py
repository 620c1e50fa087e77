"""Output directories of the compare jobs: ``manifest.json`` read and written, ``--out`` checked.

Also :func:`_safe`, the file-name-safe form of a model or layer name used in output file names.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tda_nn._atomic import write_json
from tda_nn.errors import InputError, StoreError
from tda_nn.versions import library_versions


def _read_manifest(path: Path) -> dict[str, Any]:
    file = path / "manifest.json"
    if not file.is_file():
        return {}
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{file}: unreadable manifest ({exc})") from None
    return value if isinstance(value, dict) else {}


def _check_out(out: Path, inputs: Iterable[Path], job: str, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out exists and is not a directory")
    resolved = out.resolve()
    for path in inputs:
        if Path(path).resolve() == resolved:
            raise InputError(f"{out}: --out is one of the inputs; choose another directory")
    from tda_nn.analysis.outdir import claim_output

    old = claim_output(out)
    if old and old.get("job") not in (None, job) and not overwrite:
        raise InputError(
            f"{out}: holds the output of a {old.get('job')!r} job; choose another --out"
        )


def _write_manifest(out: Path, status: str, job: str, extra: dict[str, Any]) -> None:
    write_json(out / "manifest.json", {
        "written_by": "tda-nn",
        "job": job,
        "status": status,
        "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "library_versions": library_versions(),
        **extra,
    })


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-") or "x"

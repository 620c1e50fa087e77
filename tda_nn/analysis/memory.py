"""A memory estimate per unit, checked before anything runs (``--max-memory``).

A unit holds its cloud (float32, at most ``TopologyParams.max_cloud_bytes`` after the row
subsample), a float copy of it, and, with ``subsample="none"`` (exact persistence), the full
distance matrix (float64) of every point. Landmark subsampling keeps the matrix small, so the
exact case is the one that can exceed a machine: a 50,000-point cloud needs some 20 GB.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from tda_nn.analysis.units import TopologyParams, Unit
from tda_nn.errors import InputError

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", re.IGNORECASE)
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def machine_memory() -> int:
    """Physical memory of this machine in bytes (0 where unknown)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 0


def parse_size(text: str, option: str = "--max-memory") -> int:
    """``"8G"``, ``"512M"``, ``"1.5GiB"`` or a number of bytes, as bytes."""
    match = _SIZE.fullmatch(str(text))
    if not match or float(match.group(1)) <= 0:
        raise InputError(f"{option} must be a size such as 8G or 512M, got {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def out_of_core_bytes(n_points: int, n_features: int) -> int:
    """Estimated peak bytes of landmarks over a layer read by blocks (:mod:`~tda_nn.homology.outofcore`):
    one block and its float64 copy, the candidates (held a few times over while they are
    gathered), 28 bytes per point, and the companion measures' row sample."""
    from tda_nn.analysis.measures import COMPANION_ROWS
    from tda_nn.homology.chunked import BLOCK_BYTES
    from tda_nn.homology.outofcore import CANDIDATE_BYTES

    return (4 * BLOCK_BYTES + 6 * CANDIDATE_BYTES + 28 * n_points
            + 2 * 4 * min(n_points, COMPANION_ROWS) * n_features)


def unit_bytes(n_points: int, n_features: int, params: TopologyParams) -> int:
    """Estimated peak bytes of one unit of ``n_points`` x ``n_features``.

    A whole layer above ``max_cloud_bytes`` with landmarks (Euclidean) is read by blocks; its
    estimate is :func:`out_of_core_bytes` (not the layer's size).
    """
    rows = min(n_points, max(2, params.max_cloud_bytes // (4 * max(n_features, 1))))
    if rows < n_points and params.metric == "euclidean" and params.subsample != "none":
        return out_of_core_bytes(n_points, n_features)
    cloud = rows * max(n_features, 1) * 4
    matrix = rows * rows * 8 if params.subsample == "none" else 0
    return 2 * cloud + matrix


#: a unit estimated above this many bytes is announced before the job runs
LARGE_UNIT_BYTES = 512 * 1024**2


def check_memory(units: Sequence[Unit], params: TopologyParams, limit: int | None,
                 log: Any = None) -> int:
    """Refuse, before anything runs, a unit whose estimate exceeds ``limit`` bytes.

    ``limit=None`` uses the machine's physical memory; ``0`` (unknown) refuses nothing. When the
    largest estimate exceeds :data:`LARGE_UNIT_BYTES`, ``log`` (if given) gets one line saying which
    unit it is, its estimate and the limit. Returns the largest estimate in bytes.
    """
    limit = machine_memory() if limit is None else int(limit)
    shapes: dict[tuple[str, str], tuple[int, int]] = {}
    largest, where = 0, ""
    for unit in units:
        key = (unit.source, unit.layer)
        if key not in shapes:
            shapes[key] = _shape(unit)
        n_samples, n_features = shapes[key]
        n_points = n_samples if unit.indices is None else len(unit.indices)
        need = unit_bytes(n_points, n_features, params)
        cls = "" if unit.cls == "all" else f" class {unit.cls}"
        step = "" if unit.step < 0 else f" step {unit.step}"
        described = f"{unit.source}:{step} layer {unit.layer!r}{cls}: {n_points} x {n_features}"
        if limit > 0 and need > limit:
            raise InputError(
                f"{described} needs about {need / 1024**3:.1f} GiB, more than the "
                f"{limit / 1024**3:.1f} GiB allowed (--max-memory); use landmarks "
                "(--subsample auto) or fewer points"
            )
        if need > largest:
            largest, where = need, described
    if log is not None and largest > LARGE_UNIT_BYTES:
        allowed = f" of the {limit / 1024**3:.1f} GiB allowed" if limit > 0 else ""
        log(f"memory: the largest unit ({where}) needs about {largest / 1024**3:.2f} GiB{allowed} "
            "per worker")
    return largest


def _shape(unit: Unit) -> tuple[int, int]:
    from tda_nn.io import RunStore, load_activations

    if unit.kind == "store":
        store: Any = RunStore(unit.source)
        info = store.manifest["layers"].get(unit.layer) or {}
        return int(store.n_samples), int(info.get("n_features") or 1)
    return load_activations(unit.source).shape(unit.layer)

"""Write a :class:`~tda_nn.compare.comparison.CompareResult`: tables, diagrams, figures, text."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tda_nn._atomic import atomic_path, write_npz
from tda_nn.compare.comparison import DISTANCE_COLUMNS, CompareResult
from tda_nn.compare.figures import _figures
from tda_nn.compare.manifest import _safe

__all__ = ["format_summary", "write_outputs"]


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def write_outputs(
    result: CompareResult,
    out_dir: str | os.PathLike[str],
    *,
    figures: bool = True,
    barcode_layers: Sequence[str | int] | None = None,
) -> dict[str, Any]:
    """Write ``distances.csv``, ``null.csv``, ``summary.csv``, ``diagrams.npz`` and figures."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(result.distances[list(DISTANCE_COLUMNS)], out / "distances.csv")
    _write_csv(result.null, out / "null.csv")
    _write_csv(result.summary, out / "summary.csv")
    stored = {
        f"{_safe(s.name)}__l{i:03d}-{_safe(layer)}": s.diagrams[layer]
        for s in result.sources for i, layer in enumerate(s.layers) if layer in s.diagrams
    }
    if stored:
        write_npz(out / "diagrams.npz", stored)
    paths: dict[str, Any] = {
        "distances": str(out / "distances.csv"),
        "null": str(out / "null.csv"),
        "summary": str(out / "summary.csv"),
        "diagrams": str(out / "diagrams.npz") if stored else None,
        "figures": [],
    }
    if figures:
        paths["figures"] = [str(Path(p).relative_to(out)) for p in
                            _figures(result, out, barcode_layers)]
    return paths


def format_summary(summary: pd.DataFrame) -> str:
    """The summary table as aligned text (one row per pair × dimension × metric)."""
    if summary.empty:
        return "(no comparisons)"
    shown = summary[["model_a", "model_b", "metric", "homology_dim", "distance", "null_kind",
                     "null_n", "null_median", "ratio_to_null_median", "z_score", "p_value"]].copy()
    shown = shown.rename(columns={"homology_dim": "dim", "null_median": "null_med",
                                  "ratio_to_null_median": "ratio", "z_score": "z"})
    shown["dim"] = shown["dim"].map(lambda d: "-" if d < 0 else f"H{d}")
    return shown.to_string(index=False, float_format=lambda v: f"{v:.3g}")

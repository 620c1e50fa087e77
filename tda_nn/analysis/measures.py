"""Everything measured on one point cloud: persistence, Betti numbers, diagram summaries and the
companion measures (TwoNN intrinsic dimension; linear-probe accuracy of the whole probe cloud).

Row columns (one row per homology dimension):
``homology_dim, betti, betti_method, betti_scale`` (for ``betti_method="scale"``), ``resolution`` (the
scale ``rho`` at which the points used join up, read off the H0 bars; the significance rule's unit),
``min_lifetime`` (the persistence an H_k bar, k >= 1, must exceed to count as significant),
``n_certain_bars`` (bars longer than twice ``error_bound``: by stability they have a partner in the exact
diagram of the whole cloud), ``n_points_used, subsample, covering_radius, error_bound``
(bottleneck bound between the computed diagram and the exact diagram of the whole cloud),
``max_edge_length, metric, backend, n_bars, total_persistence, persistence_entropy, max_lifetime,
intrinsic_dimension, linear_probe_accuracy, seconds``. ``n_points`` and ``row_subsampled`` are added by
the caller.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from tda_nn.analysis.units import TopologyParams, Unit


def measure_cloud(
    cloud: np.ndarray, unit: Unit, params: TopologyParams
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Measure one cloud ``(n_points, n_features)``; return (rows, diagram ``(n_bars, 3)``)."""
    from tda_nn.features.betti import betti_numbers, resolution
    from tda_nn.features.summaries import persistence_entropy, total_persistence
    from tda_nn.homology.unit import compute_persistence

    start = time.perf_counter()
    kwargs: dict[str, Any] = dict(
        homology_dimensions=params.homology_dimensions,
        metric=params.metric,
        metric_params=dict(params.metric_params) or None,
        max_edge_length=math.inf if params.max_edge_length is None else params.max_edge_length,
        backend=params.backend,
        subsample=params.subsample,
        coeff=params.coeff,
        random_state=params.random_state,
    )
    if params.n_landmarks is not None:
        kwargs["n_landmarks"] = params.n_landmarks
    result = compute_persistence(cloud, **kwargs)
    dims = list(params.homology_dimensions)
    # cosine diagrams are in squared-chordal units: the significance rule needs distance_power=2
    power = 2 if params.metric == "cosine" else 1
    betti = betti_numbers(
        result.diagram, params.betti_method, scale=params.betti_scale, homology_dimensions=dims,
        distance_power=power,
    )[0]
    rho = resolution(result.diagram) if 0 in dims else math.nan
    intrinsic = math.nan
    if params.intrinsic_dimension and cloud.shape[0] >= 10:
        from tda_nn.errors import InputError
        from tda_nn.features.intrinsic_dimension import twonn_dimension

        try:
            intrinsic = float(twonn_dimension(cloud))
        except InputError:  # e.g. a layer collapsed to < 3 distinct points: no dimension to estimate
            intrinsic = math.nan
    probe = math.nan
    if params.linear_probe and unit.cls == "all" and unit.labels is not None:
        from tda_nn.features.probe import linear_probe_accuracy

        labels = np.asarray(unit.labels)
        if len(np.unique(labels)) > 1:
            probe = float(linear_probe_accuracy(cloud, labels, random_state=params.random_state))
    diagram = result.diagram[None] if len(result.diagram) else np.zeros((1, 1, 3))
    totals = total_persistence(diagram, homology_dimensions=dims)[0]
    entropies = persistence_entropy(diagram, homology_dimensions=dims, nan_fill_value=None)[0]
    rows = []
    for i, dim in enumerate(dims):
        bars = result.bars(dim)
        life = bars[:, 1] - bars[:, 0]
        rows.append(
            {
                "homology_dim": int(dim),
                "betti": int(betti[i]),
                "betti_method": params.betti_method,
                "betti_scale": math.nan if params.betti_scale is None else params.betti_scale,
                "resolution": rho,
                "min_lifetime": _min_lifetime(dim, rho, params),
                "n_certain_bars": int(np.count_nonzero(life > 2 * result.error_bound)),
                "n_points_used": int(result.n_points_used),
                "subsample": result.subsample,
                "covering_radius": float(result.covering_radius),
                "error_bound": float(result.error_bound),
                "max_edge_length": float(result.threshold),
                "metric": result.metric,
                "backend": result.backend,
                "n_bars": int(len(bars)),
                "total_persistence": float(totals[i]),
                "persistence_entropy": float(entropies[i]),
                "max_lifetime": float(life.max()) if len(life) else 0.0,
                "intrinsic_dimension": intrinsic,
                "linear_probe_accuracy": probe,
                "seconds": round(time.perf_counter() - start, 4),
            }
        )
    return rows, result.diagram



def _min_lifetime(dim: int, rho: float, params: TopologyParams) -> float:
    """The persistence an H_dim bar must exceed under the significance rule (NaN for H0 / scale)."""
    from tda_nn.features.betti import PERSISTENCE_FACTORS

    if params.betti_method != "significant" or dim == 0:
        return math.nan
    return float(PERSISTENCE_FACTORS[min(dim, len(PERSISTENCE_FACTORS)) - 1] * rho)

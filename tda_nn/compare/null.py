"""Null distributions: is a difference between models larger than seed or sampling noise?

:func:`seed_null` (runs of one architecture from different seeds) and :func:`bootstrap_null`
(one representation, its probe points resampled); :func:`compare_to_null` reports one observed
value against a null sample, :func:`against_null` every row of a table. How the comparison job
uses them: ``docs/comparing.md``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.compare._diagrams import split_diagram
from tda_nn.compare.distances import DistanceSpec, split_distances
from tda_nn.errors import InputError
from tda_nn.execution import run_units

__all__ = ["NullComparison", "against_null", "bootstrap_null", "compare_to_null", "seed_null"]

NULL_COLUMNS = (
    "null_n", "null_median", "null_mean", "null_std", "z_score", "p_value", "ratio_to_null_median"
)


@dataclass(frozen=True)
class NullComparison:
    """An observed distance against a null sample.

    Attributes
    ----------
    observed : float
    null_n : int
        Number of (non-NaN) null values.
    null_median, null_mean, null_std : float
        Summary of the null (``std`` with ``ddof=1``; NaN for fewer than 2 values).
    z_score : float
        ``(observed - null_mean) / null_std``.
    p_value : float
        One-sided empirical p-value ``(1 + #{null >= observed}) / (null_n + 1)``: small when the
        observed distance is larger than the null ones. Never below ``1 / (null_n + 1)``.
    ratio_to_null_median : float
        ``observed / null_median``.
    """

    observed: float
    null_n: int
    null_median: float
    null_mean: float
    null_std: float
    z_score: float
    p_value: float
    ratio_to_null_median: float


def compare_to_null(observed: float, null: object) -> NullComparison:
    """Report ``observed`` against the null sample ``null``.

    Parameters
    ----------
    observed : float
        The observed statistic.
    null : array-like, shape (n_null,)
        Null distances; NaN values are dropped.

    Returns
    -------
    NullComparison
    """
    values = np.asarray(null, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    observed = float(observed)
    n = int(values.size)
    if n == 0:
        return NullComparison(observed, 0, *([math.nan] * 6))
    median = float(np.median(values))
    mean = float(np.mean(values))
    std = float(np.std(values, ddof=1)) if n > 1 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = float(np.divide(observed - mean, std)) if n > 1 else math.nan
        ratio = float(np.divide(observed, median))
    p_value = (1.0 + float(np.sum(values >= observed))) / (n + 1.0)
    return NullComparison(observed, n, median, mean, std, z, p_value, ratio)


def against_null(
    table: pd.DataFrame, null: pd.DataFrame, *, by: Sequence[str] = ("metric", "homology_dim")
) -> pd.DataFrame:
    """Add null statistics to every row of a distance table.

    Parameters
    ----------
    table : pandas.DataFrame
        Observed distances, with a ``distance`` column and the ``by`` columns (e.g. the output
        of :func:`tda_nn.compare.layer_distance_matrix`).
    null : pandas.DataFrame
        Null distances with the same columns (e.g. from :func:`seed_null` or
        :func:`bootstrap_null`).
    by : sequence of str
        Columns whose values must agree between a row and its null values. The default pools
        the null over layers per metric and homology dimension; add ``"layer_a"`` for a
        per-layer null (when the observed model A has the seeds' layer names).

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with the columns ``null_n, null_median, null_mean, null_std,
        z_score, p_value, ratio_to_null_median`` (see :class:`NullComparison`); NaN (and
        ``null_n = 0``) where no null value matches.
    """
    by = list(by)
    for name, frame in (("table", table), ("null", null)):
        missing = [c for c in [*by, "distance"] if c not in frame.columns]
        if missing:
            raise InputError(f"{name} lacks the columns {missing}")
    groups = {
        key if isinstance(key, tuple) else (key,): grp["distance"].to_numpy()
        for key, grp in null.groupby(by, sort=False)
    } if len(null) else {}
    empty = np.array([])
    stats = [
        compare_to_null(obs, groups.get(tuple(keys), empty))
        for obs, *keys in zip(table["distance"], *(table[c] for c in by), strict=True)
    ]
    out = table.copy()
    for column in NULL_COLUMNS:
        out[column] = [getattr(s, column) for s in stats]
    out["null_n"] = out["null_n"].astype(np.int64)
    return out


def seed_null(
    runs: Mapping[str, Mapping[Any, object] | Sequence[object]],
    *,
    kind: str = "diagram",
    same_layer: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Distances between runs of the same architecture (different seeds): the null.

    Parameters
    ----------
    runs : mapping {run name: {layer: diagram or point cloud}}
        At least two runs of one architecture, same layers, same probe inputs.
    kind : {"diagram", "cka", "rtd"}
        Which table: :func:`~tda_nn.compare.layer_distance_matrix` (``runs`` hold diagrams),
        :func:`~tda_nn.compare.cka_matrix` or :func:`~tda_nn.compare.rtd_matrix` (point clouds).
    same_layer : bool
        Compare each layer with the same layer of the other run (the default), or all pairs.
    **options
        Passed to the table function (``metric``, ``homology_dims``, ``order``, ``n_jobs``...).

    Returns
    -------
    pandas.DataFrame
        The tables of every unordered pair of runs, concatenated (columns as the table function
        returns; ``model_a``/``model_b`` are run names).
    """
    from tda_nn.compare import matrices

    functions: dict[str, Callable[..., pd.DataFrame]] = {
        "diagram": matrices.layer_distance_matrix,
        "cka": matrices.cka_matrix,
        "rtd": matrices.rtd_matrix,
    }
    if kind not in functions:
        raise InputError(f"kind must be one of {sorted(functions)}, got {kind!r}")
    if not isinstance(runs, Mapping) or len(runs) < 2:
        raise InputError("seed_null needs a mapping of at least two runs {name: layers}")
    function = functions[kind]
    tables = []
    for name_a, name_b in itertools.combinations(runs, 2):
        layers_a, layers_b = runs[name_a], runs[name_b]
        pairs = None
        if same_layer:
            keys_b = set(_names(layers_b))
            pairs = [(layer, layer) for layer in _names(layers_a) if layer in keys_b]
            if not pairs:
                raise InputError(f"runs {name_a!r} and {name_b!r} have no layer names in common")
        tables.append(function(layers_a, layers_b, model_a=str(name_a), model_b=str(name_b),
                               pairs=pairs, **options))
    return pd.concat(tables, ignore_index=True)


def bootstrap_null(
    cloud: object,
    diagram_fn: Callable[[np.ndarray], object],
    *,
    n_bootstrap: int = 20,
    homology_dims: Iterable[int] = (0, 1),
    metric: str = "wasserstein",
    order: float = 1.0,
    ground_metric: str = "linf",
    n_directions: int = 50,
    cap: float | None = None,
    replace: bool = True,
    sample_size: int | None = None,
    random_state: int | np.random.RandomState | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Distances between the diagram of ``cloud`` and the diagrams of resamples of it.

    Parameters
    ----------
    cloud : array-like, shape (n_points, n_features)
        One representation of the probe points.
    diagram_fn : callable
        ``diagram_fn(points) -> diagram`` of shape (n_bars, 3) or (1, n_bars, 3), giotto-tda
        layout (e.g. a wrapper of :func:`tda_nn.homology.compute_persistence`). It must be
        picklable when ``n_jobs > 1`` or with ``scheduler``.
    n_bootstrap : int
        Number of resamples.
    homology_dims : iterable of int
        Dimensions whose diagrams are compared.
    metric, order, ground_metric, n_directions, cap
        As in :func:`tda_nn.compare.diagram_distance`.
    replace : bool
        Resample with replacement (bootstrap) or without (subsampling, needs ``sample_size``
        below ``n_points``).
    sample_size : int, optional
        Points per resample; default ``n_points``.
    random_state : int, RandomState or None
        Seeds the resamples.
    n_jobs : int, optional
        Parallel jobs for the diagrams (joblib); ``None`` means 1.
    scheduler : str, distributed.Client or None
        A Dask scheduler address or client for the diagrams (``n_jobs`` is then ignored); the
        same values as locally.

    Returns
    -------
    pandas.DataFrame
        Columns ``replicate, homology_dim, metric, distance``; ``n_bootstrap × len(dims)`` rows.
    """
    from sklearn.utils import check_random_state

    points = np.asarray(cloud, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] < 2:
        raise InputError(f"cloud must have shape (n_points >= 2, n_features); got {points.shape}")
    if int(n_bootstrap) < 1:
        raise InputError(f"n_bootstrap must be >= 1, got {n_bootstrap}")
    n = points.shape[0]
    size = n if sample_size is None else int(sample_size)
    if size < 2 or (not replace and size > n):
        raise InputError(f"sample_size must be in [2, {n}] without replacement, got {sample_size}")
    spec = DistanceSpec(metric, order, ground_metric, n_directions, cap)
    dims = sorted({int(d) for d in homology_dims})
    rng = check_random_state(random_state)
    samples = [rng.choice(n, size=size, replace=replace) for _ in range(int(n_bootstrap))]
    diagrams, _ = run_units(diagram_fn, [points[idx] for idx in [np.arange(n), *samples]],
                            n_jobs=n_jobs, scheduler=scheduler, progress=False,
                            desc="resampled diagrams")
    reference, replicates = diagrams[0], diagrams[1:]
    tasks = [(b, d) for b in range(len(replicates)) for d in dims]
    pairs = [
        (split_diagram(reference, d, spec.cap, "diagram_fn(cloud)"),
         split_diagram(replicates[b], d, spec.cap, f"diagram_fn(resample {b})"))
        for b, d in tasks
    ]
    values = split_distances(pairs, spec, n_jobs=None)
    return pd.DataFrame({
        "replicate": np.array([b for b, _ in tasks], dtype=np.int64),
        "homology_dim": np.array([d for _, d in tasks], dtype=np.int64),
        "metric": [spec.name] * len(tasks),
        "distance": np.array(values, dtype=np.float64),
    })


def _names(layers: Mapping[Any, object] | Sequence[object]) -> list[Any]:
    if isinstance(layers, Mapping):
        return list(layers)
    return [str(i) for i in range(len(layers))]

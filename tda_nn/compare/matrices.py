"""Cross-model layer × layer tables: diagram distances, linear CKA and RTD.

Every function returns a tidy :class:`pandas.DataFrame` with the columns
``model_a, layer_a, model_b, layer_b, homology_dim, metric, distance, depth_a, depth_b``
(``distance`` always a dissimilarity; CKA as ``1 - CKA`` with ``homology_dim = -1``). Layers are
a mapping ``{name: diagram or cloud}`` in depth order, or a sequence. See ``docs/comparing.md``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.checks import check_homology_dimensions
from tda_nn.compare._diagrams import diagram_dimensions, split_diagram
from tda_nn.compare.cka import center, cka_many
from tda_nn.compare.distances import DistanceSpec, _n_jobs, split_distances
from tda_nn.compare.divergence import rtd
from tda_nn.errors import InputError
from tda_nn.execution import run_units

COLUMNS = (
    "model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance",
    "depth_a", "depth_b",
)
CKA_DIM = -1

__all__ = [
    "COLUMNS",
    "align_by_relative_depth",
    "cka_matrix",
    "layer_distance_matrix",
    "relative_depth",
    "rtd_matrix",
]


def relative_depth(n_layers: int) -> np.ndarray:
    """Relative depths ``i / (n_layers - 1)`` of ``n_layers`` layers; ``[0.0]`` for one layer.

    Parameters
    ----------
    n_layers : int
        Number of layers (at least 1).

    Returns
    -------
    numpy.ndarray of shape (n_layers,)
    """
    if int(n_layers) < 1:
        raise InputError(f"n_layers must be >= 1, got {n_layers}")
    if n_layers == 1:
        return np.zeros(1)
    return np.arange(n_layers) / (n_layers - 1)


def align_by_relative_depth(
    layers_a: Sequence[Any] | Mapping[Any, Any], layers_b: Sequence[Any] | Mapping[Any, Any]
) -> list[tuple[Any, Any]]:
    """Pair each layer of model A with the layer of model B at the nearest relative depth.

    Parameters
    ----------
    layers_a, layers_b : sequence of layer names (or mappings, whose keys are used), in depth
        order.

    Returns
    -------
    list of (layer_a, layer_b)
        One pair per layer of A; ties go to the shallower layer of B. Pass it as ``pairs=`` to
        the matrix functions to compute only the aligned pairs.

    Examples
    --------
    >>> align_by_relative_depth(["a0", "a1", "a2"], ["b0", "b1", "b2", "b3", "b4"])
    [('a0', 'b0'), ('a1', 'b2'), ('a2', 'b4')]
    """
    names_a, names_b = list(layers_a), list(layers_b)
    if not names_a or not names_b:
        raise InputError("align_by_relative_depth needs at least one layer in each model")
    depth_a, depth_b = relative_depth(len(names_a)), relative_depth(len(names_b))
    gap = np.round(np.abs(depth_a[:, None] - depth_b[None, :]), 12)
    nearest = np.argmin(gap, axis=1)  # the first (shallowest) of equal gaps
    return [(names_a[i], names_b[j]) for i, j in enumerate(nearest)]


def layer_distance_matrix(
    diagrams_a: Mapping[Any, object] | Sequence[object],
    diagrams_b: Mapping[Any, object] | Sequence[object] | None = None,
    *,
    metric: str = "wasserstein",
    homology_dims: Iterable[int] | None = None,
    order: float = 1.0,
    ground_metric: str = "linf",
    n_directions: int = 50,
    cap: float | None = None,
    model_a: str = "a",
    model_b: str = "b",
    pairs: Iterable[tuple[Any, Any]] | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Diagram distances between every layer of model A and every layer of model B.

    Parameters
    ----------
    diagrams_a, diagrams_b : mapping {layer: diagram} or sequence of diagrams
        One diagram per layer, shape (n_bars, 3) or (1, n_bars, 3), giotto-tda layout.
        ``diagrams_b=None`` compares model A with itself (``model_b`` is then ``model_a``).
    metric, order, ground_metric, n_directions, cap
        As in :func:`tda_nn.compare.diagram_distance`.
    homology_dims : iterable of int, optional
        Dimensions compared; default: every dimension found in the diagrams.
    model_a, model_b : str
        Names written in the table.
    pairs : iterable of (layer_a, layer_b), optional
        Only these pairs (e.g. from :func:`align_by_relative_depth`); default all.
    n_jobs : int, optional
        Parallel jobs (joblib); ``None`` means 1.
    scheduler : str, distributed.Client or None
        A Dask scheduler address or client to compute on (``n_jobs`` is then ignored); the
        same values as locally.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; rows ordered by layer_a, layer_b, homology_dim.
    """
    spec = DistanceSpec(metric, order, ground_metric, n_directions, cap)
    layers_a = _layers(diagrams_a, "diagrams_a")
    layers_b = layers_a if diagrams_b is None else _layers(diagrams_b, "diagrams_b")
    if diagrams_b is None:
        model_b = model_a
    dims = _homology_dims(homology_dims, layers_a, layers_b)
    index = _pair_index(layers_a, layers_b, pairs, symmetric=diagrams_b is None)
    split_a = {
        (name, d): split_diagram(diag, d, spec.cap, f"{model_a} layer {name!r}")
        for name, diag in layers_a.items() for d in dims
    }
    split_b = split_a if diagrams_b is None else {
        (name, d): split_diagram(diag, d, spec.cap, f"{model_b} layer {name!r}")
        for name, diag in layers_b.items() for d in dims
    }
    tasks = [(la, lb, d) for la, lb in index.computed for d in dims]
    values = split_distances([(split_a[la, d], split_b[lb, d]) for la, lb, d in tasks], spec,
                             n_jobs, scheduler)
    found = {task: v for task, v in zip(tasks, values, strict=True)}
    rows = []
    for la, lb in index.rows:
        for d in dims:
            value = found[(la, lb, d)] if (la, lb, d) in found else found[(lb, la, d)]
            rows.append((la, lb, d, value))
    return _table(rows, layers_a, layers_b, model_a, model_b, spec.name)


def cka_matrix(
    clouds_a: Mapping[Any, object] | Sequence[object],
    clouds_b: Mapping[Any, object] | Sequence[object] | None = None,
    *,
    model_a: str = "a",
    model_b: str = "b",
    pairs: Iterable[tuple[Any, Any]] | None = None,
) -> pd.DataFrame:
    """Linear CKA between every layer of model A and every layer of model B.

    Parameters
    ----------
    clouds_a, clouds_b : mapping {layer: array (n_points, n_features)} or sequence
        Activations of the same probe inputs in the same order; widths may differ.
        ``clouds_b=None`` compares model A with itself.
    model_a, model_b, pairs
        As in :func:`layer_distance_matrix`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS` plus ``similarity`` (the CKA); ``distance = 1 - CKA``,
        ``metric = "1-linear_cka"``, ``homology_dim = -1``. NaN for a constant layer.
    """
    layers_a = _layers(clouds_a, "clouds_a")
    layers_b = layers_a if clouds_b is None else _layers(clouds_b, "clouds_b")
    if clouds_b is None:
        model_b = model_a
    index = _pair_index(layers_a, layers_b, pairs, symmetric=clouds_b is None)
    centred_a = {name: center(x, f"{model_a} layer {name!r}") for name, x in layers_a.items()}
    centred_b = centred_a if clouds_b is None else {
        name: center(x, f"{model_b} layer {name!r}") for name, x in layers_b.items()
    }
    _check_rows([c.factor for c in centred_a.values()] + [c.factor for c in centred_b.values()])
    partners: dict[Any, list[Any]] = {}
    for la, lb in index.computed:
        partners.setdefault(la, []).append(lb)
    found = {}
    for la, lbs in partners.items():
        values = cka_many(centred_a[la], [centred_b[lb] for lb in lbs])
        found.update({(la, lb): v for lb, v in zip(lbs, values, strict=True)})
    similarity = [found[(la, lb)] if (la, lb) in found else found[(lb, la)] for la, lb in index.rows]
    rows = [(la, lb, CKA_DIM, 1.0 - s) for (la, lb), s in zip(index.rows, similarity, strict=True)]
    table = _table(rows, layers_a, layers_b, model_a, model_b, "1-linear_cka")
    table["similarity"] = similarity
    return table


def rtd_matrix(
    clouds_a: Mapping[Any, object] | Sequence[object],
    clouds_b: Mapping[Any, object] | Sequence[object] | None = None,
    *,
    n_samples: int = 500,
    n_trials: int = 10,
    quantile: float = 0.9,
    homology_dim: int = 1,
    random_state: int | np.random.RandomState | None = None,
    model_a: str = "a",
    model_b: str = "b",
    pairs: Iterable[tuple[Any, Any]] | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> pd.DataFrame:
    """RTD between every layer of model A and every layer of model B.

    Every pair uses the same random draws of probe rows (one seed drawn from ``random_state``),
    so the entries are comparable. RTD is costly (see docs/comparing.md): with
    ``n_samples=500, n_trials=10`` about 20 s per pair on one core.

    Parameters
    ----------
    clouds_a, clouds_b, model_a, model_b, pairs, n_jobs, scheduler
        As in :func:`cka_matrix` / :func:`layer_distance_matrix`.
    n_samples, n_trials, quantile, homology_dim, random_state
        As in :func:`tda_nn.compare.rtd`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`; ``metric = "rtd[samples=..,trials=..,quantile=..]"``.
    """
    from sklearn.utils import check_random_state

    layers_a = _layers(clouds_a, "clouds_a")
    layers_b = layers_a if clouds_b is None else _layers(clouds_b, "clouds_b")
    if clouds_b is None:
        model_b = model_a
    _check_rows([np.asarray(x) for x in layers_a.values()] + [np.asarray(x) for x in layers_b.values()])
    index = _pair_index(layers_a, layers_b, pairs, symmetric=clouds_b is None)
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    options = dict(n_samples=n_samples, n_trials=n_trials, quantile=quantile,
                   homology_dim=homology_dim, random_state=seed)
    values, _ = run_units(functools.partial(_rtd_unit, options=options),
                          [(layers_a[la], layers_b[lb]) for la, lb in index.computed],
                          n_jobs=_n_jobs(n_jobs, len(index.computed)), scheduler=scheduler,
                          progress=False, desc="rtd")
    found = dict(zip(index.computed, values, strict=True))
    rows = [
        (la, lb, int(homology_dim), found[(la, lb)] if (la, lb) in found else found[(lb, la)])
        for la, lb in index.rows
    ]
    name = f"rtd[samples={int(n_samples)},trials={int(n_trials)},quantile={float(quantile):g}]"
    return _table(rows, layers_a, layers_b, model_a, model_b, name)


def _rtd_unit(clouds: tuple[object, object], *, options: dict[str, Any]) -> float:
    return rtd(clouds[0], clouds[1], **options)


class _PairIndex:
    """The (layer_a, layer_b) rows of a table, and the pairs actually computed."""

    def __init__(self, rows: list[tuple[Any, Any]], computed: list[tuple[Any, Any]]) -> None:
        self.rows = rows
        self.computed = computed


def _pair_index(
    layers_a: dict[Any, object],
    layers_b: dict[Any, object],
    pairs: Iterable[tuple[Any, Any]] | None,
    symmetric: bool,
) -> _PairIndex:
    if pairs is None:
        rows = [(la, lb) for la in layers_a for lb in layers_b]
    else:
        rows = [tuple(p) for p in pairs]
        for la, lb in rows:
            if la not in layers_a:
                raise InputError(f"pairs: layer {la!r} is not a layer of model a")
            if lb not in layers_b:
                raise InputError(f"pairs: layer {lb!r} is not a layer of model b")
    if not symmetric:
        return _PairIndex(rows, list(dict.fromkeys(rows)))
    position = {name: i for i, name in enumerate(layers_a)}
    computed = list(dict.fromkeys(
        (la, lb) if position[la] <= position[lb] else (lb, la) for la, lb in rows
    ))
    return _PairIndex(rows, computed)


def _layers(layers: Mapping[Any, object] | Sequence[object], name: str) -> dict[Any, object]:
    if isinstance(layers, Mapping):
        out = dict(layers)
    elif isinstance(layers, np.ndarray) or (
        isinstance(layers, Sequence) and not isinstance(layers, str)
    ):
        out = {str(i): x for i, x in enumerate(layers)}
    else:
        raise InputError(f"{name} must be a mapping {{layer: array}} or a sequence of arrays")
    if not out:
        raise InputError(f"{name} has no layers")
    return out


def _homology_dims(
    homology_dims: Iterable[int] | None, layers_a: dict[Any, object], layers_b: dict[Any, object]
) -> list[int]:
    if homology_dims is not None:
        return list(check_homology_dimensions(homology_dims, "homology_dims"))
    found: set[int] = set()
    for group, layers in (("a", layers_a), ("b", layers_b)):
        for layer, diagram in layers.items():
            found.update(diagram_dimensions(diagram, f"model {group} layer {layer!r}"))
    if not found:
        raise InputError("homology_dims is required for diagrams with 2 columns (birth, death)")
    return sorted(found)


def _check_rows(arrays: list[np.ndarray]) -> None:
    counts = sorted({a.shape[0] for a in arrays})
    if len(counts) > 1:
        raise InputError(
            f"all layers must hold the same probe inputs; found clouds with {counts} rows"
        )


def _table(
    rows: list[tuple[Any, Any, int, float]],
    layers_a: dict[Any, object],
    layers_b: dict[Any, object],
    model_a: str,
    model_b: str,
    metric: str,
) -> pd.DataFrame:
    depth_a = dict(zip(layers_a, relative_depth(len(layers_a)), strict=True))
    depth_b = dict(zip(layers_b, relative_depth(len(layers_b)), strict=True))
    return pd.DataFrame(
        {
            "model_a": [str(model_a)] * len(rows),
            "layer_a": [r[0] for r in rows],
            "model_b": [str(model_b)] * len(rows),
            "layer_b": [r[1] for r in rows],
            "homology_dim": np.array([r[2] for r in rows], dtype=np.int64),
            "metric": [metric] * len(rows),
            "distance": np.array([r[3] for r in rows], dtype=np.float64),
            "depth_a": [float(depth_a[r[0]]) for r in rows],
            "depth_b": [float(depth_b[r[1]]) for r in rows],
        },
        columns=list(COLUMNS),
    )

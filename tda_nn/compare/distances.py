"""Distances between persistence diagrams: Wasserstein, bottleneck and sliced Wasserstein.

Order ``p`` and ground metric ``q`` are explicit and recorded in every result
(:attr:`DistanceSpec.name`, e.g. ``wasserstein[p=1,q=inf]``): GUDHI/Hera and giotto-tda use
``q = inf``, persim ``q = 2``. Padding rows are ignored; infinite deaths are capped (``cap``) or
matched among themselves. Each distance is an entry of a registry (:func:`register_distance`):
``compute(a, b, spec)`` on two split diagrams and a ``label`` for the table; :data:`METRICS` is
the live list of names that :class:`DistanceSpec`, compare jobs, ``tda-nn compare --metrics`` and
compare specs accept. The definitions, conventions and why this is our own code rather than Hera
or persim (``benchmarks/bench_distances.py``): ``docs/comparing.md``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tda_nn.checks import check_int
from tda_nn.compare._diagrams import SplitDiagram, split_diagram
from tda_nn.errors import InputError
from tda_nn.execution import run_units
from tda_nn.registry import Registry

GROUND_METRICS = ("linf", "l2")
#: pairs per Dask task in :func:`split_distances` (a task costs a few ms of scheduling)
_DASK_CHUNK = 64

__all__ = [
    "GROUND_METRICS",
    "METRICS",
    "Distance",
    "DistanceSpec",
    "diagram_distance",
    "pairwise_diagram_distances",
    "register_distance",
]

#: ``compute(a, b, spec) -> float`` on two validated one-dimension diagrams
DistanceFunction = Callable[["SplitDiagram", "SplitDiagram", "DistanceSpec"], float]


@dataclass(frozen=True)
class Distance:
    """A registered diagram distance.

    Attributes
    ----------
    name : str
    compute : callable
        ``compute(a, b, spec) -> float``; ``a`` and ``b`` are :class:`SplitDiagram` (finite bars
        ``(n, 2)`` and sorted essential births), ``spec`` the :class:`DistanceSpec`.
    label : callable
        ``label(spec) -> list of str``: the options shown in :attr:`DistanceSpec.name`.
    """

    name: str
    compute: DistanceFunction
    label: Callable[[DistanceSpec], list[str]]


_REGISTRY: Registry[Distance] = Registry("metric")
#: names of the registered diagram distances (a live tuple-like view)
METRICS = _REGISTRY.view()


def register_distance(
    name: str,
    compute: DistanceFunction,
    *,
    label: Callable[[DistanceSpec], list[str]] | None = None,
    replace: bool = False,
) -> Distance:
    """Make ``name`` a diagram distance of :func:`diagram_distance`, compare jobs and specs.

    Parameters
    ----------
    name : str
    compute : callable
        ``compute(a, b, spec) -> float`` (see :class:`Distance`).
    label : callable, optional
        Options shown in the table label ``name[...]``; default none (the label is ``name``).
    replace : bool
        Allow replacing a registered distance.
    """
    entry = Distance(name, compute, label or (lambda spec: []))
    return _REGISTRY.register(name, entry, replace=replace)


@dataclass(frozen=True)
class DistanceSpec:
    """What a diagram distance is: metric, order ``p``, ground metric ``q``, and options.

    Parameters
    ----------
    metric : str
        A registered distance: ``"wasserstein"``, ``"bottleneck"``, ``"sliced_wasserstein"``...
    order : float
        ``p >= 1``; used by ``"wasserstein"`` only.
    ground_metric : {"linf", "l2"}
        Norm in the plane; used by ``"wasserstein"`` and ``"bottleneck"``.
    n_directions : int
        Number of directions; used by ``"sliced_wasserstein"`` only.
    cap : float, optional
        Value that replaces infinite deaths (see docs/comparing.md).
    """

    metric: str = "wasserstein"
    order: float = 1.0
    ground_metric: str = "linf"
    n_directions: int = 50
    cap: float | None = None

    def __post_init__(self) -> None:
        _REGISTRY.get(self.metric)
        if self.ground_metric not in GROUND_METRICS:
            raise InputError(
                f"ground_metric must be one of {GROUND_METRICS}, got {self.ground_metric!r}"
            )
        try:
            order = float(self.order)
        except (TypeError, ValueError):
            order = math.nan
        if not (order >= 1 and math.isfinite(order)):
            raise InputError(
                f"order must be a finite number >= 1, got {self.order!r} "
                "(order=inf is metric='bottleneck')"
            )
        object.__setattr__(self, "order", order)
        n_directions = check_int(self.n_directions, "n_directions", 1, integral_floats=True)
        object.__setattr__(self, "n_directions", n_directions)
        if self.cap is not None and not math.isfinite(float(self.cap)):
            raise InputError(f"cap must be a finite number, got {self.cap!r}")

    @property
    def name(self) -> str:
        """Label for tables, e.g. ``"wasserstein[p=1,q=inf]"`` or ``"bottleneck[q=inf]"``."""
        params = _REGISTRY.get(self.metric).label(self)
        if self.cap is not None:
            params.append(f"cap={float(self.cap):g}")
        return f"{self.metric}[{','.join(params)}]" if params else self.metric


def diagram_distance(
    d1: object,
    d2: object,
    *,
    metric: str = "wasserstein",
    homology_dim: int | None = None,
    order: float = 1.0,
    ground_metric: str = "linf",
    n_directions: int = 50,
    cap: float | None = None,
) -> float:
    """Distance between two persistence diagrams in one homology dimension.

    Parameters
    ----------
    d1, d2 : array-like, shape (n_bars, 3), (1, n_bars, 3) or (n_bars, 2)
        Rows ``(birth, death, dim)`` (giotto-tda layout, padding rows ``birth == death`` are
        ignored) or ``(birth, death)`` of a single dimension.
    metric : str
        A registered distance (:data:`METRICS`): ``"wasserstein"``, ``"bottleneck"``,
        ``"sliced_wasserstein"``.
    homology_dim : int, optional
        Dimension compared; required when a 3-column diagram holds several dimensions.
    order : float
        Wasserstein order ``p >= 1``.
    ground_metric : {"linf", "l2"}
        Norm in the plane (``"linf"``: GUDHI/Hera/giotto-tda; ``"l2"``: persim).
    n_directions : int
        Directions of the sliced Wasserstein distance.
    cap : float, optional
        Replace infinite deaths by ``cap``; otherwise see docs/comparing.md.

    Returns
    -------
    float
        ``>= 0``; ``inf`` when the diagrams have different numbers of infinite bars and no
        ``cap`` is given (Wasserstein, bottleneck).

    Examples
    --------
    >>> a = [[0.0, 1.0, 1], [0.0, 0.0, 0]]
    >>> diagram_distance(a, [[0.0, 0.0, 1]], homology_dim=1)   # to the diagonal, (d - b) / 2
    0.5
    """
    spec = DistanceSpec(metric, order, ground_metric, n_directions, cap)
    a = split_diagram(d1, homology_dim, spec.cap, name="d1")
    b = split_diagram(d2, homology_dim, spec.cap, name="d2")
    return split_distance(a, b, spec)


def pairwise_diagram_distances(
    X: object,
    Y: object | None = None,
    *,
    metric: str = "wasserstein",
    homology_dim: int | None = None,
    order: float = 1.0,
    ground_metric: str = "linf",
    n_directions: int = 50,
    cap: float | None = None,
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> np.ndarray:
    """Distances between every diagram of ``X`` and every diagram of ``Y``.

    Parameters
    ----------
    X : array-like, shape (n_clouds_x, n_features, 3), or a sequence of (n_bars, 3) arrays
        The diagrams of the rows.
    Y : same as ``X``, optional
        When omitted, distances within ``X`` (a symmetric matrix with a zero diagonal, each pair
        computed once).
    metric, homology_dim, order, ground_metric, n_directions, cap
        As in :func:`diagram_distance`.
    n_jobs : int, optional
        Parallel jobs (joblib); ``None`` means 1.
    scheduler : str, distributed.Client or None
        A Dask scheduler address or client: the distances are computed there (``n_jobs`` is then
        ignored); same values as locally.

    Returns
    -------
    ndarray, shape (n_clouds_x, n_clouds_y)
    """
    spec = DistanceSpec(metric, order, ground_metric, n_directions, cap)
    xs = [split_diagram(d, homology_dim, spec.cap, f"X[{i}]") for i, d in enumerate(_items(X, "X"))]
    if Y is None:
        ys = xs
        pairs = [(i, j) for i in range(len(xs)) for j in range(i + 1, len(xs))]
    else:
        ys = [
            split_diagram(d, homology_dim, spec.cap, f"Y[{j}]") for j, d in enumerate(_items(Y, "Y"))
        ]
        pairs = [(i, j) for i in range(len(xs)) for j in range(len(ys))]
    values = split_distances([(xs[i], ys[j]) for i, j in pairs], spec, n_jobs, scheduler)
    out = np.zeros((len(xs), len(ys)))
    for (i, j), v in zip(pairs, values, strict=True):
        out[i, j] = v
        if Y is None:
            out[j, i] = v
    return out


def split_distances(
    pairs: Sequence[tuple[SplitDiagram, SplitDiagram]],
    spec: DistanceSpec,
    n_jobs: int | None,
    scheduler: Any = None,
) -> list[float]:
    """:func:`split_distance` over many pairs, in ``n_jobs`` chunks (joblib) or, with
    ``scheduler``, in chunks of about :data:`_DASK_CHUNK` pairs on a Dask cluster; the values
    are the same however the pairs are chunked."""
    if scheduler is None:
        n_chunks = _n_jobs(n_jobs, len(pairs))
        if n_chunks == 1:
            return [split_distance(a, b, spec) for a, b in pairs]
    else:
        n_chunks = max(1, -(-len(pairs) // _DASK_CHUNK))
    chunks = [list(pairs[k::n_chunks]) for k in range(n_chunks)]
    results, _ = run_units(functools.partial(_chunk, spec=spec), chunks, n_jobs=n_chunks,
                           scheduler=scheduler, progress=False, desc="distances")
    out = [0.0] * len(pairs)
    for k, values in enumerate(results):
        out[k::n_chunks] = values
    return out


def split_distance(a: SplitDiagram, b: SplitDiagram, spec: DistanceSpec) -> float:
    """Distance between two validated diagrams (see :func:`split_diagram`)."""
    return float(_REGISTRY.get(spec.metric).compute(a, b, spec))


def _q(spec: DistanceSpec) -> float:
    return math.inf if spec.ground_metric == "linf" else 2.0


def _q_label(spec: DistanceSpec) -> str:
    return "q=inf" if spec.ground_metric == "linf" else "q=2"


def _wasserstein(a: SplitDiagram, b: SplitDiagram, spec: DistanceSpec) -> float:
    if a.essential.size != b.essential.size:
        return math.inf
    p = spec.order
    gaps = np.abs(a.essential - b.essential)
    total = _wasserstein_cost(a.finite, b.finite, p, _q(spec)) + float(np.sum(gaps**p))
    return float(total ** (1.0 / p))


def _bottleneck_split(a: SplitDiagram, b: SplitDiagram, spec: DistanceSpec) -> float:
    if a.essential.size != b.essential.size:
        return math.inf
    gaps = np.abs(a.essential - b.essential)
    return float(max(_bottleneck(a.finite, b.finite, _q(spec)), gaps.max(initial=0.0)))


def _sliced(a: SplitDiagram, b: SplitDiagram, spec: DistanceSpec) -> float:
    if a.essential.size or b.essential.size:
        raise InputError("sliced_wasserstein needs finite deaths: pass cap=<value>")
    return _sliced_wasserstein(a.finite, b.finite, spec.n_directions)


def _chunk(pairs: list[tuple[SplitDiagram, SplitDiagram]], *, spec: DistanceSpec) -> list[float]:
    return [split_distance(a, b, spec) for a, b in pairs]


def _n_jobs(n_jobs: int | None, n_tasks: int) -> int:
    if n_jobs is None or n_tasks <= 1:
        return 1
    if n_jobs < 0:
        import os

        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return max(1, min(int(n_jobs), n_tasks))


def _items(X: object, name: str) -> list[object]:
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise InputError(f"{name} must have shape (n_clouds, n_features, 3); got {X.shape}")
        return list(X)
    if isinstance(X, Sequence) and not isinstance(X, str):
        return list(X)
    raise InputError(f"{name} must be an array (n_clouds, n_features, 3) or a list of diagrams")


def _diagonal_distance(points: np.ndarray, q: float) -> np.ndarray:
    """``||x - proj(x)||_q`` for points ``(b, d)``: ``(d - b) / 2 * 2**(1/q)``."""
    half = (points[:, 1] - points[:, 0]) / 2.0
    return half if math.isinf(q) else half * 2.0 ** (1.0 / q)


def _cross_distance(a: np.ndarray, b: np.ndarray, q: float) -> np.ndarray:
    """``||a_i - b_j||_q``, shape (n, m)."""
    db = np.abs(a[:, None, 0] - b[None, :, 0])
    dd = np.abs(a[:, None, 1] - b[None, :, 1])
    if math.isinf(q):
        return np.maximum(db, dd)
    return np.hypot(db, dd)


def _wasserstein_cost(a: np.ndarray, b: np.ndarray, p: float, q: float) -> float:
    """``min sum cost**p`` over partial matchings of two finite diagrams (exact).

    The rows of the assignment are the smaller diagram's bars; the columns are the other
    diagram's bars plus one diagonal slot per row. Matching row ``x`` to bar ``y`` costs
    ``c(x, y) - c(y, diag)`` (``y`` then no longer goes to the diagonal), to a diagonal slot
    ``c(x, diag)``; the total adds ``sum_y c(y, diag)``. It is recomputed from the matching
    with non-negative terms only, so identical diagrams give exactly 0.
    """
    from scipy.optimize import linear_sum_assignment

    if len(a) > len(b):
        a, b = b, a
    n, m = len(a), len(b)
    diag_b = _diagonal_distance(b, q) ** p
    if n == 0:
        return float(diag_b.sum())
    diag_a = _diagonal_distance(a, q) ** p
    pair = _cross_distance(a, b, q) ** p
    cost = np.empty((n, m + n))
    cost[:, :m] = pair - diag_b[None, :]
    cost[:, m:] = diag_a[:, None]
    rows, cols = linear_sum_assignment(cost)
    to_bar = cols < m
    matched_b = np.zeros(m, dtype=bool)
    matched_b[cols[to_bar]] = True
    return float(
        pair[rows[to_bar], cols[to_bar]].sum()
        + diag_a[rows[~to_bar]].sum()
        + diag_b[~matched_b].sum()
    )


def _bottleneck(a: np.ndarray, b: np.ndarray, q: float) -> float:
    """Exact bottleneck distance of two finite diagrams.

    A threshold ``t`` admits a matching iff the bars that cannot go to the diagonal
    (``c(x, diag) > t``) of each diagram can be matched, within ``t``, into the other diagram;
    by the Mendelsohn–Dulmage theorem the two one-sided matchings combine into one. The answer
    is the smallest candidate value (a cross or diagonal distance) that admits a matching.
    """
    diag_a = _diagonal_distance(a, q)
    diag_b = _diagonal_distance(b, q)
    if len(a) == 0 or len(b) == 0:
        return float(max(diag_a.max(initial=0.0), diag_b.max(initial=0.0)))
    cross = _cross_distance(a, b, q)
    # every bar goes to the diagonal or to its nearest bar: a lower bound on the answer
    lower = max(
        np.minimum(diag_a, cross.min(axis=1)).max(), np.minimum(diag_b, cross.min(axis=0)).max()
    )
    candidates = np.unique(np.concatenate([cross.ravel(), diag_a, diag_b]))
    candidates = candidates[candidates >= lower]
    lo, hi = 0, len(candidates) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _admits_matching(cross, diag_a, diag_b, candidates[mid]):
            hi = mid
        else:
            lo = mid + 1
    return float(candidates[lo])


def _admits_matching(
    cross: np.ndarray, diag_a: np.ndarray, diag_b: np.ndarray, t: float
) -> bool:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    heavy_a = diag_a > t
    heavy_b = diag_b > t
    for graph in (cross[heavy_a] <= t, (cross[:, heavy_b] <= t).T):
        if graph.shape[0] == 0:
            continue
        if not graph.any(axis=1).all():
            return False
        match = maximum_bipartite_matching(csr_matrix(graph), perm_type="column")
        if (match < 0).any():
            return False
    return True


def _sliced_wasserstein(a: np.ndarray, b: np.ndarray, n_directions: int) -> float:
    """Mean over ``n_directions`` directions ``theta_k = -pi/2 + k pi / M`` of the 1-D W1."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    theta = -np.pi / 2 + np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(theta), np.sin(theta)])  # (2, M)
    on_diagonal = directions.sum(axis=0)  # projection of (1, 1)
    proj_a = a @ directions
    proj_b = b @ directions
    mid_a = (a.sum(axis=1) / 2.0)[:, None] * on_diagonal[None, :]
    mid_b = (b.sum(axis=1) / 2.0)[:, None] * on_diagonal[None, :]
    left = np.sort(np.concatenate([proj_a, mid_b]), axis=0)
    right = np.sort(np.concatenate([proj_b, mid_a]), axis=0)
    return float(np.abs(left - right).sum(axis=0).mean())


register_distance("wasserstein", _wasserstein,
                  label=lambda spec: [f"p={spec.order:g}", _q_label(spec)])
register_distance("bottleneck", _bottleneck_split, label=lambda spec: [_q_label(spec)])
register_distance("sliced_wasserstein", _sliced,
                  label=lambda spec: [f"directions={spec.n_directions}"])

"""Outliers trimmed before a second look: points far from their neighbours, relative to them.

Maxmin landmarks pick the farthest points first, so a few outliers become landmarks and, in the
Rips filtration, their distances set the resolution: on a torus with 1-5% uniform outliers in its
bounding box the loops fall under the threshold (``benchmarks/betti_suite.py``, outliers). A point's
*outlier ratio* is its mean distance to its :data:`OUTLIER_NEIGHBOURS` nearest neighbours divided
by the median of the same mean over those neighbours: about 1 inside a cloud whatever its density
or scale (a sparse region's neighbours are sparse too), large for a point alone in empty space.
Points whose ratio is above the threshold (:data:`OUTLIER_RATIO`) are trimmed and the cloud is
measured again; :func:`refine_by_trimming` keeps, for each ``beta_k`` (k >= 1), the larger of the
two answers (trimming never removes a feature it finds, and never decides ``beta_0``: a few trimmed
points may be a real small piece). Evidence and limits: ``docs/betti-numbers.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "OUTLIER_NEIGHBOURS",
    "OUTLIER_RATIO",
    "TRIM_REFERENCE_POINTS",
    "Outliers",
    "find_outliers",
    "outlier_ratios",
    "refine_by_trimming",
]

#: default threshold on the outlier ratio (``TopologyParams.outlier_ratio``); chosen on the
#: calibration split of ``betti_suite`` (2 and 3 tried), confirmed on validation and holdout
OUTLIER_RATIO = 2.0
#: neighbours of the ratio's mean distances
OUTLIER_NEIGHBOURS = 10
#: clouds with more rows have their ratios measured against a seeded uniform sample of this
#: many rows (every row's neighbours are taken among the sample), so the cost stays
#: ``n * TRIM_REFERENCE_POINTS * n_features``
TRIM_REFERENCE_POINTS = 5000
#: metrics whose clouds are checked (graph and precomputed metrics are not)
_METRICS = {"euclidean": "euclidean", "cosine": "cosine"}


@dataclass(frozen=True)
class Outliers:
    """The rows trimmed from a cloud.

    Attributes
    ----------
    rows : ndarray of int or None
        Trimmed rows, sorted; None: the cloud was not checked (``reason`` says why).
    threshold : float
        The outlier-ratio threshold used (0: off).
    reason : str
        Why the cloud was not checked ("" when it was).
    """

    rows: np.ndarray | None
    threshold: float
    reason: str = ""

    @property
    def n_trimmed(self) -> int:
        """Rows trimmed; -1 when not checked."""
        return -1 if self.rows is None else int(len(self.rows))


#: nothing to trim (what the trimmed cloud's own second look uses)
NO_OUTLIERS = Outliers(rows=np.zeros(0, dtype=np.int64), threshold=0.0)


def outlier_ratios(cloud: np.ndarray, metric: str = "euclidean", random_state: int | None = 0,
                   k: int = OUTLIER_NEIGHBOURS) -> np.ndarray:
    """The outlier ratio of every row of ``cloud`` ``(n_points, n_features)``.

    Returns
    -------
    ratios : ndarray of shape (n_points,)
        Mean distance to the ``k`` nearest neighbours over the median of that mean among those
        neighbours; 0 for a row at distance 0 from all its neighbours (duplicates), inf for a
        row whose neighbours all have such duplicates but which itself has not.
    """
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(cloud, dtype=np.float64)
    n = len(X)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros(n)
    if n > TRIM_REFERENCE_POINTS:
        # None draws the same reference sample every time (seed 0), as the default landmarks do
        seed = 0 if random_state is None else random_state
        ref = np.sort(np.random.default_rng(seed).choice(n, TRIM_REFERENCE_POINTS, replace=False))
    else:
        ref = np.arange(n)
    nn = NearestNeighbors(n_neighbors=k + 1, metric=_METRICS[metric], algorithm="brute")
    dist, idx = nn.fit(X[ref]).kneighbors(X)
    idx = ref[idx]
    in_ref = np.zeros(n, dtype=bool)
    in_ref[ref] = True
    # a reference row's nearest neighbour is itself: drop the first column there, the last elsewhere
    dist = np.where(in_ref[:, None], dist[:, 1:], dist[:, :-1])
    idx = np.where(in_ref[:, None], idx[:, 1:], idx[:, :-1])
    mean = dist.mean(axis=1)
    local = np.median(mean[idx], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = mean / local
    ratios[mean == 0] = 0.0
    return ratios


def find_outliers(cloud, threshold: float, metric: str = "euclidean",
                  random_state: int | None = 0) -> Outliers:
    """The rows of ``cloud`` whose :func:`outlier_ratios` exceed ``threshold`` (0: off).

    Checked: in-memory clouds of at least ``OUTLIER_NEIGHBOURS + 2`` rows in the ``euclidean`` or
    ``cosine`` metric; otherwise ``rows`` is None and ``reason`` says why.
    """
    if not threshold:
        return Outliers(None, 0.0, "outlier trimming off")
    if not isinstance(cloud, np.ndarray):
        return Outliers(None, threshold, "a cloud read by blocks is not checked for outliers")
    if metric not in _METRICS:
        return Outliers(None, threshold, f"the {metric} metric is not checked for outliers")
    if len(cloud) < OUTLIER_NEIGHBOURS + 2:
        return Outliers(np.zeros(0, dtype=np.int64), threshold)
    ratios = outlier_ratios(cloud, metric, random_state)
    return Outliers(np.flatnonzero(ratios > threshold), threshold)


def refine_by_trimming(n_points: int, decisions: list, outliers: Outliers, measure) -> list:
    """``beta_k`` (k >= 1) as the larger of the cloud's answer and its trimmed cloud's.

    Parameters
    ----------
    n_points : int
        Rows of the cloud.
    decisions : list of DimDecision
        Of the whole cloud (pieces already measured apart), H0 first.
    outliers : Outliers
        From :func:`find_outliers`.
    measure : callable ``keep -> list of DimDecision``
        Decisions of ``cloud[keep]`` (``keep`` a boolean mask) with the job's parameters.

    Returns
    -------
    list of DimDecision
        ``decisions`` with ``n_trimmed`` set on every dimension; when rows were trimmed,
        ``betti_untrimmed`` (the cloud's own answer) too, and for k >= 1 ``betti``,
        ``betti_test`` and ``betti_significant`` the larger of the two answers; a row where the
        trimmed cloud answers otherwise is unsure, and so is one where a trimmed-cloud
        answer that was kept is unsure.
    """
    for dec in decisions:
        dec.n_trimmed = outliers.n_trimmed
    if outliers.rows is None or len(outliers.rows) == 0 or not decisions:
        return decisions
    keep = np.ones(n_points, dtype=bool)
    keep[outliers.rows] = False
    trimmed = measure(keep)
    for dec, other in zip(decisions, trimmed, strict=True):
        dec.betti_untrimmed = dec.betti
        if dec.dim == 0:
            continue
        own = dec.betti
        dec.betti = max(own, other.betti)
        dec.betti_test = max(dec.betti_test, other.betti_test)
        dec.betti_significant = max(dec.betti_significant, other.betti_significant)
        if other.betti != own:
            dec.mark_unsure(f"trimming {outliers.n_trimmed} outlying points gives {other.betti}, "
                            f"the cloud {own}")
        if other.betti > own:
            for reason in other.reasons:
                dec.mark_unsure(f"the trimmed cloud: {reason}")
    return decisions

"""A second look with twice the landmarks, for loops only a few landmark spacings long.

At 300 maxmin landmarks a flat 3-torus gets about 7 landmarks around each of its circles and a
torus with R/r = 5 about 4 around its tube: their loops are born at a few landmark spacings and
die soon after, so neither the universal-null test nor the rule counts them
(``docs/betti-numbers.md``). Yet they leave a mark on the diagram: the top few H1 bars stand
apart from the rest by their death/birth ratio. That mark alone does not separate them from a
swiss roll's loop across its sheets or a loop of outliers, but the way ratios change with the
landmarks does: a feature of the shape dies at the shape's scale and is born at the landmark
spacing, so with twice the landmarks its ratio grows (by about ``2 ** (1 / d)`` on a
``d``-dimensional shape), while a noise bar's ratio is a property of the sampling and does not,
and loops drawn through outliers (which are landmarks at any count) keep their ratio.

:func:`refine_by_denser_look` therefore looks again only when the first diagram shows ``k`` H1
bars standing apart (:data:`TRIGGER_GAP`, :data:`MIN_RATIO`) above the current answer, and
counts them when, with twice the landmarks, the top ``k`` bars stand further apart
(:data:`CONFIRM_GAP`) and each grew (:data:`MIN_GROWTH`). The answer only rises, like the
trimmed cloud's. Evidence and limits: ``docs/betti-numbers.md``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CONFIRM_GAP",
    "DENSER_FACTOR",
    "MAX_GAP_BARS",
    "MIN_GROWTH",
    "MIN_RATIO",
    "TRIGGER_GAP",
    "bars_standing_apart",
    "refine_by_denser_look",
    "sorted_ratios",
]

#: constants set on the calibration split of ``benchmarks/betti_suite.py`` (seeds 0-1) from the
#: 300- and 600-landmark H1 diagrams of its landmark clouds; see ``docs/betti-numbers.md``
#: first look: the top ``k`` ratios are each at least this many times the ``(k+1)``-th ...
TRIGGER_GAP = 1.25
#: ... and each at least this (at the first and at the denser look)
MIN_RATIO = 1.8
#: denser look: the top ``k`` ratios are each at least this many times the ``(k+1)``-th ...
CONFIRM_GAP = 1.4
#: ... and each grew by at least this factor from the first look (rank by rank)
MIN_GROWTH = 1.1
#: landmarks of the denser look, as a multiple of the first look's
DENSER_FACTOR = 2
#: the largest group of bars standing apart that is looked for
MAX_GAP_BARS = 8
#: metrics whose clouds get a denser look (the constants were set on euclidean clouds)
_METRICS = ("euclidean", "cosine")


def sorted_ratios(bars: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Death/birth ratios of the finite bars ``(n_bars, 2)`` born above 0, largest first, in
    distance units (``power=2``: the diagram is in squared distances)."""
    from tda_nn.features.universal_null import persistence_ratios

    ratios, _ = persistence_ratios(bars)  # its "testable" also drops ratio 1: not wanted here
    births = np.asarray(bars, dtype=np.float64).reshape(-1, 2)[:, 0]
    ratios = ratios[(births > 0) & np.isfinite(ratios)] ** (1.0 / power)
    return np.sort(ratios)[::-1]


def bars_standing_apart(ratios: np.ndarray, gap: float, min_ratio: float = MIN_RATIO,
                        max_k: int = MAX_GAP_BARS) -> int:
    """The largest ``k <= max_k`` such that ``ratios[k-1] >= min_ratio`` and
    ``ratios[k-1] >= gap * ratios[k]`` (``ratios`` sorted, largest first; bars stand apart from
    other bars, so ``k`` is less than the number of bars); 0 when there is none."""
    r = np.asarray(ratios, dtype=np.float64)
    best = 0
    for k in range(1, min(len(r) - 1, max_k) + 1):
        if r[k - 1] >= min_ratio and r[k - 1] >= gap * r[k]:
            best = k
    return best


def refine_by_denser_look(result, decisions: list, n_points: int, metric: str, measure,
                          power: float = 1.0) -> list:
    """``beta_1`` raised to the bars standing apart when a denser look confirms them.

    Parameters
    ----------
    result : PersistenceResult
        The cloud's first look (its landmarks set the denser look's count).
    decisions : list of DimDecision
        Of the cloud (pieces measured apart, outliers trimmed), H0 first.
    n_points : int
        Rows of the cloud.
    metric : str
        The cloud's metric; only ``euclidean`` and ``cosine`` clouds are looked at again.
    measure : callable ``n_landmarks -> PersistenceResult``
        H0 and H1 of the same cloud through ``n_landmarks`` landmarks, same seed.
    power : float
        2 when the diagram is in squared distances (``cosine``).

    Returns
    -------
    list of DimDecision
        ``decisions``; on H1, ``n_landmarks_denser`` is the denser look's landmarks (0: none) and
        ``betti_denser`` the bars it confirmed (-1: no denser look); when that is more than
        ``betti``, ``betti`` takes it and the row is unsure.
    """
    h1 = next((d for d in decisions if d.dim == 1), None)
    if h1 is None or metric not in _METRICS or result.subsample != "maxmin":
        return decisions
    m = int(result.n_points_used) * DENSER_FACTOR
    if n_points < m:
        return decisions
    first = sorted_ratios(result.bars(1), power)
    k = bars_standing_apart(first, TRIGGER_GAP)
    if k <= h1.betti:
        return decisions
    second = sorted_ratios(measure(m).bars(1), power)
    h1.n_landmarks_denser = m
    grown = len(second) >= k and bool(np.all(second[:k] >= MIN_GROWTH * first[:k]))
    h1.betti_denser = k if grown and bars_standing_apart(second, CONFIRM_GAP) == k else 0
    if h1.betti_denser > h1.betti:
        h1.mark_unsure(f"{k} H1 bars stand apart and grew with {m} landmarks; "
                       f"{h1.betti} at {result.n_points_used}")
        h1.betti = h1.betti_denser
    return decisions

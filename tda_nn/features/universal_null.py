"""A p-value for every bar: the universal null distribution of Bobrowski & Skraba (2023).

``l = A log log(death / birth) + B``, standardised over the bars of one dimension, follows the
left-skewed Gumbel law for noise; a bar's p-value is ``exp(-exp(l))``, and the bars significant
after a multiple-testing correction are counted. Needs :data:`MIN_BARS` bars. The law, its fit
here (``benchmarks/bench_universal_null.py``) and its limits: ``docs/betti-numbers.md``.
NumPy only (no SciPy), so the persistence unit can call it without importing more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tda_nn.errors import InputError

__all__ = [
    "CORRECTIONS",
    "EULER_GAMMA",
    "MIN_BARS",
    "RIPS_A",
    "BarTest",
    "left_gumbel_cdf",
    "persistence_ratios",
    "universal_null_test",
    "universal_null_pvalues",
]

EULER_GAMMA = 0.5772156649015329
#: slope ``A`` of the standardisation for Vietoris–Rips filtrations (Čech/alpha: 0.5)
RIPS_A = 1.0
#: fewest bars (with ``death / birth > 1``) in one dimension for the test to estimate its null
MIN_BARS = 10
CORRECTIONS = ("bonferroni", "holm", "bh", "none")


def left_gumbel_cdf(x) -> np.ndarray:
    """CDF of the left-skewed Gumbel law, ``1 - exp(-exp(x))``."""
    return -np.expm1(-np.exp(np.asarray(x, dtype=np.float64)))


def persistence_ratios(bars) -> tuple[np.ndarray, np.ndarray]:
    """``death / birth`` of each bar of shape (n_bars, 2), and which bars can be tested.

    Returns
    -------
    ratio : ndarray of shape (n_bars,)
    testable : ndarray of shape (n_bars,) of bool
        ``birth > 0``, finite ratio, ``ratio > 1``.
    """
    b = np.asarray(bars, dtype=np.float64).reshape(-1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = b[:, 1] / b[:, 0]
    return ratio, (b[:, 0] > 0) & np.isfinite(ratio) & (ratio > 1)


def universal_null_pvalues(bars, A: float = RIPS_A, reference=None) -> np.ndarray:
    """p-values of the finite bars of ONE homology dimension under the universal null.

    Parameters
    ----------
    bars : array-like of shape (n_bars, 2)
        ``(birth, death)`` rows of one dimension (k >= 1).
    A : float
        Slope of the standardisation: 1 for Vietoris–Rips, 0.5 for Čech / alpha complexes.
    reference : array-like of shape (n_bars,) of bool, or None
        Bars whose mean ``log log pi`` locates the null (``B``); None: every testable bar, as
        in the paper. Untestable bars are never used.

    Returns
    -------
    ndarray of shape (n_bars,)
        ``exp(-exp(l))`` per bar; NaN for bars that are not tested (birth <= 0, infinite death,
        ``death / birth <= 1``). All NaN when fewer than two reference bars can be tested.
    """
    ratio, ok = persistence_ratios(bars)
    out = np.full(len(ratio), np.nan)
    ref = ok if reference is None else ok & np.asarray(reference, dtype=bool)
    if np.count_nonzero(ref) < 2:
        return out
    loglog = np.log(np.log(ratio[ok]))
    centre = np.log(np.log(ratio[ref])).mean()
    out[ok] = np.exp(-np.exp(A * (loglog - centre) - EULER_GAMMA))
    return out


def _reject(p: np.ndarray, alpha: float, correction: str) -> np.ndarray:
    """Which of the (finite) p-values are rejected at level ``alpha`` after ``correction``."""
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool)
    if correction == "none":
        return p < alpha
    if correction == "bonferroni":
        return p < alpha / m
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    k = np.arange(1, m + 1)
    if correction == "holm":
        passed = ranked < alpha / (m - k + 1)
        n = m if passed.all() else int(np.argmin(passed))
    else:  # Benjamini–Hochberg
        below = np.flatnonzero(ranked <= alpha * k / m)
        n = int(below[-1]) + 1 if len(below) else 0
    out = np.zeros(m, dtype=bool)
    out[order[:n]] = True
    return out


@dataclass(frozen=True)
class BarTest:
    """The test's verdict on the bars of one dimension.

    Attributes
    ----------
    significant : ndarray of shape (n_bars,) of bool
    p_values : ndarray of shape (n_bars,)
        NaN for bars not tested.
    n_tested : int
        Bars the null was estimated from; 0 when there were fewer than ``min_bars``.
    threshold : float
        The per-bar level the smallest p-value had to beat (``alpha / n_tested`` for
        Bonferroni; for Holm and BH the level at the last rejection or the first acceptance).
    margin : float
        ``log10`` of the distance between the decision and its threshold: the smallest
        ``|log10(p / threshold_i)|`` over the bars, where ``threshold_i`` is the level bar ``i``
        was compared with. Small margins (under 1: a factor 10) mean a bar sits near the line.
    """

    significant: np.ndarray
    p_values: np.ndarray
    n_tested: int
    threshold: float
    margin: float


def universal_null_test(
    bars,
    *,
    alpha: float = 0.05,
    correction: str = "bonferroni",
    A: float = RIPS_A,
    min_bars: int = MIN_BARS,
) -> BarTest:
    """Test every bar of ONE homology dimension (k >= 1) against the universal null.

    Parameters
    ----------
    bars : array-like of shape (n_bars, 2)
    alpha : float
        Family-wise (Bonferroni, Holm) or false-discovery (BH) level, in (0, 1).
    correction : {"bonferroni", "holm", "bh", "none"}
    A : float
        Slope of the standardisation (1: Vietoris–Rips).
    min_bars : int
        Fewest testable bars; below it nothing is significant and ``n_tested = 0``.

    Returns
    -------
    BarTest
    """
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise InputError(f"alpha must be a number in (0, 1), got {alpha!r}")
    if correction not in CORRECTIONS:
        raise InputError(f"correction must be one of {CORRECTIONS}, got {correction!r}")
    p = universal_null_pvalues(bars, A)
    tested = np.flatnonzero(np.isfinite(p))
    sig = np.zeros(len(p), dtype=bool)
    if len(tested) < max(int(min_bars), 2):
        return BarTest(sig, p, 0, math.nan, math.nan)
    pt = p[tested]
    reject = _reject(pt, alpha, correction)
    sig[tested] = reject
    m = len(pt)
    if correction == "bonferroni":
        levels = np.full(m, alpha / m)
    elif correction == "none":
        levels = np.full(m, alpha)
    else:
        order = np.argsort(pt, kind="stable")
        k = np.arange(1, m + 1)
        ranked_levels = alpha / (m - k + 1) if correction == "holm" else alpha * k / m
        levels = np.empty(m)
        levels[order] = ranked_levels
    first = int(np.argmin(pt))
    threshold = float(levels[first])
    with np.errstate(divide="ignore"):
        margin = float(np.min(np.abs(np.log10(np.maximum(pt, 1e-300) / levels))))
    return BarTest(sig, p, m, threshold, margin)

"""Betti numbers from persistence diagrams: at a scale, or counted as significant bars.

:class:`BettiNumbers` and :func:`betti_numbers` work on the diagram alone (so the transformer
chains after :class:`tda_nn.homology.VietorisRipsPersistence` in a scikit-learn ``Pipeline``):
``method="significant"`` (default; a scale-free rule in units of the resolution ``rho`` read off
the H0 bars), ``"test"`` (the universal null test of :mod:`tda_nn.features.universal_null`) and
``"scale"`` (bars alive at one scale). :func:`tda_nn.features.decision.decide_betti` decides on a
whole persistence result instead (what ``tda-nn persistence`` uses).

The rules, their constants and how often they are right: ``docs/betti-numbers.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from tda_nn._sklearn import Satisfies, TdaEstimatorMixin, parallel_rows
from tda_nn.diagrams import check_diagrams, diagram_homology_dimensions
from tda_nn.errors import InputError
from tda_nn.features._transformer import check_some_rows
from tda_nn.features.universal_null import CORRECTIONS

__all__ = [
    "BIRTH_WINDOW",
    "JUMP",
    "PERSISTENCE_FACTORS",
    "BettiNumbers",
    "betti_at_scale",
    "betti_numbers",
    "resolution",
    "significant_bars",
    "tested_bars",
]

#: bars of dimension >= 1 must be born at or before this multiple of the resolution
BIRTH_WINDOW = 4.0
#: minimum persistence of H1, H2, ... bars in units of the resolution
PERSISTENCE_FACTORS = (1.4, 0.45)
#: an H0 gap must be at least this many times the next H0 death
JUMP = 1.9
#: ... and more than this many times the median H0 death
GAP_OVER_MEDIAN = 2.0
METHODS = ("significant", "test", "scale")


def _components(diagram: np.ndarray, jump: float) -> tuple[int, float]:
    """Number of significant H0 bars and the resolution ``rho`` (NaN without H0 bars)."""
    d = diagram
    h = d[(d[:, 2] == 0) & (d[:, 0] < d[:, 1]), 1]
    h = np.sort(h[np.isfinite(h)])[::-1]
    if len(h) == 0:
        return 0, float("nan")
    floor = GAP_OVER_MEDIAN * float(np.median(h))
    nxt = np.append(h[1:], 0.0)
    gaps = np.flatnonzero((h > floor) & (h >= jump * nxt))
    s = int(gaps[-1]) + 1 if len(gaps) else 0
    rho = float(h[s]) if s < len(h) else float(np.median(h))
    return s, rho


def _h0_gaps(d: np.ndarray, jump: float) -> tuple[np.ndarray, float]:
    """Mask of the H0 bars that are gaps between pieces (the longest ones), and ``rho``."""
    n_gaps, rho = _components(d, jump)
    out = np.zeros(len(d), dtype=bool)
    h0 = np.flatnonzero((d[:, 2] == 0) & (d[:, 0] < d[:, 1]))
    if n_gaps:
        out[h0[np.argsort(-d[h0, 1], kind="stable")[:n_gaps]]] = True
    return out, rho


def resolution(diagram: np.ndarray, jump: float = JUMP) -> float:
    """The resolution ``rho`` of one diagram: its largest H0 death that is not a gap.

    Parameters
    ----------
    diagram : ndarray of shape (n_bars, 3)
        Padding rows (birth == death) are ignored.
    jump : float
        Ratio that separates gaps between pieces from spacings inside them.

    Returns
    -------
    float
        NaN when the diagram has no H0 bar.
    """
    return _components(np.asarray(diagram, dtype=np.float64), jump)[1]


def significant_bars(
    diagram: np.ndarray,
    *,
    birth_window: float = BIRTH_WINDOW,
    persistence_factors: Sequence[float] = PERSISTENCE_FACTORS,
    jump: float = JUMP,
    rho: float | None = None,
    distance_power: float = 1.0,
) -> np.ndarray:
    """Which bars of one diagram are significant (see docs/betti-numbers.md).

    Parameters
    ----------
    diagram : ndarray of shape (n_bars, 3)
    birth_window : float
        Bars of dimension >= 1 must be born at or before ``birth_window * rho``.
    persistence_factors : sequence of float
        ``[c_1, c_2, ...]``: an H_k bar needs ``death - birth > c_k * rho`` (the last factor
        serves every higher dimension).
    jump : float
        H0 gap ratio (see docs/betti-numbers.md).
    rho : float or None
        Resolution (in the units of the distances); None estimates it from the H0 bars (then H0
        must be in the diagram).
    distance_power : float
        Filtration values are distances to this power (2 for ``metric="cosine"``); the rule
        works on their ``1 / distance_power`` power.

    Returns
    -------
    ndarray of shape (n_bars,) of bool
    """
    d = np.asarray(diagram, dtype=np.float64)
    if not distance_power > 0:
        raise InputError(f"distance_power must be > 0, got {distance_power!r}")
    if distance_power != 1:
        d = d.copy()
        d[:, :2] = np.maximum(d[:, :2], 0.0) ** (1.0 / distance_power)
    factors = np.asarray(persistence_factors, dtype=np.float64)
    if factors.ndim != 1 or len(factors) == 0 or np.any(factors < 0):
        raise InputError(
            f"persistence_factors must be non-negative numbers, got {persistence_factors!r}"
        )
    out, estimate = _h0_gaps(d, jump)
    if rho is None:
        rho = estimate
    alive = d[:, 0] < d[:, 1]
    dims = d[:, 2].astype(int)
    higher = alive & (dims > 0)
    if np.isnan(rho):
        if higher.any():
            raise InputError(
                "method='significant' reads the resolution off the H0 bars: compute homology "
                "dimension 0 too, or pass resolution="
            )
        return out
    c = factors[np.clip(dims - 1, 0, len(factors) - 1)] * rho
    out |= higher & (d[:, 0] <= birth_window * rho) & (d[:, 1] - d[:, 0] > c)
    return out


def tested_bars(
    diagram: np.ndarray, *, alpha: float = 0.05, correction: str = "bonferroni", jump: float = JUMP
) -> np.ndarray:
    """Which bars of one diagram count under ``method="test"``: H0 gaps, significant H_k bars.

    Returns
    -------
    ndarray of shape (n_bars,) of bool
    """
    from tda_nn.features.universal_null import universal_null_test

    d = np.asarray(diagram, dtype=np.float64)
    out, _ = _h0_gaps(d, jump)
    alive = d[:, 0] < d[:, 1]
    dims = d[:, 2].astype(int)
    for k in np.unique(dims[dims > 0]):
        rows = np.flatnonzero(alive & (dims == k))
        out[rows] = universal_null_test(d[rows, :2], alpha=alpha, correction=correction).significant
    return out


def betti_at_scale(
    diagram: np.ndarray,
    scale: float,
    homology_dimensions: Sequence[int],
    reduced_homology: bool = True,
) -> np.ndarray:
    """Betti numbers of the complex at one scale: bars with ``birth <= scale < death``.

    Returns
    -------
    ndarray of shape (len(homology_dimensions),) of int
    """
    d = np.asarray(diagram, dtype=np.float64)
    alive = (d[:, 0] <= scale) & (scale < d[:, 1])
    out = np.array([np.count_nonzero(alive & (d[:, 2] == k)) for k in homology_dimensions])
    if reduced_homology:
        out[np.asarray(homology_dimensions) == 0] += 1
    return out.astype(np.int64)


def betti_numbers(
    diagrams,
    method: str = "significant",
    *,
    scale: float | None = None,
    homology_dimensions: Sequence[int] | None = None,
    reduced_homology: bool = True,
    birth_window: float = BIRTH_WINDOW,
    persistence_factors: Sequence[float] = PERSISTENCE_FACTORS,
    jump: float = JUMP,
    resolution: float | None = None,
    distance_power: float = 1.0,
    alpha: float = 0.05,
    correction: str = "bonferroni",
) -> np.ndarray:
    """Betti numbers of each diagram.

    Parameters
    ----------
    diagrams : ndarray of shape (n_clouds, n_features, 3) or (n_bars, 3)
        Diagrams in giotto-tda's layout (a single diagram is a collection of one).
    method : {"significant", "test", "scale"}
        How bars are counted (see docs/betti-numbers.md).
    scale : float
        Required by ``method="scale"``.
    homology_dimensions : sequence of int or None
        Columns of the output; None: the dimensions present in ``diagrams``.
    reduced_homology : bool
        The diagrams lack the essential H0 bar: add 1 to ``beta_0``.
    birth_window, persistence_factors, jump, resolution, distance_power
        Parameters of the significance rule (see :func:`significant_bars`); ``resolution`` fixes
        ``rho`` for every diagram instead of reading it off the H0 bars.
    alpha, correction
        Level and multiple-testing correction of ``method="test"``.

    Returns
    -------
    ndarray of shape (n_clouds, n_homology_dims) of int
    """
    D = check_diagrams(diagrams)
    if homology_dimensions is None:
        dims = diagram_homology_dimensions(D)
    else:
        dims = tuple(int(k) for k in homology_dimensions)
    if method == "scale":
        if scale is None or not np.isfinite(float(scale)):
            raise InputError(f"method='scale' needs a finite scale, got {scale!r}")
        return np.stack([betti_at_scale(d, float(scale), dims, reduced_homology) for d in D])
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    if resolution is not None and not float(resolution) > 0:
        raise InputError(f"resolution must be a number > 0, got {resolution!r}")
    out = np.zeros((len(D), len(dims)), dtype=np.int64)
    for i, d in enumerate(D):
        if method == "test":
            keep = tested_bars(d, alpha=alpha, correction=correction, jump=jump)
        else:
            keep = significant_bars(
                d, birth_window=birth_window, persistence_factors=persistence_factors, jump=jump,
                rho=resolution, distance_power=distance_power,
            )
        for j, k in enumerate(dims):
            out[i, j] = np.count_nonzero(keep & (d[:, 2] == k))
    if reduced_homology and 0 in dims:
        out[:, dims.index(0)] += 1
    return out


def _non_negative_numbers(value: Any) -> bool:
    factors = np.asarray(value, dtype=np.float64)
    return factors.ndim == 1 and len(factors) > 0 and bool(np.all(factors >= 0))


class BettiNumbers(TdaEstimatorMixin, TransformerMixin, BaseEstimator):
    """Betti numbers of each diagram, as a transformer (chains after VietorisRipsPersistence).

    Parameters
    ----------
    method : {"significant", "test", "scale"}, default "significant"
        ``"significant"``: the scale-free significance rule in units of the resolution ``rho``;
        ``"test"``: the universal-null test of Bobrowski & Skraba for H_k bars (k >= 1);
        ``"scale"``: bars alive at ``scale``. H0 by the gap rule for the first two (see
        docs/betti-numbers.md).
    scale : float or None
        Scale for ``method="scale"``.
    reduced_homology : bool, default True
        Diagrams without the essential H0 bar (the default of VietorisRipsPersistence).
    birth_window : float, default 4.0
        An H_k bar counts only when born by ``birth_window * rho`` (``"significant"``).
    persistence_factors : tuple of float, default (1.4, 0.45)
        Minimum persistence of H1, H2 (and higher) bars in units of the resolution.
    jump : float, default 1.9
        H0 gap ratio.
    resolution : float or None, default None
        Fixed ``rho``; None estimates it per diagram from the H0 bars.
    distance_power : float, default 1.0
        2 for diagrams of ``metric="cosine"`` (squared distances); see docs/betti-numbers.md.
    alpha : float, default 0.05
        Level of ``method="test"``.
    correction : {"bonferroni", "holm", "bh", "none"}, default "bonferroni"
        Multiple-testing correction of ``method="test"`` across the bars of one dimension.
    n_jobs : int or None, default None
        Diagrams transformed in parallel by joblib.

    Attributes
    ----------
    homology_dimensions_ : tuple of int
        Dimensions found in the diagrams passed to ``fit``: the output columns.
    n_features_in_ : int
        Rows per diagram of the collection passed to ``fit`` (not enforced by ``transform``).
    """

    _preserves_dtype = ()  # integer counts
    _input_kind = "diagrams"
    _parameter_constraints: dict = {
        "method": [StrOptions(set(METHODS))],
        "scale": [Real, None],
        "reduced_homology": ["boolean"],
        "birth_window": [Interval(Real, 0, None, closed="left")],
        "persistence_factors": [
            Satisfies(_non_negative_numbers, "a non-empty sequence of non-negative numbers")
        ],
        "jump": [Interval(Real, 1, None, closed="left")],
        "resolution": [Interval(Real, 0, None, closed="neither"), None],
        "distance_power": [Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "correction": [StrOptions(set(CORRECTIONS))],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        method: str = "significant",
        scale: float | None = None,
        reduced_homology: bool = True,
        birth_window: float = BIRTH_WINDOW,
        persistence_factors: tuple[float, ...] = PERSISTENCE_FACTORS,
        jump: float = JUMP,
        resolution: float | None = None,
        distance_power: float = 1.0,
        alpha: float = 0.05,
        correction: str = "bonferroni",
        n_jobs: int | None = None,
    ) -> None:
        self.method = method
        self.scale = scale
        self.reduced_homology = reduced_homology
        self.birth_window = birth_window
        self.persistence_factors = persistence_factors
        self.jump = jump
        self.resolution = resolution
        self.distance_power = distance_power
        self.alpha = alpha
        self.correction = correction
        self.n_jobs = n_jobs

    def _check_param_combinations(self) -> None:
        if self.method == "scale" and (self.scale is None or not np.isfinite(self.scale)):
            raise self._param_error("scale", "a finite number with method='scale'", self.scale)

    def fit(self, X, y=None) -> BettiNumbers:
        """Validate parameters and record the homology dimensions of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_clouds, n_features, 3)
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = check_diagrams(X, name="X")
        self.homology_dimensions_ = diagram_homology_dimensions(X)
        check_some_rows(X, self.homology_dimensions_)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X, y=None) -> np.ndarray:
        """Betti numbers per diagram.

        Parameters
        ----------
        X : ndarray of shape (n_clouds, n_features, 3)
        y : ignored

        Returns
        -------
        ndarray of shape (n_clouds, n_homology_dims) of int
            Columns in the order of ``homology_dimensions_``.
        """
        check_is_fitted(self, "homology_dimensions_")
        return parallel_rows(self._betti, check_diagrams(X, name="X"), self.n_jobs)

    def _betti(self, X: np.ndarray) -> np.ndarray:
        return betti_numbers(
            X,
            self.method,
            scale=self.scale,
            homology_dimensions=self.homology_dimensions_,
            reduced_homology=self.reduced_homology,
            birth_window=self.birth_window,
            persistence_factors=self.persistence_factors,
            jump=self.jump,
            resolution=self.resolution,
            distance_power=self.distance_power,
            alpha=self.alpha,
            correction=self.correction,
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names ``betti_h<dim>`` of the output columns.

        Parameters
        ----------
        input_features : ignored
            Accepted for scikit-learn's API.
        """
        check_is_fitted(self, "homology_dimensions_")
        return np.array([f"betti_h{d}" for d in self.homology_dimensions_], dtype=object)

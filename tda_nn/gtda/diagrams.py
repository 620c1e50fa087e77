"""``gtda.diagrams`` transformers with giotto-tda's signatures (see :mod:`tda_nn.gtda`).

Each class is its :mod:`tda_nn.features` counterpart with giotto-tda's parameter names, order
and defaults; output columns follow the homology dimensions seen in ``fit``, sorted, as in
giotto-tda.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tda_nn.features.curves import BettiCurve as _BettiCurve
from tda_nn.features.summaries import Amplitude as _Amplitude
from tda_nn.features.summaries import NumberOfBars as _NumberOfBars
from tda_nn.features.summaries import PersistenceEntropy as _PersistenceEntropy

__all__ = ["Amplitude", "BettiCurve", "NumberOfPoints", "PersistenceEntropy"]


class PersistenceEntropy(_PersistenceEntropy):
    """``gtda.diagrams.PersistenceEntropy(normalize=False, nan_fill_value=-1.0, n_jobs=None)``.

    Parameters
    ----------
    normalize : bool
        Divide by ``log2`` of the total lifetime (giotto-tda's heuristic).
    nan_fill_value : float or None
        Value for dimensions without bars.
    n_jobs : int or None
        Diagrams transformed in parallel by joblib.
    """

    homology_dimensions = None

    def __init__(
        self, normalize: bool = False, nan_fill_value: float | None = -1.0, n_jobs: int | None = None
    ) -> None:
        self.normalize = normalize
        self.nan_fill_value = nan_fill_value
        self.n_jobs = n_jobs


class Amplitude(_Amplitude):
    """``gtda.diagrams.Amplitude(metric="landscape", metric_params=None, order=None, n_jobs=None)``.

    Parameters
    ----------
    metric : {"bottleneck", "wasserstein", "betti", "landscape"}
        Giotto-tda's default ``"landscape"``; the other giotto-tda metrics are not provided.
    metric_params : dict or None
        ``p`` (default 2), ``n_bins`` (default 100), ``n_layers`` (default 1).
    order : float or None
        If given, the ``order``-norm of the amplitude vector; output (n_clouds, 1).
    n_jobs : int or None
        Diagrams transformed in parallel by joblib.
    """

    homology_dimensions = None

    def __init__(
        self,
        metric: str = "landscape",
        metric_params: Mapping[str, Any] | None = None,
        order: float | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.order = order
        self.n_jobs = n_jobs


class NumberOfPoints(_NumberOfBars):
    """``gtda.diagrams.NumberOfPoints(n_jobs=None)``: off-diagonal points per dimension.

    Parameters
    ----------
    n_jobs : int or None
        Diagrams transformed in parallel by joblib.
    """

    homology_dimensions = None
    min_lifetime = 0.0
    _prefix = "n_points"

    def __init__(self, n_jobs: int | None = None) -> None:
        self.n_jobs = n_jobs


class BettiCurve(_BettiCurve):
    """``gtda.diagrams.BettiCurve(n_bins=100, n_jobs=None)``.

    Parameters
    ----------
    n_bins : int
        Points of the grid of each homology dimension, fitted in ``fit``.
    n_jobs : int or None
        Diagrams transformed in parallel by joblib.
    """

    homology_dimensions = None

    def __init__(self, n_bins: int = 100, n_jobs: int | None = None) -> None:
        self.n_bins = n_bins
        self.n_jobs = n_jobs

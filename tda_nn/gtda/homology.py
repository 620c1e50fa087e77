"""``gtda.homology.VietorisRipsPersistence`` with giotto-tda's signature (see :mod:`tda_nn.gtda`)."""

from __future__ import annotations

import numpy as np

from tda_nn.homology.persistence import VietorisRipsPersistence as _VietorisRipsPersistence

__all__ = ["VietorisRipsPersistence"]


class VietorisRipsPersistence(_VietorisRipsPersistence):
    """Exact Vietoris–Rips persistence with giotto-tda's parameters and defaults.

    :class:`tda_nn.homology.VietorisRipsPersistence` with ``subsample="none"`` (the whole cloud,
    as giotto-tda computes it), ``collapse_edges=False`` by default and giotto-tda's parameter
    order. Clouds above 6,000 points need a finite ``max_edge_length``.

    Parameters
    ----------
    metric : {"euclidean", "cosine", "precomputed", "knn_geodesic"}, default "euclidean"
        Metric of the clouds; giotto-tda's other scikit-learn metric names and callables are not
        provided.
    metric_params : dict or None, default None
        ``{"n_neighbors": k}`` for ``"knn_geodesic"``; ``{}`` is accepted.
    homology_dimensions : sequence of int, default (0, 1)
        Dimensions to compute.
    collapse_edges : bool, default False
        Edge collapse before the reduction (exact, faster in high dimensions).
    coeff : int, default 2
        Prime ``p``: homology with coefficients in Z/pZ.
    max_edge_length : float, default inf
        Threshold of the filtration.
    infinity_values : float or None, default None
        Death given to bars still alive at the threshold; None: the threshold.
    reduced_homology : bool, default True
        Drop the one essential H0 bar.
    n_jobs : int or None, default None
        Clouds computed in parallel by joblib.
    """

    subsample = "none"
    n_landmarks = 300
    backend = "giotto-ph"
    n_threads = 1
    random_state = None

    def __init__(
        self,
        metric: str = "euclidean",
        metric_params: dict | None = None,
        homology_dimensions: tuple[int, ...] = (0, 1),
        collapse_edges: bool = False,
        coeff: int = 2,
        max_edge_length: float = np.inf,
        infinity_values: float | None = None,
        reduced_homology: bool = True,
        n_jobs: int | None = None,
    ) -> None:
        self.metric = metric
        self.metric_params = metric_params
        self.homology_dimensions = homology_dimensions
        self.collapse_edges = collapse_edges
        self.coeff = coeff
        self.max_edge_length = max_edge_length
        self.infinity_values = infinity_values
        self.reduced_homology = reduced_homology
        self.n_jobs = n_jobs

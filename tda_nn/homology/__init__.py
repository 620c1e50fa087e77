"""Persistent homology of point clouds: from clouds to persistence diagrams you can trust.

- :class:`VietorisRipsPersistence`: collection of clouds in, giotto-tda-layout diagrams
  ``(n_clouds, n_features, 3)`` out, with per-cloud covering radius and error bound.
- :func:`compute_persistence`: the pure per-cloud unit of work, returning a
  :class:`PersistenceResult` (what executors schedule).
- :func:`maxmin_landmarks`, :func:`random_subsample`: subsamples with their covering radius.
- :func:`metric_space`: Euclidean, cosine, k-NN-graph hop-count (Naitzat et al. 2020) and
  precomputed distances.
- :func:`run_backend`: giotto-ph (default), ripser.py, GUDHI, giotto-tda behind one signature.
- :class:`PersistenceParams`: the persistence parameters every layer shares (defaults,
  validation, dict form); :func:`register_backend`, :func:`register_metric` add engines and
  metrics (see ``docs/extending.md``).

How the defaults are chosen and what they cost: ``docs/concepts.md``; turning diagrams into
Betti numbers: ``docs/betti-numbers.md``. Names are imported lazily,
so a worker that only runs :func:`compute_persistence` never imports scikit-learn's estimator
machinery.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "BACKENDS": "tda_nn.homology.backends",
    "register_backend": "tda_nn.homology.backends",
    "run_backend": "tda_nn.homology.backends",
    "METRICS": "tda_nn.homology.metrics",
    "metric_space": "tda_nn.homology.metrics",
    "register_metric": "tda_nn.homology.metrics",
    "PersistenceParams": "tda_nn.homology.params",
    "SUBSAMPLE_CHOICES": "tda_nn.homology.params",
    "VietorisRipsPersistence": "tda_nn.homology.persistence",
    "check_point_clouds": "tda_nn.homology.persistence",
    "pad_diagrams": "tda_nn.diagrams",
    "Subsample": "tda_nn.homology.subsample",
    "maxmin_landmarks": "tda_nn.homology.subsample",
    "random_subsample": "tda_nn.homology.subsample",
    "DEFAULT_N_LANDMARKS": "tda_nn.homology.params",
    "PersistenceResult": "tda_nn.homology.unit",
    "compute_persistence": "tda_nn.homology.unit",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

"""giotto-tda's names and defaults on tda-nn's transformers: a pipeline migrates by its imports.

``from gtda.homology import X`` becomes ``from tda_nn.gtda.homology import X`` and
``from gtda.diagrams import Y`` becomes ``from tda_nn.gtda.diagrams import Y``; every class here
has the signature of its giotto-tda 0.6.2 namesake (same parameter names, order and defaults)
and gives the same numbers (tested against giotto-tda in ``tests/test_gtda_compat.py``).

Covered: ``gtda.homology.VietorisRipsPersistence``; ``gtda.diagrams.PersistenceEntropy``,
``Amplitude`` (metrics ``"bottleneck"``, ``"wasserstein"``, ``"betti"``, ``"landscape"``),
``NumberOfPoints``, ``BettiCurve``. Deliberate differences, all raising a one-line error rather
than computing something else:

- ``metric`` of ``VietorisRipsPersistence``: ``"euclidean"``, ``"cosine"``, ``"precomputed"``
  (and tda-nn's ``"knn_geodesic"``); giotto-tda also takes every scikit-learn metric name and
  callables.
- ``metric_params`` defaults to None instead of ``{}`` (a mutable default breaks scikit-learn's
  ``clone`` checks); ``{}`` is accepted.
- ``Amplitude`` metrics ``"silhouette"``, ``"heat"`` and ``"persistence_image"``, and the
  other ``gtda.diagrams`` classes (``Scaler``, ``Filtering``, ``PairwiseDistance`` -- see
  :mod:`tda_nn.compare.distances` --, ``PersistenceLandscape``, ``HeatKernel``, ...), are not
  provided.
- ``VietorisRipsPersistence`` validates its parameters in ``fit`` (giotto-tda too) and exposes
  per-cloud results through ``transform_results``; it computes with giotto-ph, as giotto-tda does.

The tda-nn classes themselves (:class:`tda_nn.homology.VietorisRipsPersistence`,
:mod:`tda_nn.features`) accept the same parameters with two other defaults: landmarks for clouds
larger than 300 points (``subsample="auto"``; giotto-tda is always exact) and
``Amplitude(metric="bottleneck")``.
"""

from __future__ import annotations

"""The scientific experiment: reproduce Naitzat et al. (JMLR 2020) and weigh competing explanations.

- :func:`run_experiment` (``python -m tda_nn.experiments SPEC --out DIR``): the pipelines of an
  experiment spec (``pipelines/naitzat_*.yaml``, ``pipelines/real_*.yaml``), the paper's kNN
  protocol on the same activations, the input layer, the analysis and the verdict.
- :mod:`tda_nn.experiments.findings`: the findings as tidy estimates with intervals over runs.
- :mod:`tda_nn.experiments.stats`: intervals, paired and group tests, Holm / BH corrections.
- :mod:`tda_nn.experiments.rules`: the fixed decision rules (thresholds, alpha, correction).
- :mod:`tda_nn.experiments.verdict`: what held and what did not, with the numbers
  (:func:`tda_nn.experiments.verdict.verdict`).

Importing this package is cheap; torch is imported only when training runs.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "analyse_experiment": "tda_nn.experiments.run",
    "run_experiment": "tda_nn.experiments.run",
    "load_experiment_spec": "tda_nn.experiments.spec",
    # not "verdict": that is the submodule's name (tda_nn.experiments.verdict.verdict is the
    # function); exporting both under one name made the attribute depend on import order
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

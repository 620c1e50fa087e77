"""The scientific experiment: reproduce Naitzat et al. (JMLR 2020) and weigh competing explanations.

- :func:`run_experiment` (``python -m tda_nn.experiments SPEC --out DIR``): the pipelines of an
  experiment spec (``pipelines/naitzat_*.yaml``, ``pipelines/real_*.yaml``), the paper's kNN
  protocol on the same activations, the input layer, the analysis and the verdict.
- :mod:`tda_nn.experiments.findings`: the findings as tidy estimates with intervals over runs.
- :mod:`tda_nn.experiments.stats`: intervals, paired and group tests, Holm / BH corrections.
- :mod:`tda_nn.experiments.rules`: the fixed decision rules (thresholds, alpha, correction).
- :mod:`tda_nn.experiments.verdict`: what held and what did not, with the numbers.

Importing this package is cheap; torch is imported only when training runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["analyse_experiment", "load_experiment_spec", "run_experiment", "verdict"]


def __getattr__(name: str) -> Any:
    if name in ("run_experiment", "analyse_experiment"):
        from tda_nn.experiments import run

        return getattr(run, name)
    if name == "load_experiment_spec":
        from tda_nn.experiments.spec import load_experiment_spec

        return load_experiment_spec
    if name == "verdict":
        from tda_nn.experiments.verdict import verdict

        return verdict
    raise AttributeError(f"module 'tda_nn.experiments' has no attribute {name!r}")

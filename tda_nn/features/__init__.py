"""Diagrams and point clouds to numbers: Betti curves, summaries, intrinsic dimension, probes;
and from a torch model, the competing measures: Jacobian rank (local dimension) per layer and the
linear regions a ReLU net's segments cross.

Names are imported lazily so that ``import tda_nn.features`` stays cheap. ``BettiNumbers`` and
``betti_numbers`` live in :mod:`tda_nn.features.betti`.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

# public name -> module that defines it
_EXPORTS = {
    "BettiCurve": "tda_nn.features.curves",
    "betti_curves": "tda_nn.features.curves",
    "fit_samplings": "tda_nn.features.curves",
    "AMPLITUDE_METRICS": "tda_nn.features.summaries",
    "Amplitude": "tda_nn.features.summaries",
    "NumberOfBars": "tda_nn.features.summaries",
    "PersistenceEntropy": "tda_nn.features.summaries",
    "TotalPersistence": "tda_nn.features.summaries",
    "amplitude": "tda_nn.features.summaries",
    "check_diagrams": "tda_nn.features.summaries",
    "number_of_bars": "tda_nn.features.summaries",
    "persistence_entropy": "tda_nn.features.summaries",
    "summary_records": "tda_nn.features.summaries",
    "total_persistence": "tda_nn.features.summaries",
    "IntrinsicDimension": "tda_nn.features.intrinsic_dimension",
    "intrinsic_dimensions": "tda_nn.features.intrinsic_dimension",
    "twonn_dimension": "tda_nn.features.intrinsic_dimension",
    "linear_probe_accuracy": "tda_nn.features.probe",
    "linear_probe_scores": "tda_nn.features.probe",
    "ClassClouds": "tda_nn.features.classes",
    "predicted_labels": "tda_nn.features.classes",
    "split_by_class": "tda_nn.features.classes",
    "BettiNumbers": "tda_nn.features.betti",
    "betti_numbers": "tda_nn.features.betti",
    "jacobian_ranks": "tda_nn.features.jacobian_rank",
    "jacobian_singular_values": "tda_nn.features.jacobian_rank",
    "local_dimension": "tda_nn.features.jacobian_rank",
    "activation_patterns": "tda_nn.features.linear_regions",
    "region_counts": "tda_nn.features.linear_regions",
    "segment_pairs": "tda_nn.features.linear_regions",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

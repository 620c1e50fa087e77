"""Topology measurements as jobs: plan (run, step, layer, class) units, measure, write tables.

``persistence_job`` is what ``tda-nn persistence`` runs; ``tda_nn.pipeline`` reuses the same units.
"""

from tda_nn.analysis.api import persistence_job, read_table
from tda_nn.analysis.units import TopologyParams, Unit

__all__ = ["TopologyParams", "Unit", "persistence_job", "read_table"]

"""Scheduling independent units of work: joblib locally, Dask distributed when asked."""

from tda_nn.execution.mapping import map_ordered
from tda_nn.execution.runner import RunSummary, run_units

__all__ = ["RunSummary", "map_ordered", "run_units"]

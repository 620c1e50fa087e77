"""Scheduling independent units of work: joblib locally, Dask distributed when asked."""

from tda_nn.execution.mapping import map_ordered
from tda_nn.execution.runner import RunSummary, connected, run_units, scheduler_address

__all__ = ["RunSummary", "connected", "map_ordered", "run_units", "scheduler_address"]

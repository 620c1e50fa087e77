"""Shared test set-up: headless matplotlib, quiet numba, few threads (the CI machine has 2 cores)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")

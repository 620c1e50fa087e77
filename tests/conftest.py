"""Shared test set-up: headless matplotlib, quiet numba, few threads (the CI machine has 2 cores)."""

from __future__ import annotations

import contextlib
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # these three before numpy or torch is imported


class _ProjectionUMAP:
    """Stands in for ``umap.UMAP``: the cloud's first two principal axes. umap-learn JIT-compiles
    its kernels in every fresh process (tens of seconds on a fresh install, whose numba cache is
    empty), so the default tests draw UMAP figures with this and the tests marked slow with the
    real one."""

    def __init__(self, calls: list[dict[str, Any]], **params: Any) -> None:
        self.params = params
        calls.append(params)

    def fit_transform(self, X: Any) -> Any:
        import numpy as np  # not at the top: the environment above is set before numpy loads

        centred = np.asarray(X, dtype=np.float64)
        centred = centred - centred.mean(axis=0)
        _, _, axes = np.linalg.svd(centred, full_matrices=False)
        Y = np.zeros((len(centred), 2), dtype=np.float32)
        projected = centred @ axes[:2].T
        Y[:, : projected.shape[1]] = projected
        return Y


@contextlib.contextmanager
def _projection_umap() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    module = types.ModuleType("umap")
    module.UMAP = lambda **params: _ProjectionUMAP(calls, **params)  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "umap", module)
        yield calls


@pytest.fixture(scope="session")
def projection_umap():
    """A context manager that replaces umap-learn with :class:`_ProjectionUMAP` while it is open;
    it yields the list of the parameters of every ``UMAP(...)`` made."""
    return _projection_umap


@pytest.fixture
def fake_umap(projection_umap) -> Iterator[list[dict[str, Any]]]:
    """umap-learn replaced by :class:`_ProjectionUMAP` for one test (the parameters of each call)."""
    with projection_umap() as calls:
        yield calls

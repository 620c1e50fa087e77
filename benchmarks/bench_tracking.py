"""Benchmark: the persistence phase of a tracking job, 10 layers x 20 capture steps x 1,000 probe points.

Target (issue "Persistence over training"): under 2 minutes on a 2-core machine. Prints wall time for
local joblib (n_jobs=1 and 2) and a Dask LocalCluster with 1 and 2 worker processes, and the scaling.

The store holds the real activations of a 10-layer tanh MLP (width 64) whose weights drift between
captures, on 1,000 probe points (digits, repeated with small noise), so every cloud differs.

    python benchmarks/bench_tracking.py            # full: 10 layers x 20 steps x 1,000 points
    python benchmarks/bench_tracking.py --quick    # 4 layers x 3 steps x 300 points
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def make_store(root: Path, n_layers: int, n_steps: int, n_points: int, seed: int = 0) -> Path:
    """Write a run store of a drifting random MLP's activations."""
    from sklearn.datasets import load_digits

    from tda_nn.io import RunStore

    rng = np.random.default_rng(seed)
    X, y = load_digits(return_X_y=True)
    idx = rng.choice(len(X), size=n_points, replace=n_points > len(X))
    X = (X[idx] / 16.0 + rng.normal(scale=0.02, size=(n_points, X.shape[1]))).astype(np.float32)
    layers = [f"act{i + 1}" for i in range(n_layers)]
    store = RunStore.create(root, layer_names=layers, n_samples=n_points, labels=y[idx])
    weights = [rng.normal(scale=1 / np.sqrt(64), size=(64 if i else X.shape[1], 64))
               for i in range(n_layers)]
    for step in range(n_steps):
        h = X
        for name, w in zip(layers, weights, strict=True):
            h = np.tanh(h @ w * 2.0)
            store.write_activations(step, name, h.astype(np.float32))
        store.mark_complete(step)
        weights = [w + rng.normal(scale=0.02 / np.sqrt(64), size=w.shape) for w in weights]
    return root


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {seconds:8.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--engines", default="serial,joblib2,dask1,dask2")
    args = parser.parse_args()
    n_layers, n_steps, n_points = (4, 3, 300) if args.quick else (10, 20, 1000)

    from distributed import LocalCluster

    from tda_nn.analysis import TopologyParams, persistence_job

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"job: {n_layers} layers x {n_steps} steps x {n_points} points, H0-H1, default method, "
          "whole-probe clouds (classes none)")
    tmp = Path(tempfile.mkdtemp(prefix="bench_tracking_"))
    try:
        store = make_store(tmp / "store", n_layers, n_steps, n_points)
        params = TopologyParams(intrinsic_dimension=False, linear_probe=False)
        common = dict(params=params, classes="none", progress=False, log=lambda m: None)
        times = {}
        engines = args.engines.split(",")
        if "serial" in engines:
            times["serial"] = timed("local, n_jobs=1", lambda: persistence_job(
                store, tmp / "serial", n_jobs=1, **common))
        if "joblib2" in engines:
            times["joblib2"] = timed("local joblib, n_jobs=2", lambda: persistence_job(
                store, tmp / "joblib2", n_jobs=2, **common))
        for workers in (1, 2):
            if f"dask{workers}" not in engines:
                continue
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                times[f"dask{workers}"] = timed(
                    f"Dask LocalCluster, {workers} worker(s)",
                    lambda c=cluster, w=workers: persistence_job(
                        store, tmp / f"dask{w}", scheduler=c.scheduler_address, **common),
                )
        if "dask1" in times and "dask2" in times:
            print(f"Dask scaling 1 -> 2 workers: {times['dask1'] / times['dask2']:.2f}x")
        if "serial" in times and "joblib2" in times:
            print(f"joblib scaling 1 -> 2 processes: {times['serial'] / times['joblib2']:.2f}x")
        best = min(times.values())
        print(f"best persistence phase: {best:.1f} s (target < 120 s): "
              f"{'OK' if best < 120 else 'MISSED'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: ``compare_job`` (what ``tda-nn compare`` runs) on two 12-layer activation files.

Two saved-activation files (``.npz``) of a ReLU and a tanh random MLP (12 layers, widths 64–256)
on the same 1,000 probe inputs (the inputs of ``bench_compare.py``) are compared end to end:
loading, H0/H1 diagrams of all 24 layers (default maxmin landmarks), 12 × 12 Wasserstein and
bottleneck matrices for H0 and H1, the 12 × 12 linear CKA matrix, the summary, the tables and the
figures. The issue's target: under a minute on this machine without a null. Also timed: the
bootstrap null (``--n-bootstrap`` pairs of resamples per model, i.e. ``2 n_bootstrap`` extra
diagrams per layer), which dominates the cost with single-seed inputs.

Usage::

    python benchmarks/bench_compare_job.py                # 12 x 12 layers, 1,000 points
    python benchmarks/bench_compare_job.py --quick        # 4 x 4 layers, 300 points
    python benchmarks/bench_compare_job.py --n-jobs 2 --n-bootstrap 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_compare import machine, mlp_activations, probe_inputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 4 layers, 300 points")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--n-bootstrap", type=int, default=5)
    parser.add_argument("--no-bootstrap", action="store_true", help="skip the bootstrap run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.layers, args.points, args.n_bootstrap = 4, 300, 2

    from tda_nn.compare.job import compare_job
    from tda_nn.io import save_activations
    from tda_nn.versions import library_versions

    rng = np.random.default_rng(args.seed)
    inputs = probe_inputs(args.points, rng)
    runs = [("none", "none"), ("figures", "none")]
    if not args.no_bootstrap:
        runs.append(("figures", "bootstrap"))
    print(f"bench_compare_job: {args.layers} x {args.layers} layers, {args.points} probe points, "
          f"n_jobs={args.n_jobs}")
    print(f"machine: {machine()}")
    versions = library_versions()
    print("versions: " + ", ".join(
        f"{k} {versions[k]}" for k in ("python", "numpy", "scipy", "giotto-ph") if k in versions
    ))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, activation in (("relu", "relu"), ("tanh", "tanh")):
            layers = mlp_activations(inputs, args.layers, activation, rng)
            save_activations(root / f"{name}.npz", {k: v.astype(np.float32) for k, v in layers.items()})
        for figures, null in runs:
            start = time.perf_counter()
            result = compare_job(
                [root / "relu.npz", root / "tanh.npz"], root / f"out_{figures}_{null}",
                null=null, n_bootstrap=args.n_bootstrap, figures=figures == "figures",
                n_jobs=args.n_jobs,
            )
            total = time.perf_counter() - start
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
            label = f"null={null}, figures={'yes' if figures == 'figures' else 'no'}"
            if null == "bootstrap":
                label += f" ({args.n_bootstrap} replicates/model)"
            verdict = "" if null != "none" else f"   target < 60 s: {'OK' if total < 60 else 'OVER'}"
            print(f"compare_job {label:<48} {total:7.1f} s   ({phases}){verdict}")


if __name__ == "__main__":
    main()

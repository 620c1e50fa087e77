"""Benchmark: compare 12 × 12 layers of two models probed with 1,000 inputs.

Two random MLP-like activation sets (ReLU and tanh, widths 64–256) of the same probe inputs
(points near a torus in R^3 lifted to R^16) are compared the way ``tda_nn.compare`` is used:

1. diagrams: H0 and H1 of every layer, Vietoris–Rips on ``--landmarks`` maxmin landmarks
   (ripser.py ``n_perm``; the covering radius is printed);
2. all layer × layer diagram distances (exact Wasserstein ``p = 1, q = inf``, H0 and H1), with
   GUDHI's Hera on the same pairs as the baseline tool; sliced Wasserstein too;
3. the linear CKA matrix on the full activations.

Prints the median wall time of ``--repeats`` runs per stage, the total (target: under a minute
for 12 × 12 layers and 1,000 points), ratios against Hera, and the machine.

Usage::

    python benchmarks/bench_compare.py            # 12 x 12 layers, 1,000 points
    python benchmarks/bench_compare.py --quick    # 4 x 4 layers, 300 points: checks it works
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def probe_inputs(n_points: int, rng: np.random.Generator) -> np.ndarray:
    """Points near a torus in R^3, lifted linearly to R^16 with a little noise."""
    u, v = rng.uniform(0, 2 * np.pi, (2, n_points))
    torus = np.c_[(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)]
    lift = rng.normal(size=(3, 16)) / np.sqrt(3)
    return torus @ lift + 0.05 * rng.normal(size=(n_points, 16))


def mlp_activations(
    inputs: np.ndarray, n_layers: int, activation: str, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Hidden activations of a random MLP (He/Xavier initialised), widths cycling 64–256."""
    widths = [64, 128, 256, 192][: max(1, n_layers)]
    out, x = {}, inputs
    for i in range(n_layers):
        width = widths[i % len(widths)]
        scale = np.sqrt((2.0 if activation == "relu" else 1.0) / x.shape[1])
        x = x @ (rng.normal(size=(x.shape[1], width)) * scale) + 0.1 * rng.normal(size=width)
        x = np.maximum(x, 0.0) if activation == "relu" else np.tanh(x)
        out[f"layer{i:02d}"] = x
    return out


def landmark_diagram(cloud: np.ndarray, n_landmarks: int) -> tuple[np.ndarray, float]:
    """H0/H1 diagram (giotto-tda layout) on maxmin landmarks, and the covering radius.

    ``n_landmarks = 0`` uses every point (exact, covering radius 0).
    """
    from ripser import ripser

    n_perm = min(n_landmarks, len(cloud)) if n_landmarks > 0 else None
    result = ripser(cloud, maxdim=1, n_perm=n_perm)
    rows = []
    for dim, dgm in enumerate(result["dgms"]):
        dgm = dgm[np.isfinite(dgm[:, 1])].astype(np.float64)
        rows.append(np.column_stack([dgm, np.full(len(dgm), dim)]))
        rows.append(np.array([[0.0, 0.0, dim]]))
    return np.vstack(rows), float(result.get("r_cover", 0.0))


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def hera_matrix(diagrams_a: dict[str, np.ndarray], diagrams_b: dict[str, np.ndarray]) -> np.ndarray:
    from gudhi.hera import wasserstein_distance

    out = []
    for a in diagrams_a.values():
        for b in diagrams_b.values():
            for dim in (0, 1):
                da, db = a[a[:, 2] == dim, :2], b[b[:, 2] == dim, :2]
                da, db = da[da[:, 1] > da[:, 0]], db[db[:, 1] > db[:, 0]]
                out.append(wasserstein_distance(da, db, order=1, internal_p=np.inf, delta=1e-6))
    return np.array(out)


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 x 4 layers, 300 points, 1 repeat")
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--landmarks", type=int, default=300,
                        help="maxmin landmarks per layer; 0: all points (exact, slow)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.layers, args.points, args.landmarks, args.repeats = 4, 300, 100, 1

    from tda_nn.compare import cka_matrix, layer_distance_matrix
    from tda_nn.versions import library_versions

    rng = np.random.default_rng(args.seed)
    inputs = probe_inputs(args.points, rng)
    clouds_a = mlp_activations(inputs, args.layers, "relu", rng)
    clouds_b = mlp_activations(inputs, args.layers, "tanh", rng)

    def diagrams() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
        da, db, cover = {}, {}, 0.0
        for clouds, out in ((clouds_a, da), (clouds_b, db)):
            for name, cloud in clouds.items():
                out[name], r = landmark_diagram(cloud, args.landmarks)
                cover = max(cover, r)
        return da, db, cover

    def distances(metric: str) -> Callable[[], Any]:
        return lambda: layer_distance_matrix(
            diagrams_a, diagrams_b, metric=metric, homology_dims=(0, 1), model_a="relu",
            model_b="tanh", n_jobs=args.n_jobs,
        )

    t_diagrams, (diagrams_a, diagrams_b, cover) = timed(diagrams, args.repeats)
    t_wasserstein, table = timed(distances("wasserstein"), args.repeats)
    t_sliced, _ = timed(distances("sliced_wasserstein"), args.repeats)
    t_cka, cka = timed(lambda: cka_matrix(clouds_a, clouds_b, model_a="relu", model_b="tanh"),
                       args.repeats)
    t_hera, hera = timed(lambda: hera_matrix(diagrams_a, diagrams_b), args.repeats)
    agreement = float(np.max(np.abs(hera - table["distance"].to_numpy()) /
                             np.maximum(table["distance"].to_numpy(), 1e-12)))

    bars = [
        int(((d[:, 2] == dim) & (d[:, 1] > d[:, 0])).sum())
        for d in [*diagrams_a.values(), *diagrams_b.values()] for dim in (0, 1)
    ]
    total = t_diagrams + t_wasserstein + t_cka
    n = args.layers
    print(f"bench_compare: {n} x {n} layers, {args.points} probe points, "
          f"{args.landmarks} landmarks (max covering radius {cover:.3g}), "
          f"median of {args.repeats}, n_jobs={args.n_jobs}")
    print(f"machine: {machine()}")
    versions = library_versions()
    print("versions: " + ", ".join(
        f"{k} {versions[k]}" for k in ("python", "numpy", "scipy", "ripser", "gudhi") if k in versions
    ))
    print(f"bars per diagram (H0/H1): median {int(np.median(bars[0::2]))}/"
          f"{int(np.median(bars[1::2]))}, max {max(bars[0::2])}/{max(bars[1::2])}")
    print(f"diagrams ({2 * n} layers, ripser n_perm)        {t_diagrams:8.2f} s")
    print(f"wasserstein[p=1,q=inf] ({n * n} pairs x 2 dims) {t_wasserstein:8.2f} s   "
          f"Hera (gudhi.hera) {t_hera:.2f} s, ratio ours/Hera {t_wasserstein / t_hera:.2f}, "
          f"max rel. difference {agreement:.1e}")
    print(f"sliced_wasserstein[directions=50]               {t_sliced:8.2f} s")
    print(f"linear CKA ({n * n} pairs)                       {t_cka:8.2f} s   "
          f"(mean CKA {cka['similarity'].mean():.3f})")
    verdict = "OK" if total < 60 else "OVER"
    print(f"total (diagrams + Wasserstein + CKA)            {total:8.2f} s   "
          f"target < 60 s: {verdict}")


if __name__ == "__main__":
    main()

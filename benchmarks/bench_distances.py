"""Benchmark: tda-nn's diagram distances against GUDHI's Hera and persim, pair by pair.

The diagrams are those of ``bench_compare.py`` (H0 and H1 of random ReLU / tanh MLP layers on
points near a torus, ripser.py on ``--landmarks`` maxmin landmarks); every (layer of A, layer of
B, dimension) pair is measured with

- Wasserstein ``p = 1, q = inf``: ours (exact assignment), ``gudhi.hera.wasserstein_distance``
  at ``delta = 0.01`` (its default relative error) and ``1e-6`` (near exact), and
  ``persim.wasserstein`` (exact, but ground metric ``q = inf`` only with its own convention; its
  numbers are compared too);
- bottleneck ``q = inf``: ours (exact), ``gudhi.hera.bottleneck_distance`` at ``delta = 0.01`` and
  ``0`` (exact), and ``persim.bottleneck``.

Prints the median over ``--repeats`` of the time for all pairs, the ratio to ours, and the
largest relative difference from ours. Usage::

    python benchmarks/bench_distances.py            # 6 x 6 layers, 1,000 points, 300 landmarks
    python benchmarks/bench_distances.py --quick    # 3 x 3 layers, 300 points, 100 landmarks
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from bench_compare import landmark_diagram, machine, mlp_activations, probe_inputs, timed


def pairs_of(args: argparse.Namespace) -> list[tuple[np.ndarray, np.ndarray]]:
    """Finite ``(n, 2)`` diagrams of every (layer A, layer B, dim) pair."""
    rng = np.random.default_rng(args.seed)
    inputs = probe_inputs(args.points, rng)
    models = [mlp_activations(inputs, args.layers, act, rng) for act in ("relu", "tanh")]
    diagrams = [[landmark_diagram(c, args.landmarks)[0] for c in m.values()] for m in models]

    def dim(d: np.ndarray, k: int) -> np.ndarray:
        bars = d[d[:, 2] == k, :2]
        return bars[bars[:, 1] > bars[:, 0]]

    return [(dim(a, k), dim(b, k)) for a in diagrams[0] for b in diagrams[1] for k in (0, 1)]


def tools() -> dict[str, dict[str, Callable[[np.ndarray, np.ndarray], float]]]:
    import persim
    from gudhi import hera

    from tda_nn.compare import diagram_distance

    return {
        "wasserstein[p=1,q=inf]": {
            "tda-nn (exact)": lambda a, b: diagram_distance(a, b, metric="wasserstein"),
            "hera delta=0.01": lambda a, b: hera.wasserstein_distance(
                a, b, order=1, internal_p=np.inf, delta=0.01),
            "hera delta=1e-6": lambda a, b: hera.wasserstein_distance(
                a, b, order=1, internal_p=np.inf, delta=1e-6),
            "persim.wasserstein": lambda a, b: persim.wasserstein(a, b),
        },
        "bottleneck[q=inf]": {
            "tda-nn (exact)": lambda a, b: diagram_distance(a, b, metric="bottleneck"),
            "hera delta=0.01": lambda a, b: hera.bottleneck_distance(a, b, delta=0.01),
            "hera delta=0": lambda a, b: hera.bottleneck_distance(a, b, delta=0),
            "persim.bottleneck": lambda a, b: persim.bottleneck(a, b),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 x 3 layers, 300 points, 1 repeat")
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--landmarks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.layers, args.points, args.landmarks, args.repeats = 3, 300, 100, 1
    import warnings

    warnings.filterwarnings("ignore")  # persim warns about points at infinity / the diagonal
    pairs = pairs_of(args)
    sizes = [len(a) for a, _ in pairs]
    print(f"bench_distances: {len(pairs)} pairs ({args.layers} x {args.layers} layers x H0/H1), "
          f"bars per diagram median {int(np.median(sizes))}, max {max(sizes)}; "
          f"median of {args.repeats}")
    print(f"machine: {machine()}")
    for metric, by_tool in tools().items():
        base_time, base = None, None
        for name, fn in by_tool.items():
            seconds, values = timed(lambda fn=fn: np.array([fn(a, b) for a, b in pairs]),
                                    args.repeats)
            if base is None:
                base_time, base = seconds, values
            diff = float(np.max(np.abs(values - base) / np.maximum(base, 1e-12)))
            print(f"{metric:24s} {name:20s} {seconds * 1e3:9.1f} ms  "
                  f"x{seconds / base_time:6.2f} of ours   max rel. diff {diff:.1e}")


if __name__ == "__main__":
    main()

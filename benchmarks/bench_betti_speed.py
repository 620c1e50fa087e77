"""Speed of the default persistence unit before and after a change, side by side.

Runs, on the clouds of ``bench_persistence``, in two source trees — the current one and an older
commit checked out with ``git worktree`` — in alternating fresh processes, and prints the median
in-process call time of each and their ratio:

- ``--what persistence`` (default): ``compute_persistence`` with default parameters;
- ``--what table``: what one ``betti.csv`` row set costs, ``measure_cloud`` with the parameters
  of ``tda-nn persistence`` (``--betti auto``, ``--stability 2``), without the companion
  measures (TwoNN, linear probe), so persistence, the decisions, pieces measured apart, outlier
  trimming and the stability runs.

Usage::

    git worktree add /tmp/old_tree <commit>
    python benchmarks/bench_betti_speed.py --old /tmp/old_tree [--rounds 5] [--what table]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = r"""
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
from tda_nn.datasets.shapes import SHAPES, embed
from tda_nn.homology.unit import compute_persistence
name, n, d = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
gen, _ = SHAPES[name]
X = embed(gen(n, noise=0.05, random_state=0), d, random_state=1).astype(np.float32)
t = time.perf_counter()
if sys.argv[5] == "table":
    from tda_nn.analysis.measures import measure_cloud
    from tda_nn.analysis.units import TopologyParams, Unit
    params = TopologyParams(homology_dimensions=(0, 1), betti_method="auto", stability_seeds=2,
                            intrinsic_dimension=False, linear_probe=False)
    unit = Unit(run="activations", step=-1, layer="l", layer_index=0, cls="all", source="-",
                kind="activations")
    measure_cloud(X, unit, params)
else:
    compute_persistence(X, homology_dimensions=(0, 1))
print(json.dumps(time.perf_counter() - t))
"""
CLOUDS = [("circle", 1000, 64), ("two_circles", 2000, 256), ("torus", 4000, 512),
          ("circle", 20000, 512), ("circle", 50000, 512)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", required=True, help="source tree of the older commit")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--what", choices=("persistence", "table"), default="persistence",
                   help="persistence: compute_persistence; table: measure_cloud (betti.csv rows)")
    args = p.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    trees = {"new": str(HERE.parent), "old": args.old}
    what = ("compute_persistence, default parameters" if args.what == "persistence" else
            "measure_cloud, --betti auto --stability 2, no TwoNN / probe")
    print(f"machine: cpu_count={os.cpu_count()}; rounds={args.rounds}; H0-H1; {what}")
    print(f"{'cloud':28s} {'old (s)':>9s} {'new (s)':>9s} {'new/old':>8s}")
    for name, n, d in CLOUDS:
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.rounds):
            for label, tree in trees.items():
                out = subprocess.run([sys.executable, "-c", CHILD, tree, name, str(n), str(d),
                                      args.what],
                                     capture_output=True, text=True, check=True, env=env)
                times[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
        old, new = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{f'{name} {n} x {d}':28s} {old:9.3f} {new:9.3f} {new / old:8.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

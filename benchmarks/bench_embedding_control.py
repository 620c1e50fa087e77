"""How far each protocol's Betti numbers move under a homeomorphism, by tanh gain.

The embedding control of the claim test (``tda_nn.experiments.embedding``): the D-I probe of
``pipelines/naitzat_small.yaml`` (2,000 points, step 0.3) through ``depth`` invertible tanh
layers per seed. Every Betti number must stay what it is at the input (class 0: beta = (1, 9),
class 1: beta0 = 9). Prints, per protocol and gain, the class-mean complexity beta0 + beta1 at
the input and every layer (mean over seeds), and the largest change. Run:

    python benchmarks/bench_embedding_control.py [--gains 0.5 1 2] [--depth 7] [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tda_nn.analysis.measures import measure_cloud
from tda_nn.analysis.units import Unit
from tda_nn.experiments.embedding import invertible_tanh_layers
from tda_nn.experiments.run import knn_params
from tda_nn.experiments.spec import load_experiment_spec
from tda_nn.pipeline.data import prepare_data
from tda_nn.pipeline.run import topology_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gains", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    parser.add_argument("--depth", type=int, default=7)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    item = load_experiment_spec("pipelines/naitzat_small.yaml")["pipelines"]["d1"]
    data = prepare_data(item["spec"]["data"])
    protocols = {"default": topology_params(item["spec"]), "knn": knn_params(item["knn"])}
    X, y = data.X_probe, data.y_probe
    print(f"D-I probe: {len(X)} points, classes {np.bincount(y).tolist()}; depth {args.depth}, "
          f"seeds {args.seeds}")
    for protocol, params in protocols.items():
        for gain in args.gains:
            t0 = time.perf_counter()
            per_seed = []
            for seed in args.seeds:
                layers = [X] + invertible_tanh_layers(X, args.depth, gain, seed)
                row = []
                for index, cloud in enumerate(layers):
                    total = 0.0
                    for cls in np.unique(y):
                        unit = Unit(run="e", step=0, layer=str(index), layer_index=index,
                                    cls=str(cls), source="", kind="store")
                        rows, _ = measure_cloud(cloud[y == cls], unit, params)
                        total += sum(r["betti"] for r in rows)
                    row.append(total / len(np.unique(y)))
                per_seed.append(row)
            mean = np.mean(per_seed, axis=0)
            change = np.max(np.abs(np.asarray(per_seed) - np.asarray(per_seed)[:, :1]), axis=1)
            print(f"{protocol:8s} gain {gain:4g}: complexity by layer (input first) "
                  f"{' '.join(f'{c:5.2f}' for c in mean)} | largest change per seed "
                  f"{change.tolist()} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()

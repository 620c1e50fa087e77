"""``tda-nn persistence INPUT --out DIR``."""

from __future__ import annotations

import argparse
import sys
import time

from tda_nn.checks import check_int, is_prime
from tda_nn.errors import InputError
from tda_nn.homology.backends import BACKENDS
from tda_nn.homology.metrics import POINT_CLOUD_METRICS
from tda_nn.homology.params import MAX_HOMOLOGY_DIM, SUBSAMPLE_CHOICES

HELP = "persistent homology and Betti numbers of every layer (and class, and step) of saved activations"

_EPILOG = """
INPUT is saved activations (.npz, a directory of .npy, .pt, .safetensors, .h5, .zarr), a run store
written by TopologyTracker, or a run directory of `tda-nn run`. Writes DIR/betti.csv (or
DIR/topology.csv for stores and runs), DIR/diagrams.npz (keyed by the table's diagram_key) and
DIR/manifest.json. Re-running the same command resumes; finished units are not recomputed.
Every layer's whole cloud (class "all") is measured next to its class clouds unless --no-all.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("input", help="saved activations, a run store or a run directory")
    parser.add_argument("--out", default=None,
                        help="output directory (default for a run directory: the run directory)")
    parser.add_argument("--maxdim", type=int, default=1, help="highest homology dimension (default 1)")
    parser.add_argument("--labels", default=None,
                        help="labels file (.npy, .txt, .csv, .npz) when INPUT has none")
    parser.add_argument("--layers", default=None, help="comma-separated layer names (default: all)")
    parser.add_argument("--classes", default="auto", choices=("auto", "none", "true", "predicted"),
                        help="split clouds by class (auto: predicted labels in stores, else true labels)")
    parser.add_argument("--min-class-points", type=int, default=20,
                        help="skip classes with fewer points (default 20)")
    parser.add_argument("--no-all", action="store_true",
                        help='per-class clouds only: skip each layer\'s whole cloud (class "all"; '
                             "needs labels; no linear probe then)")
    parser.add_argument("--steps", default=None, help="comma-separated steps of a store (default: all)")
    parser.add_argument("--metric", default="euclidean", choices=POINT_CLOUD_METRICS,
                        help="metric of the clouds (default euclidean; knn_geodesic: hop counts "
                             "on the kNN graph, Naitzat et al. 2020)")
    parser.add_argument("--n-neighbors", type=int, default=None,
                        help="k of the kNN graph for --metric knn_geodesic")
    parser.add_argument("--subsample", default="auto", choices=SUBSAMPLE_CHOICES,
                        help="auto: maxmin landmarks for clouds larger than --n-landmarks; none: exact")
    parser.add_argument("--n-landmarks", type=int, default=None,
                        help="maxmin landmarks per cloud (default: the library default)")
    parser.add_argument("--max-edge-length", type=float, default=None,
                        help="Rips threshold (default: none)")
    parser.add_argument("--backend", default="giotto-ph", choices=BACKENDS,
                        help="persistence engine (default giotto-ph; the others give the same "
                             "diagrams)")
    parser.add_argument("--betti", default="auto", choices=("auto", "test", "significant", "scale"),
                        help="auto (default): universal-null test or significance rule, pieces "
                        "from the merge tree; test: the test alone; significant: the rule alone "
                        "(diagram only); scale: bars alive at --scale")
    parser.add_argument("--alpha", type=float, default=0.05,
                        help="level of the universal-null test (default 0.05, Bonferroni)")
    parser.add_argument("--stability", type=int, default=2,
                        help="landmark seeds besides the default whose answers are compared "
                        "(betti_seed_min/max; default 2; 0: off)")
    parser.add_argument("--outlier-ratio", type=float, default=None,
                        help="trim points whose mean distance to their 10 nearest neighbours is "
                        "more than this times their neighbours' and measure again; beta_k is "
                        "the larger answer (default 2; 0: off)")
    parser.add_argument("--no-denser-look", action="store_true",
                        help="skip the second look at H1 with twice the landmarks where the top "
                        "bars stand apart from the rest")
    parser.add_argument("--coeff", type=int, default=2,
                        help="prime p: homology with coefficients in Z/pZ (default 2)")
    parser.add_argument("--scale", type=float, default=None, help="scale for --betti scale")
    parser.add_argument("--no-intrinsic-dimension", action="store_true", help="skip TwoNN")
    parser.add_argument("--no-linear-probe", action="store_true", help="skip linear-probe accuracy")
    parser.add_argument("--seed", type=int, default=0, help="random seed for landmarks/subsamples")
    parser.add_argument("--n-jobs", type=int, default=1, help="local processes (-1: all cores)")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument("--max-memory", default=None, metavar="SIZE",
                        help="refuse units estimated to need more memory, e.g. 8G "
                             "(default: this machine's memory)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace results of other parameters in DIR")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def params_from_args(args: argparse.Namespace):  # noqa: ANN201 - returns TopologyParams
    """Build TopologyParams from parsed arguments, with one-line errors for bad values."""
    from tda_nn.analysis.trimming import OUTLIER_RATIO
    from tda_nn.analysis.units import TopologyParams

    check_int(args.maxdim, "--maxdim", 0, MAX_HOMOLOGY_DIM)
    if args.betti == "scale" and args.scale is None:
        raise InputError("--betti scale needs --scale")
    if args.scale is not None and args.scale <= 0:
        raise InputError(f"--scale must be > 0, got {args.scale}")
    if args.n_landmarks is not None:
        check_int(args.n_landmarks, "--n-landmarks", 2)
    if not 0 < args.alpha < 1:
        raise InputError(f"--alpha must be in (0, 1), got {args.alpha}")
    check_int(args.stability, "--stability", 0)
    if args.outlier_ratio is not None and not (args.outlier_ratio == 0 or args.outlier_ratio > 1):
        raise InputError(f"--outlier-ratio must be 0 (off) or > 1, got {args.outlier_ratio}")
    if not is_prime(args.coeff) or args.coeff > 255:
        raise InputError(f"--coeff must be a prime number below 256, got {args.coeff}")
    check_int(args.min_class_points, "--min-class-points", 2)
    metric_params = {}
    if args.n_neighbors is not None:
        if args.metric != "knn_geodesic":
            raise InputError("--n-neighbors applies to --metric knn_geodesic only")
        metric_params["n_neighbors"] = args.n_neighbors
    return TopologyParams(
        homology_dimensions=tuple(range(args.maxdim + 1)),
        metric=args.metric,
        metric_params=tuple(sorted(metric_params.items())),
        subsample=args.subsample,
        n_landmarks=args.n_landmarks,
        max_edge_length=args.max_edge_length,
        backend=args.backend,
        coeff=args.coeff,
        betti_method=args.betti,
        betti_scale=args.scale,
        alpha=args.alpha,
        stability_seeds=args.stability,
        outlier_ratio=OUTLIER_RATIO if args.outlier_ratio is None else args.outlier_ratio,
        denser_look=not args.no_denser_look,
        intrinsic_dimension=not args.no_intrinsic_dimension,
        linear_probe=not args.no_linear_probe,
        random_state=args.seed,
    )


def _int_list(text: str | None, option: str) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{option} must be comma-separated integers, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from tda_nn.analysis.api import persistence_job
    from tda_nn.analysis.memory import parse_size

    start = time.perf_counter()
    params = params_from_args(args)
    layers = [v.strip() for v in args.layers.split(",") if v.strip()] if args.layers else None
    result = persistence_job(
        args.input,
        args.out,
        params=params,
        layers=layers,
        labels=args.labels,
        classes=args.classes,
        min_class_points=args.min_class_points,
        include_all=not args.no_all,
        steps=_int_list(args.steps, "--steps"),
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        progress=not args.no_progress and sys.stderr.isatty(),
        overwrite=args.overwrite,
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
        max_memory=None if args.max_memory is None else parse_size(args.max_memory),
    )
    table = result["table"]
    head = table[table["class"].astype(str) == "all"]
    index = [c for c in ("run", "step", "layer_index", "layer") if c in head.columns]
    if head.empty:  # --no-all: one line per class
        head, index = table, [*index, "class"]
    pivot = head.pivot_table(index=index, columns="homology_dim", values="betti", aggfunc="first")
    pivot.columns = [f"b{d}" for d in pivot.columns]
    print(pivot.reset_index().drop(columns="layer_index").to_string(index=False))
    summary = result["summary"]
    print(f"\n{summary.n_units} clouds on {summary.engine} in {time.perf_counter() - start:.1f} s; "
          f"wrote {result['path']} and {result['out_dir']}/diagrams.npz")
    return 0

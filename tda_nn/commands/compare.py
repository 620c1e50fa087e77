"""``tda-nn compare A B [C ...] --out DIR``."""

from __future__ import annotations

import argparse
import sys
import time

from tda_nn.compare.distances import METRICS as DIAGRAM_METRICS
from tda_nn.errors import InputError
from tda_nn.homology.params import SUBSAMPLE_CHOICES

HELP = "compare the layers of models: diagram distances, linear CKA, against a seed or bootstrap null"

_EPILOG = """
Each input is a run directory of `tda-nn run` (every run <model>_seed<k> in it is a model), a run
store, an output directory of `tda-nn persistence`, or saved activations (.npz, .safetensors, .h5,
.pt, a directory of .npy; the model is named after the file stem). Models named <name>_seed<k>
are seeds of the architecture <name>. All inputs must hold the same probe inputs (same number of
points, same labels).

Writes DIR/distances.csv (model_a, layer_a, model_b, layer_b, homology_dim, metric, distance: the
full layer x layer matrix of every pair of models; metric "1-linear_cka" is the CKA baseline),
DIR/null.csv (distances between seeds of one architecture, or between one model's diagrams on two
bootstrap resamples of the probe points), DIR/summary.csv (per pair of architectures, homology dimension and
metric: the mean distance over layers aligned by relative depth against that null: z, p-value,
ratio to the null median, and which null was used in null_kind), DIR/figures/ (heatmaps,
side-by-side barcodes and persistence diagrams of chosen layers) and DIR/manifest.json.

Examples:
  tda-nn compare runs/cmp/digits --out cmp                 # every architecture pair of a run
  tda-nn compare relu.npz tanh.npz --out cmp --null bootstrap --n-bootstrap 10
  tda-nn compare a.npz b.npz --out cmp --metrics wasserstein --dims 0,1,2 --rtd
  tda-nn compare relu.npz tanh.npz --out cmp --scheduler tcp://127.0.0.1:8786
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="run directories, run stores, persistence outputs or saved activations")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--step", default="last",
                        help="training step of run directories/stores: last, first or a number")
    parser.add_argument("--dims", default="0,1", help="homology dimensions (default 0,1)")
    parser.add_argument("--metrics", default="wasserstein,bottleneck",
                        help=f"diagram distances: {', '.join(DIAGRAM_METRICS)} "
                             "(comma-separated; 'none' for CKA only)")
    parser.add_argument("--order", type=float, default=1.0, help="Wasserstein order p (default 1)")
    parser.add_argument("--ground-metric", default="linf", choices=("linf", "l2"),
                        help="norm in the plane: linf (GUDHI/Hera/giotto-tda) or l2 (persim)")
    parser.add_argument("--no-cka", action="store_true", help="leave out linear CKA")
    parser.add_argument("--rtd", action="store_true", help="add RTD on aligned layers (slow)")
    parser.add_argument("--rtd-samples", type=int, default=200, help="points per RTD draw")
    parser.add_argument("--rtd-trials", type=int, default=3, help="RTD draws averaged")
    parser.add_argument("--align", default="relative_depth", choices=("relative_depth", "all"),
                        help="layer pairs the summary averages over (default relative_depth)")
    parser.add_argument("--null", default="auto", choices=("auto", "seeds", "bootstrap", "none"),
                        help="null: seeds of one architecture, bootstrap resamples, or none "
                             "(auto: seeds where there are two or more)")
    parser.add_argument("--n-bootstrap", type=int, default=5,
                        help="bootstrap null replicates per model, each a pair of resamples "
                             "of the probe points (default 5)")
    parser.add_argument("--normalize", default="none", choices=("none", "rms"),
                        help="rms: divide each diagram by its cloud's RMS radius (compare shapes, "
                             "not scales)")
    parser.add_argument("--n-landmarks", type=int, default=None,
                        help="maxmin landmarks of computed diagrams (default: the library default)")
    parser.add_argument("--subsample", default="auto", choices=SUBSAMPLE_CHOICES,
                        help="points of computed diagrams: auto (maxmin landmarks, the library "
                             "default) or none (exact, all points)")
    parser.add_argument("--pairs", default=None,
                        help="architecture pairs to compare, e.g. 'relu_mlp:tanh_mlp,relu_mlp:cnn' "
                             "(default: all pairs)")
    parser.add_argument("--barcode-layers", default=None,
                        help="layers of the first model drawn side by side with their aligned "
                             "partners: names or positions (default first,middle,last)")
    parser.add_argument("--no-figures", action="store_true", help="tables only")
    parser.add_argument("--seed", type=int, default=0, help="seed of landmarks and resamples")
    parser.add_argument("--n-jobs", type=int, default=1, help="local processes (-1: all cores)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786, for the diagrams, "
                             "distances, RTD and bootstrap nulls (same results as a local run; "
                             "the workers must reach the inputs)")


def _int_list(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"{option} must be comma-separated integers, got {text!r}") from None
    if not values:
        raise InputError(f"{option} is empty")
    return values


def _step(text: str) -> int | str:
    if text in ("first", "last"):
        return text
    try:
        return int(text)
    except ValueError:
        raise InputError(f"--step must be 'first', 'last' or a number, got {text!r}") from None


def _pairs(text: str | None) -> list[list[str]] | None:
    if text is None:
        return None
    out = []
    for item in (v.strip() for v in text.split(",")):
        if not item:
            continue
        parts = [p.strip() for p in item.split(":")]
        if len(parts) != 2 or not all(parts):
            raise InputError(f"--pairs: {item!r} is not of the form model_a:model_b")
        out.append(parts)
    return out


def run(args: argparse.Namespace) -> int:
    from tda_nn.compare.job import compare_job, format_summary

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    if metrics == ["none"]:
        metrics = []
    barcode_layers = None
    if args.barcode_layers:
        barcode_layers = [v.strip() for v in args.barcode_layers.split(",") if v.strip()]
    start = time.perf_counter()
    result = compare_job(
        args.inputs,
        args.out,
        step=_step(args.step),
        homology_dims=_int_list(args.dims, "--dims"),
        metrics=metrics,
        order=args.order,
        ground_metric=args.ground_metric,
        cka=not args.no_cka,
        rtd=args.rtd,
        rtd_samples=args.rtd_samples,
        rtd_trials=args.rtd_trials,
        align=args.align,
        null=args.null,
        n_bootstrap=args.n_bootstrap,
        n_landmarks=args.n_landmarks,
        subsample=args.subsample,
        random_state=args.seed,
        normalize=args.normalize,
        comparisons=_pairs(args.pairs),
        barcode_layers=barcode_layers,
        figures=not args.no_figures,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        log=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    print(format_summary(result.summary))
    models = ", ".join(f"{s.name} ({len(s.layers)} layers)" for s in result.sources)
    print(f"\n{len(result.sources)} models: {models}; {result.sources[0].n_samples} probe points; "
          f"{time.perf_counter() - start:.1f} s")
    out = args.out
    print(f"tables:  {out}/distances.csv, {out}/summary.csv, {out}/null.csv")
    if not args.no_figures:
        print(f"figures: {out}/figures/")
    return 0

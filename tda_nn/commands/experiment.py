"""``tda-nn experiment SPEC --out DIR``: the Naitzat et al. (2020) reproduction and its verdict."""

from __future__ import annotations

import argparse
import sys

HELP = "run an experiment spec (several pipelines, the paper's kNN protocol, findings, verdict)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="experiment spec (YAML), e.g. pipelines/naitzat_small.yaml")
    parser.add_argument("--out", required=True, help="experiment directory (re-run to resume)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="processes for the persistence computations (overrides the specs)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786, for every persistence "
                             "unit (overrides the specs; same results as a local run)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="run only these pipeline entries (the analysis uses every finished one)")
    parser.add_argument("--analyse-only", action="store_true",
                        help="only redo the analysis and verdict of finished pipelines")
    parser.add_argument("--overwrite", action="store_true",
                        help="recompute persistence of pipelines whose topology parameters changed")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from tda_nn.experiments.run import analyse_experiment, run_experiment

    if args.analyse_only:
        result = analyse_experiment(args.out)
    else:
        result = run_experiment(
            args.spec, args.out, n_jobs=args.n_jobs, scheduler=args.scheduler, only=args.only,
            overwrite=args.overwrite,
            progress=not args.no_progress and sys.stderr.isatty(),
            log=lambda msg: print(msg, flush=True),
        )
    print()
    for item in result["verdict"]:
        print(f"[{item['held']:>12}] {item['finding']}. {item['claim']}: {item['text']}")
    print(f"\nresults: {args.out}/results/ (verdict.md, findings.csv, report.html)")
    return 0

"""``tda-nn run SPEC --out RUN_DIR``."""

from __future__ import annotations

import argparse
import sys
import time

from tda_nn.errors import InputError

HELP = "run a pipeline spec: train, capture activations, persistence, tables, figures (resumable)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", help="pipeline spec (YAML), e.g. pipelines/quick.yaml")
    parser.add_argument("--out", required=True, help="run directory (re-run the same command to resume)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="local processes for the persistence phase (overrides the spec)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address, e.g. tcp://host:8786 (overrides the spec)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="torch intra-op threads while training (overrides the spec's "
                             "training.threads; default: the spec's, else torch's default)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a run directory that holds a different spec")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args: argparse.Namespace) -> int:
    from tda_nn.pipeline.spec import spec_kind

    start = time.perf_counter()
    progress = not args.no_progress and sys.stderr.isatty()
    kind = spec_kind(args.spec)
    threads = args.threads
    if threads is not None and threads < 1:
        raise InputError(f"--threads must be >= 1, got {threads}")
    if threads is not None and kind != "run":
        raise InputError(f"--threads applies to pipeline specs (kind: run); {args.spec} is kind: {kind}")
    if kind == "experiment":
        from tda_nn.commands import experiment

        return experiment.run(argparse.Namespace(
            spec=args.spec, out=args.out, n_jobs=args.n_jobs, only=None, analyse_only=False,
            no_progress=args.no_progress,
        ))
    if kind == "compare":
        from tda_nn.compare.job import run_compare_spec

        manifest = run_compare_spec(
            args.spec, args.out, n_jobs=args.n_jobs, scheduler=args.scheduler, progress=progress,
            overwrite=args.overwrite, log=lambda msg: print(msg, flush=True),
        )
        outputs = manifest.get("outputs", {})
        values = outputs.values() if isinstance(outputs, dict) else outputs
        files = [str(v) for v in values if not isinstance(v, list | tuple)]
        n_figures = sum(len(v) for v in values if isinstance(v, list | tuple))
        print(f"\ndone in {time.perf_counter() - start:.1f} s; wrote {', '.join(files)}"
              + (f" and {n_figures} figure files under {args.out}/figures/" if n_figures else ""))
        return 0
    if kind == "text":
        from tda_nn.pipeline.text_job import run_text_spec

        manifest = run_text_spec(
            args.spec, args.out, n_jobs=args.n_jobs, scheduler=args.scheduler, progress=progress,
            overwrite=args.overwrite, log=lambda msg: print(msg, flush=True),
        )
        print(f"\ndone in {time.perf_counter() - start:.1f} s; wrote {args.out}/betti.csv "
              f"({len(manifest['models'])} models)")
        return 0
    from tda_nn.pipeline.run import run_pipeline
    from tda_nn.pipeline.spec import load_spec

    spec = load_spec(args.spec)
    manifest = run_pipeline(
        spec,
        args.out,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
        threads=threads,
        progress=progress,
        overwrite=args.overwrite,
        log=lambda msg: print(msg, flush=True),
    )
    _print_summary(args.out, manifest, time.perf_counter() - start)
    return 0


def _print_summary(out: str, manifest: dict, seconds: float) -> None:
    import pandas as pd

    table = pd.read_csv(f"{out}/topology.csv")
    last = table[(table["class"].astype(str) == "all")]
    last = last[last["step"] == last.groupby("run")["step"].transform("max")]
    pivot = last.pivot_table(index=["run", "layer_index", "layer"], columns="homology_dim",
                             values="betti", aggfunc="first")
    pivot.columns = [f"b{d}" for d in pivot.columns]
    print("\nBetti numbers of each layer's probe cloud at the last captured step:")
    print(pivot.reset_index().drop(columns="layer_index").to_string(index=False))
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in manifest["phases_seconds"].items())
    print(f"\nphases: {phases}; total {seconds:.1f} s")
    print(f"tables:  {out}/topology.csv, {out}/metrics.csv (diagrams: {out}/diagrams.npz)")
    if manifest.get("figures"):
        print(f"figures: {out}/figures/")
    if (manifest.get("report") or {}).get("path"):
        print(f"report:  {manifest['report']['path']}")

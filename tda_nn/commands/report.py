"""``tda-nn report RUN_DIR [--out FILE]``."""

from __future__ import annotations

import argparse

from tda_nn.errors import InputError

HELP = "write the HTML report of a run directory (summary, figures, tables, parameters)"

_EPILOG = """
RUN_DIR is a run directory of `tda-nn run` or an output directory of `tda-nn persistence`. The
report is one self-contained HTML file (default RUN_DIR/report.html) that opens offline in any
browser. UMAP projections of the stored activations cost about a second per panel; --no-umap
leaves them out.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("run_dir", metavar="RUN_DIR", help="run directory or persistence output")
    parser.add_argument("--out", metavar="FILE", default=None,
                        help="report file (default: RUN_DIR/report.html)")
    parser.add_argument("--umap-steps", default="first,last",
                        help="comma-separated captured steps of the UMAP figure across layers: "
                             "numbers, 'first', 'last' (default: first,last)")
    parser.add_argument("--umap-layer", default=None,
                        help="layer of the UMAP figure across steps (default: the last layer)")
    parser.add_argument("--max-points", type=int, default=500,
                        help="points per UMAP panel, a seeded subsample (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the UMAP projections")
    parser.add_argument("--no-umap", action="store_true", help="leave out the UMAP projections")


def parse_steps(text: str) -> list[int | str]:
    """``"first,10,last"`` -> ``["first", 10, "last"]`` (one-line InputError otherwise)."""
    out: list[int | str] = []
    for item in (v.strip() for v in text.split(",")):
        if not item:
            continue
        if item.lower() in ("first", "last"):
            out.append(item.lower())
            continue
        try:
            out.append(int(item))
        except ValueError:
            raise InputError(
                f"--umap-steps: {item!r} is not a step number, 'first' or 'last'"
            ) from None
    if not out:
        raise InputError("--umap-steps: give at least one step")
    return out


def run(args: argparse.Namespace) -> int:
    from tda_nn.report import build_report

    if args.max_points < 10:
        raise InputError(f"--max-points must be at least 10, got {args.max_points}")
    path = build_report(
        args.run_dir,
        args.out,
        umap=not args.no_umap,
        umap_steps=parse_steps(args.umap_steps),
        umap_layer=args.umap_layer,
        max_points=args.max_points,
        random_state=args.seed,
    )
    print(path)
    return 0

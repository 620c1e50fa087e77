"""Speed, memory and agreement of tda-nn's default persistence against giotto-tda and ripser.py.

Each (tool, case) runs in its own fresh process, started with the interpreter of the stack that
has the tool (giotto-tda only exists on the giotto stack), and is measured whole: wall time from
start to exit (imports and loading the clouds included) and peak resident memory of that process
(``os.wait4``'s ``ru_maxrss``). Every tool gets the same clouds (written once to a temporary
``.npz``) and computes H0 and H1 with its defaults:

- ``ours``: ``tda_nn.homology.VietorisRipsPersistence()`` (300 maxmin landmarks, full
  filtration, giotto-ph);
- ``giotto-tda``: ``gtda.homology.VietorisRipsPersistence()`` (exact, full filtration);
- ``ripser``: ``ripser.ripser(X)`` (exact); ``ripser-nperm``: ``ripser(X, n_perm=300)``, its own
  greedy landmarks (the approximation closest to ours).

Betti numbers are then read off every tool's diagrams with the same rule
(:func:`tda_nn.features.betti.betti_numbers`, ``method="significant"``) and compared with the
truth (the clouds are noisy shapes from :mod:`tda_nn.datasets.shapes` embedded in 64 to 512
dimensions, or activations of a random ReLU network fed such a shape, whose truth is not known:
there agreement with giotto-tda is reported). Medians over ``--repeats`` runs, and ratios against
ours, are printed with the machine they ran on.

Usage::

    python benchmarks/bench_persistence.py --quick          # a few minutes: small cases
    python benchmarks/bench_persistence.py                  # full (giotto-tda takes long)
    python benchmarks/bench_persistence.py --cases big-50000x512 --tools ours

``--giotto-python`` names the interpreter with giotto-tda (default the repository's
``.venv-giotto/bin/python``, made by ``make setup STACK=giotto``, or ``$TDA_NN_GIOTTO_PYTHON``);
the other tools run with this interpreter. A tool that is not
installed, or that exceeds ``--timeout`` seconds, is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TOOLS = ("ours", "giotto-tda", "ripser", "ripser-nperm")


# ----------------------------------------------------------------------------- the clouds
def _shape(name: str, n: int, width: int, seed: int) -> np.ndarray:
    from tda_nn.datasets.shapes import SHAPES, embed

    return embed(SHAPES[name][0](n, noise=0.05, random_state=seed), width, random_state=seed + 1)


def _mlp_layer(name: str, n: int, width: int, seed: int) -> np.ndarray:
    """Second hidden layer of a random two-layer ReLU network (He init) fed a noisy shape."""
    from tda_nn.datasets.shapes import SHAPES

    rng = np.random.default_rng(seed)
    X = SHAPES[name][0](n, noise=0.05, random_state=seed)
    for fan_in in (X.shape[1], width):
        W = rng.normal(scale=np.sqrt(2.0 / fan_in), size=(fan_in, width))
        X = np.maximum(X @ W + rng.normal(scale=0.1, size=width), 0.0)
    return X


def make_case(case: str) -> tuple[list[np.ndarray], list[tuple[int, int]] | None]:
    """Clouds of one case and their true (beta_0, beta_1), or None when unknown."""
    from tda_nn.datasets.shapes import SHAPES

    kind, size = case.split("-", 1)
    n, width = (int(v) for v in size.split("x"))
    if kind == "shapes":
        names = {1000: ["circle", "two_circles"], 2000: ["figure_eight", "linked_rings"]}.get(
            n, ["torus", "wedge_of_circles"]
        )
        clouds = [_shape(name, n, width, seed=i) for i, name in enumerate(names)]
        return clouds, [SHAPES[name][1][:2] for name in names]
    if kind == "mlp":
        return [_mlp_layer("two_circles", n, width, seed=3)], None
    if kind == "big":
        return [_shape("two_circles", n, width, seed=7)], [SHAPES["two_circles"][1][:2]]
    raise SystemExit(f"unknown case {case!r}")


FULL_CASES = ("shapes-1000x64", "shapes-2000x256", "shapes-4000x512", "mlp-2000x128",
              "big-50000x512")
QUICK_CASES = ("shapes-1000x64", "mlp-1000x128", "big-50000x512")


# ----------------------------------------------------------------------------- one tool, one process
def run_tool(tool: str, clouds_path: str, out_path: str) -> None:
    """Child process: compute H0-H1 diagrams of every cloud in ``clouds_path`` with ``tool``."""
    start = time.perf_counter()
    with np.load(clouds_path) as f:
        clouds = [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]
    if tool == "ours":
        from tda_nn.homology import VietorisRipsPersistence

        dgms = VietorisRipsPersistence().fit_transform(clouds)
    elif tool == "giotto-tda":
        from gtda.homology import VietorisRipsPersistence as GtdaVR

        dgms = GtdaVR().fit_transform(clouds)
    elif tool in ("ripser", "ripser-nperm"):
        from ripser import ripser

        out = []
        for X in clouds:
            kw = {"n_perm": 300} if tool == "ripser-nperm" and len(X) > 300 else {}
            h0, h1 = ripser(X, maxdim=1, **kw)["dgms"]
            h0 = h0[np.isfinite(h0[:, 1])]
            out.append(np.vstack([np.column_stack([h0, np.zeros(len(h0))]),
                                  np.column_stack([h1, np.ones(len(h1))])]))
        size = max(len(d) for d in out)
        dgms = np.zeros((len(out), size, 3))
        for i, d in enumerate(out):
            dgms[i, : len(d)] = d
            dgms[i, len(d):, 2] = 1  # padding rows (0, 0, 1)
    else:
        raise SystemExit(f"unknown tool {tool!r}")
    np.save(out_path, np.asarray(dgms, dtype=np.float64))
    print(json.dumps({"compute_seconds": time.perf_counter() - start}))


def _python_for(tool: str, giotto_python: str) -> str:
    return giotto_python if tool == "giotto-tda" else sys.executable


def measure(tool: str, clouds_path: str, giotto_python: str, timeout: float) -> dict:
    """Run one tool in a fresh process; wall time, peak RSS (MB) and its diagrams."""
    python = _python_for(tool, giotto_python)
    if not Path(python).exists():
        return {"status": f"no interpreter {python}"}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dgms.npy")
        cmd = [python, os.path.abspath(__file__), "--tool", tool, "--clouds", clouds_path,
               "--out", out]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        status, usage = None, None
        while status is None:
            pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                status, usage = st, ru
            elif time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"status": f"timeout {timeout:.0f}s"}
            else:
                time.sleep(0.05)
        wall = time.perf_counter() - start
        stdout, stderr = proc.stdout.read(), proc.stderr.read()
        if os.waitstatus_to_exitcode(status) != 0:
            return {"status": "failed: " + (stderr.strip().splitlines() or ["?"])[-1][:120]}
        return {
            "status": "ok",
            "wall_s": wall,
            "peak_mb": usage.ru_maxrss / 1024.0,
            "compute_s": json.loads(stdout.strip().splitlines()[-1])["compute_seconds"],
            "diagrams": np.load(out),
        }


# ----------------------------------------------------------------------------- the driver
def _machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    return (f"{platform.node()} {platform.machine()} {os.cpu_count()} cpus, "
            f"python {platform.python_version()}, load {load[0]:.2f} at start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small cases, one repeat")
    parser.add_argument("--cases", nargs="*", help=f"subset of {FULL_CASES} (or like shapes-NxW)")
    parser.add_argument("--tools", nargs="*", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--repeats", type=int, default=None, help="runs per (tool, case)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per run")
    repo_giotto = Path(__file__).resolve().parents[1] / ".venv-giotto" / "bin" / "python"
    parser.add_argument("--giotto-python", default=os.environ.get(
        "TDA_NN_GIOTTO_PYTHON", str(repo_giotto)))
    parser.add_argument("--tool", help=argparse.SUPPRESS)
    parser.add_argument("--clouds", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tool:
        run_tool(args.tool, args.clouds, args.out)
        return 0

    from tda_nn.features.betti import betti_numbers

    cases = args.cases or (QUICK_CASES if args.quick else FULL_CASES)
    repeats = args.repeats or (1 if args.quick else 3)
    print(f"# bench_persistence on {_machine()}; H0-H1; medians of {repeats} run(s)")
    print(f"{'case':18s} {'tool':13s} {'wall s':>9s} {'peak MB':>8s} {'x wall':>7s} "
          f"{'x mem':>6s}  betti (first cloud) / agreement")
    for case in cases:
        clouds, truth = make_case(case)
        big = len(clouds[0]) > 10000
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "clouds.npz")
            np.savez(path, **{f"cloud_{i}": c.astype(np.float32) for i, c in enumerate(clouds)})
            ours = None
            for tool in args.tools:
                if big and tool in ("giotto-tda", "ripser"):
                    print(f"{case:18s} {tool:13s} {'skipped: exact on 50k points':>30s}")
                    continue
                runs = [measure(tool, path, args.giotto_python, args.timeout)
                        for _ in range(repeats)]
                ok = [r for r in runs if r["status"] == "ok"]
                if not ok:
                    print(f"{case:18s} {tool:13s} {runs[0]['status']}")
                    continue
                wall = statistics.median(r["wall_s"] for r in ok)
                mem = statistics.median(r["peak_mb"] for r in ok)
                betti = betti_numbers(ok[0]["diagrams"], homology_dimensions=(0, 1))
                if tool == "ours":
                    ours = {"wall": wall, "mem": mem, "betti": betti}
                ratio = (f"{wall / ours['wall']:7.1f} {mem / ours['mem']:6.1f}" if ours
                         else f"{'':7s} {'':6s}")
                if truth is not None:
                    verdict = "true" if np.array_equal(betti, truth) else f"WRONG (true {truth})"
                elif ours is not None and tool != "ours":
                    same = np.array_equal(betti, ours["betti"])
                    verdict = "same as ours" if same else "differs from ours"
                else:
                    verdict = "truth unknown"
                print(f"{case:18s} {tool:13s} {wall:9.2f} {mem:8.0f} {ratio}  "
                      f"{betti[0].tolist()} {verdict}", flush=True)
    print("# x wall, x mem: the tool's median over ours (above 1: ours is faster / smaller)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Speed, memory and agreement of tda-nn's default persistence against giotto-tda and ripser.py.

Each (tool, case) runs in its own fresh process, started with the interpreter of the stack that
has the tool (giotto-tda only exists on the giotto stack), and is measured whole: wall time from
start to exit (imports and loading the clouds included) and peak resident memory of that process
(its own ``VmHWM`` on Linux, else ``os.wait4``'s ``ru_maxrss``). Inside the process the time of
importing the tool and of the call that computes the diagrams are reported too: the call is what
a session that has imported everything already pays per batch of clouds. The runs go in rounds
of one run per tool. Every tool gets the same clouds (written once to a temporary ``.npz``) and computes H0
and H1 with its defaults:

- ``ours``: ``tda_nn.homology.VietorisRipsPersistence()`` (300 maxmin landmarks, full
  filtration, giotto-ph), the scikit-learn transformer: its process imports scikit-learn;
- ``ours-unit``: the same default through the function the transformer, the CLI and the workers
  call, ``tda_nn.homology.compute_persistence(X)`` per cloud: its process imports NumPy and
  giotto-ph's compiled engine only (no scikit-learn, no SciPy), which is what a script or a
  worker that needs nothing else pays;
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

TOOLS = ("ours", "ours-unit", "giotto-tda", "ripser", "ripser-nperm")


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
def _import_tool(tool: str):
    """Import ``tool``; return a function from a list of clouds to padded H0-H1 diagrams."""
    if tool == "ours":
        from tda_nn.homology import VietorisRipsPersistence

        return lambda clouds: VietorisRipsPersistence().fit_transform(clouds)
    if tool == "ours-unit":
        from tda_nn.homology import compute_persistence, pad_diagrams

        return lambda clouds: pad_diagrams([compute_persistence(X).diagram for X in clouds], (0, 1))
    if tool == "giotto-tda":
        from gtda.homology import VietorisRipsPersistence as GtdaVR

        return lambda clouds: GtdaVR().fit_transform(clouds)
    if tool in ("ripser", "ripser-nperm"):
        from ripser import ripser

        from tda_nn.homology import pad_diagrams

        def run(clouds: list[np.ndarray]) -> np.ndarray:
            out = []
            for X in clouds:
                kw = {"n_perm": 300} if tool == "ripser-nperm" and len(X) > 300 else {}
                h0, h1 = ripser(X, maxdim=1, **kw)["dgms"]
                h0 = h0[np.isfinite(h0[:, 1])]
                out.append(np.vstack([np.column_stack([h0, np.zeros(len(h0))]),
                                      np.column_stack([h1, np.ones(len(h1))])]))
            return pad_diagrams(out, (0, 1))

        return run
    raise SystemExit(f"unknown tool {tool!r}")


def run_tool(tool: str, clouds_path: str, out_path: str) -> None:
    """Child process: compute H0-H1 diagrams of every cloud in ``clouds_path`` with ``tool``.

    Prints the seconds spent importing the tool and in the call itself (the in-process cost a
    session that has imported everything already pays).
    """
    with np.load(clouds_path) as f:
        clouds = [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]
    start = time.perf_counter()
    compute = _import_tool(tool)
    imported = time.perf_counter()
    dgms = compute(clouds)
    done = time.perf_counter()
    np.save(out_path, np.asarray(dgms, dtype=np.float64))
    print(json.dumps({"import_seconds": imported - start, "call_seconds": done - imported,
                      "peak_mb": _own_peak_mb()}))


def _own_peak_mb() -> float | None:
    """This process's peak resident memory (Linux ``VmHWM``), None where unknown.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over ``fork``/``exec`` into it,
    so a small child would report at least the size of the benchmark driver.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


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
        report = json.loads(stdout.strip().splitlines()[-1])
        return {
            "status": "ok",
            "wall_s": wall,
            "peak_mb": report.get("peak_mb") or usage.ru_maxrss / 1024.0,
            "import_s": report["import_seconds"],
            "call_s": report["call_seconds"],
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
    print(f"{'case':18s} {'tool':13s} {'wall s':>7s} {'import':>7s} {'call s':>7s} "
          f"{'peak MB':>8s} {'x wall':>7s} {'x mem':>6s} {'x unit':>7s} {'x call':>7s}  "
          "betti (first cloud) / agreement")
    for case in cases:
        clouds, truth = make_case(case)
        big = len(clouds[0]) > 10000
        tools = [t for t in args.tools if not (big and t in ("giotto-tda", "ripser"))]
        for tool in sorted(set(args.tools) - set(tools)):
            print(f"{case:18s} {tool:13s} {'skipped: exact on 50k points':>30s}")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "clouds.npz")
            np.savez(path, **{f"cloud_{i}": c.astype(np.float32) for i, c in enumerate(clouds)})
            # rounds of one run per tool, so that a change of load hits every tool alike
            runs: dict[str, list[dict]] = {tool: [] for tool in tools}
            for _ in range(repeats):
                for tool in tools:
                    runs[tool].append(measure(tool, path, args.giotto_python, args.timeout))
        base: dict[str, dict] = {}
        for tool in tools:
            ok = [r for r in runs[tool] if r["status"] == "ok"]
            if not ok:
                print(f"{case:18s} {tool:13s} {runs[tool][0]['status']}")
                continue
            wall = statistics.median(r["wall_s"] for r in ok)
            mem = statistics.median(r["peak_mb"] for r in ok)
            imp = statistics.median(r["import_s"] for r in ok)
            call = statistics.median(r["call_s"] for r in ok)
            betti = betti_numbers(ok[0]["diagrams"], homology_dimensions=(0, 1))
            if tool in ("ours", "ours-unit"):
                base[tool] = {"wall": wall, "mem": mem, "call": call, "betti": betti}
            ours, unit = base.get("ours"), base.get("ours-unit")
            ratio = (f"{wall / ours['wall']:7.1f} {mem / ours['mem']:6.1f}" if ours
                     else f"{'':7s} {'':6s}")
            ratio += f" {wall / unit['wall']:7.1f}" if unit else f" {'':7s}"
            ratio += f" {call / ours['call']:7.1f}" if ours else f" {'':7s}"
            if truth is not None:
                verdict = "true" if np.array_equal(betti, truth) else f"WRONG (true {truth})"
            elif ours is not None and tool != "ours":
                same = np.array_equal(betti, ours["betti"])
                verdict = "same as ours" if same else "differs from ours"
            else:
                verdict = "truth unknown"
            print(f"{case:18s} {tool:13s} {wall:7.2f} {imp:7.2f} {call:7.2f} {mem:8.0f} {ratio}  "
                  f"{betti[0].tolist()} {verdict}", flush=True)
    print("# wall: the whole process; import: importing the tool; call: computing the diagrams "
          "(in process, after imports)")
    print("# x wall, x mem: the tool's median over ours (the transformer); x unit: wall over "
          "ours-unit (compute_persistence); x call: call over ours' call; above 1: ours is "
          "faster / smaller")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

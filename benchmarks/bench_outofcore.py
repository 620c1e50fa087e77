"""A layer bigger than memory: the default diagram of an N x 768 float32 zarr layer, out of core.

The layer is a planted shape (a circle, beta_0 = 1, beta_1 = 1, embedded in 768 dimensions by a
random linear map, with Gaussian noise) written block by block to a zarr group (never held whole).
Each run is a fresh process, measured whole (wall time from start to exit, peak resident memory
``VmHWM``) and from inside (the ``compute_persistence`` call); rounds of one run per method, so
the methods are measured side by side; medians over ``--repeats``:

- ``ours-ooc``: ``compute_persistence(open_chunked(path, layer))``: 300 maxmin landmarks read by
  blocks (:mod:`tda_nn.homology.outofcore`), BLAS with the machine's threads;
- ``ours-mem``: the same default on the layer loaded into memory (``--in-memory``; needs the RAM);
- ``ripser-nperm``: ``ripser.ripser(X, n_perm=300)`` on the layer loaded into memory (its own
  greedy landmarks), with ``--ripser``;
- ``dask-1``, ``dask-2``: ``ours-ooc`` with ``scheduler=`` a ``LocalCluster`` of 1 and 2 worker
  processes of one thread each (BLAS pinned to one thread); scaling efficiency
  ``t(dask-1) / (2 t(dask-2))``, call times.

Betti numbers are read off every diagram with :func:`tda_nn.features.betti.betti_numbers`
(``method="significant"``) and compared with the truth (1, 1).

Usage::

    python benchmarks/bench_outofcore.py --n 200000 --repeats 3 --in-memory --ripser
    python benchmarks/bench_outofcore.py --n 1000000 --repeats 3     # 3 GB on disk
    python benchmarks/bench_outofcore.py --n 200000 --codec zstd --no-dask   # compressed chunks
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

D = 768
LAYER = "layer"


def make_layer(path: Path, n: int, seed: int = 0, chunk: int = 8192, codec: str = "none") -> None:
    """Write a noisy circle in ``D`` dimensions as a zarr array ``(n, D)``, block by block.

    ``codec``: ``"none"`` (raw chunks, what tda-nn's own writers store for float layers) or
    ``"zstd"`` (zarr 3's default, which saves ~11% on such float noise and is slower to read)."""
    import numpy as np
    import zarr

    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(2, D)) / np.sqrt(2)
    group = zarr.open_group(str(path), mode="w")
    extra = {"compressors": None} if codec == "none" else {}
    arr = group.create_array(LAYER, shape=(n, D), chunks=(chunk, D), dtype="float32", **extra)
    for s in range(0, n, chunk):
        k = min(chunk, n - s)
        t = rng.uniform(0, 2 * np.pi, k)
        block = 10.0 * np.c_[np.cos(t), np.sin(t)] @ basis + 0.1 * rng.normal(size=(k, D))
        arr[s:s + k] = block.astype(np.float32)
    group.attrs["layer_order"] = [LAYER]


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(method: str, path: str) -> dict:
    """Run one method in this process; return its measurements."""
    start = time.perf_counter()
    import numpy as np

    from tda_nn.features.betti import betti_numbers
    from tda_nn.homology.chunked import open_chunked
    from tda_nn.homology.unit import compute_persistence

    extra = {}
    if method in ("ours-mem", "ripser-nperm"):
        import zarr

        X = np.asarray(zarr.open_group(path, mode="r")[LAYER][...])
    t0 = time.perf_counter()
    if method == "ours-ooc":
        res = compute_persistence(open_chunked(path, LAYER))
    elif method == "ours-mem":
        res = compute_persistence(X)
    elif method.startswith("dask-"):
        from distributed import LocalCluster

        workers = int(method.split("-")[1])
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            t0 = time.perf_counter()
            res = compute_persistence(open_chunked(path, LAYER), scheduler=cluster.scheduler_address)
            call = time.perf_counter() - t0
    elif method == "ripser-nperm":
        from ripser import ripser

        out = ripser(X, maxdim=1, n_perm=300)
        call = time.perf_counter() - t0
        dgms = [np.column_stack([d, np.full(len(d), k)]) for k, d in enumerate(out["dgms"])]
        diagram = np.vstack(dgms)
        diagram = diagram[np.isfinite(diagram[:, 1])]
        extra["covering_radius"] = float(out["r_cover"])
    else:
        raise SystemExit(f"unknown method {method!r}")
    if not method.startswith(("dask-", "ripser")):
        call = time.perf_counter() - t0
    if method != "ripser-nperm":
        diagram = res.diagram
        extra["covering_radius"] = res.covering_radius
        extra["landmarks"] = int(np.asarray(res.indices).sum())
    betti = betti_numbers(diagram[None], "significant", homology_dimensions=[0, 1])[0]
    return {"method": method, "call_s": call, "betti": [int(b) for b in betti],
            "in_process_s": time.perf_counter() - start, "peak_mb": _peak_mb(), **extra}


def run_child(method: str, path: str, timeout: float) -> dict:
    env = dict(os.environ)
    if method.startswith("dask-"):
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, "--one", method, "--path", path],
                              capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"method": method, "error": f"timeout {timeout}s"}
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"method": method, "error": proc.stderr.strip().splitlines()[-1:]}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--in-memory", action="store_true", help="also ours on the loaded layer")
    ap.add_argument("--ripser", action="store_true", help="also ripser.py n_perm=300 (loaded)")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--dir", default=None, help="where to write the zarr layer (default: tmp)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--codec", choices=["none", "zstd"], default="none",
                    help="zarr compression of the layer (default none: raw chunks)")
    ap.add_argument("--methods", default=None,
                    help="comma-separated subset of the methods to run (default: all chosen)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.path)))
        return
    methods = ["ours-ooc"]
    methods += ["ours-mem"] if args.in_memory else []
    methods += ["ripser-nperm"] if args.ripser else []
    methods += [] if args.no_dask else ["dask-1", "dask-2"]
    if args.methods:
        methods = [m for m in args.methods.split(",") if m]
    tmp = Path(tempfile.mkdtemp(prefix="bench_ooc_", dir=args.dir))
    path = tmp / "layer.zarr"
    try:
        t0 = time.perf_counter()
        make_layer(path, args.n, codec=args.codec)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        print(f"# machine: {platform.machine()}, {os.cpu_count()} cores, "
              f"{platform.python_version()}; layer {args.n} x {D} float32 zarr, "
              f"{size / 1e9:.2f} GB on disk ({args.codec}), written in {time.perf_counter() - t0:.0f} s")
        runs: dict[str, list[dict]] = {m: [] for m in methods}
        for r in range(args.repeats):
            for m in methods:
                out = run_child(m, str(path), args.timeout)
                runs[m].append(out)
                print(f"# round {r}: {json.dumps(out)}", flush=True)
        print(f"{'method':14s} {'wall s':>8s} {'call s':>8s} {'peak MB':>8s}  betti (truth [1, 1])")
        med = {}
        for m, outs in runs.items():
            ok = [o for o in outs if "error" not in o]
            if not ok:
                print(f"{m:14s} {outs[0]['error']}")
                continue
            med[m] = {k: statistics.median(o[k] for o in ok) for k in ("wall_s", "call_s", "peak_mb")}
            print(f"{m:14s} {med[m]['wall_s']:8.1f} {med[m]['call_s']:8.1f} "
                  f"{med[m]['peak_mb']:8.0f}  {[o['betti'] for o in ok]}")
        if "dask-1" in med and "dask-2" in med:
            eff = med["dask-1"]["call_s"] / (2 * med["dask-2"]["call_s"])
            print(f"dask scaling efficiency (call, 1 -> 2 workers): {eff:.0%}")
        if "ripser-nperm" in med:
            print(f"ripser-nperm / ours-ooc (wall): "
                  f"{med['ripser-nperm']['wall_s'] / med['ours-ooc']['wall_s']:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

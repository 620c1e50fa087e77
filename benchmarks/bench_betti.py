"""Score Betti-number methods on the clouds of ``betti_suite`` (known truths, third-party shapes).

For every cloud of the split the persistence diagram is computed once with tda-nn's public API
(:func:`persistence`, the default ``compute_persistence``), and every method reads its Betti
numbers through one hook, :func:`decide`: change those two functions to try a new rule or new
keyword arguments. Printed (and written to ``--out``):

- one table per category: case, seed, n, d, truth, the answer of each method (``ok`` / ``--``),
  seconds (persistence + all methods), notes (``hard``, unstable answers, certain-bar violations);
- per method: ``right/total`` per category (hard cases counted too, and also shown apart), the
  false-positive rate (blob/noise clouds where any Betti number is above the truth), how many
  clouds change their answer across landmark seeds ``random_state = None, 0, ..., K-1``
  (``--seeds-stability K``; clouds used whole give the same diagram, so only the decision is
  re-run there);
- certain bars: bars longer than ``2 * error_bound`` have a partner in the exact diagram of the
  whole cloud, so on landmark clouds their number in dimension k must not exceed the true beta_k
  (beta_0 - 1 for H0, the diagrams being reduced); violations are listed. Clouds used whole have
  ``error_bound = 0``, where every bar is certain for the cloud itself, so they are not checked;
- the very last line is ``N/M right`` for the first method.

Usage::

    python benchmarks/bench_betti.py --split validation      # table auto test rule significant
    python benchmarks/bench_betti.py --split calibration --quick     # first seed, no stability
    python benchmarks/bench_betti.py --split both --jobs 4 --out /tmp/betti.txt
    python benchmarks/bench_betti.py --split calibration --n-landmarks 600 --seeds-stability 0
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread per job: --jobs sets the parallelism

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import betti_suite  # noqa: E402


# ----------------------------------------------------------------------------- the hook
def _n_landmarks() -> dict:
    """``{"n_landmarks": m}`` when ``--n-landmarks`` was given (read from the environment, which
    the worker processes inherit), else ``{}`` (tda-nn's default)."""
    m = os.environ.get("BENCH_BETTI_N_LANDMARKS")
    return {"n_landmarks": int(m)} if m else {}


def persistence(cloud: np.ndarray, maxdim: int, random_state):
    """The diagram every method reads (tda-nn's default persistence)."""
    from tda_nn.homology import compute_persistence

    return compute_persistence(
        cloud, homology_dimensions=range(maxdim + 1), random_state=random_state, **_n_landmarks()
    )


def decide(cloud: np.ndarray, maxdim: int, method: str, random_state, *, result=None
           ) -> tuple[tuple[int, ...], dict]:
    """Betti numbers ``(beta_0, ..., beta_maxdim)`` of ``cloud`` by ``method``, and extras.

    ``result`` is the :func:`persistence` of the cloud at this ``random_state`` when already
    computed (the benchmark computes it once per cloud and seed and passes it to every method).
    """
    from tda_nn.features.betti import betti_numbers
    from tda_nn.features.decision import decide_betti

    res = result if result is not None else persistence(cloud, maxdim, random_state)
    if method == "table":  # what betti.csv reports (tda-nn persistence --betti auto)
        from tda_nn.analysis.measures import auto_decisions
        from tda_nn.analysis.units import TopologyParams

        params = TopologyParams(homology_dimensions=tuple(range(maxdim + 1)),
                                random_state=random_state, **_n_landmarks())
        decisions = auto_decisions(res, params, cloud=cloud, random_state=random_state)
    elif method in ("auto", "test", "rule"):  # on the result: pieces from the merge tree
        decisions = decide_betti(res, method="significant" if method == "rule" else method)
    if method in ("table", "auto", "test", "rule"):
        unsure = any(d.confidence == "unsure" for d in decisions)
        certain = tuple(int(d.betti_certain) for d in decisions)
        return tuple(int(d.betti) for d in decisions), {"unsure": unsure, "certain": certain}
    # "significant", "test-diagram", "scale"...: the diagram-only rules of BettiNumbers
    name = "test" if method == "test-diagram" else method
    betti = betti_numbers(res.diagram, name, homology_dimensions=range(maxdim + 1))[0]
    return tuple(int(b) for b in betti), {}


# ----------------------------------------------------------------------------- one cloud
def _answer(cloud, maxdim, method, random_state, result) -> tuple[tuple[int, ...] | str, dict]:
    try:
        return decide(cloud, maxdim, method, random_state, result=result)
    except Exception as exc:  # a broken method is reported, not fatal
        return f"error: {type(exc).__name__}: {exc}"[:80], {}


def is_right(answer, truth) -> bool:
    if isinstance(answer, str):
        return False
    return all(t is None or (k < len(answer) and answer[k] == t) for k, t in enumerate(truth))


def is_over(answer, truth) -> bool:
    """Some Betti number above the truth (a false feature)."""
    if isinstance(answer, str):
        return False
    return any(t is not None and k < len(answer) and answer[k] > t for k, t in enumerate(truth))


def certain_violations(result, truth) -> list[str]:
    """Dimensions where more bars are longer than ``2 * error_bound`` than the truth allows."""
    D = result.diagram
    life = D[:, 1] - D[:, 0]
    out = []
    for k, t in enumerate(truth):
        if t is None or k not in result.homology_dimensions:
            continue
        allowed = t - 1 if (k == 0 and result.reduced_homology) else t
        n = int(np.count_nonzero((D[:, 2] == k) & (life > 2 * result.error_bound)))
        if n > allowed:
            out.append(f"H{k}:{n}>{allowed}")
    return out


def score_cloud(case_index: int, seed: int, methods: tuple[str, ...], n_stability: int) -> dict:
    """Everything the report needs about one ``(case, seed)``: built here, in the worker."""
    case = betti_suite.CASES[case_index]
    cloud = case.make(seed)
    start, cpu = time.perf_counter(), time.process_time()
    res = persistence(cloud, case.maxdim, None)
    pairs = [_answer(cloud, case.maxdim, m, None, res) for m in methods]
    answers = [a for a, _ in pairs]
    unsure = [extra.get("unsure") for _, extra in pairs]
    certain = [extra.get("certain") for _, extra in pairs]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    cpu_stability = time.process_time()
    exact = res.subsample == "none"
    others: list[list] = [[] for _ in methods]
    for rs in range(n_stability):
        r = res if exact else persistence(cloud, case.maxdim, rs)
        for j, m in enumerate(methods):
            others[j].append(_answer(cloud, case.maxdim, m, rs, r)[0])
    unstable = [sorted({str(a) for a in [answers[j], *others[j]]}) for j in range(len(methods))]
    return {
        "case": case_index, "seed": seed, "answers": answers, "unsure": unsure,
        "certain_claims": certain,
        "seconds": seconds, "cpu": cpu, "cpu_stability": time.process_time() - cpu_stability,
        "exact": exact, "n_used": res.n_points_used, "error_bound": res.error_bound,
        "unstable": [u if len(u) > 1 else None for u in unstable],
        "certain": None if exact else certain_violations(res, case.truth),
    }


# ----------------------------------------------------------------------------- report
def _fmt(t) -> str:
    if isinstance(t, str):
        return t
    return "(" + ",".join("-" if b is None else str(b) for b in t) + ")"


def _header(args, methods, n_clouds) -> list[str]:
    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=HERE, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    import importlib.util

    import gudhi
    import tadasets

    where = Path(importlib.util.find_spec("tda_nn").origin).resolve().parent
    head = git("rev-parse", "--short", "HEAD")
    if where == HERE.parent / "tda_nn":
        dirty = git("status", "--porcelain", "--", str(HERE.parent / "tda_nn"))
        source = f"tda-nn commit {head}" + (" + uncommitted changes in tda_nn/" if dirty else "")
    else:
        source = f"tda-nn imported from {where} (this checkout is at {head})"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        "bench_betti: Betti-number methods on betti_suite (known truths)",
        f"date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"machine: {platform.machine()} {platform.processor() or ''} cpu_count={os.cpu_count()} "
        f"usable_cores={cores}; {platform.system()} {platform.release()}; "
        f"python {platform.python_version()}",
        f"numpy {np.__version__}, gudhi {gudhi.__version__}, tadasets {tadasets.__version__}",
        source,
        f"split: {args.split}; methods: {' '.join(methods)}; clouds: {n_clouds}; "
        f"stability seeds: None" + "".join(f", {k}" for k in range(args.seeds_stability))
        + f"; jobs: {args.jobs}" + ("; --quick (first seed of each split)" if args.quick else "")
        + (f"; n_landmarks: {args.n_landmarks}" if args.n_landmarks is not None else ""),
        "answer: random_state=None (the default); ok = every scored dim right; - = not scored; "
        "cpu = CPU seconds of the persistence and all methods (stability runs not included)",
    ]


def case_bootstrap(rows: list[dict], j: int, n_boot: int = 5000, seed: int = 0
                   ) -> tuple[float, float]:
    """95% percentile interval of the share of right answers of method ``j``, resampling whole
    cases (the seeds of one case are not independent clouds)."""
    by_case: dict[int, list[bool]] = {}
    for r in rows:
        by_case.setdefault(r["case"], []).append(
            is_right(r["answers"][j], betti_suite.CASES[r["case"]].truth))
    groups = list(by_case.values())
    if not groups:
        return float("nan"), float("nan")
    right = np.array([sum(g) for g in groups], dtype=float)
    size = np.array([len(g) for g in groups], dtype=float)
    pick = np.random.default_rng(seed).integers(len(groups), size=(n_boot, len(groups)))
    share = right[pick].sum(axis=1) / size[pick].sum(axis=1)
    lo, hi = np.percentile(share, [2.5, 97.5])
    return float(lo), float(hi)


def report(rows: list[dict], methods: tuple[str, ...], label: str) -> list[str]:
    cases = betti_suite.CASES
    out: list[str] = []
    mw = max(12, *(len(m) for m in methods))
    for cat in betti_suite.CATEGORIES:
        cr = [r for r in rows if cases[r["case"]].category == cat]
        if not cr:
            continue
        out += ["", f"== {label} / {cat} ({len({r['case'] for r in cr})} cases, {len(cr)} clouds) =="]
        head = f"{'case':44s} {'seed':>4s} {'n':>5s} {'d':>4s} {'truth':9s}"
        head += "".join(f" {m:>{mw}s}   " for m in methods) + f" {'cpu':>6s}  notes"
        out.append(head)
        for r in cr:
            c = cases[r["case"]]
            line = (f"{c.name.split('/', 1)[1]:44s} {r['seed']:4d} {c.n:5d} {c.d:4d} "
                    f"{_fmt(c.truth):9s}")
            for j, _m in enumerate(methods):
                a = r["answers"][j]
                line += f" {_fmt(a):>{mw}s} {'ok' if is_right(a, c.truth) else '--'}"
            notes = []
            if c.hard:
                notes.append("hard")
            if r["exact"]:
                notes.append("exact")
            for j, m in enumerate(methods):
                if r["unstable"][j]:
                    notes.append(f"unstable[{m}]: {' / '.join(r['unstable'][j])}")
            if r["certain"]:
                notes.append("certain bars " + " ".join(r["certain"]))
            out.append(line + f" {r['cpu']:6.2f}  " + "; ".join(notes))

    out += ["", f"== {label} / totals ({len(rows)} clouds) =="]
    for j, m in enumerate(methods):
        out.append(f"method {m}:")
        for cat in betti_suite.CATEGORIES:
            cr = [r for r in rows if cases[r["case"]].category == cat]
            if not cr:
                continue
            ok = sum(is_right(r["answers"][j], cases[r["case"]].truth) for r in cr)
            hard = [r for r in cr if cases[r["case"]].hard]
            hok = sum(is_right(r["answers"][j], cases[r["case"]].truth) for r in hard)
            extra = f"   (hard: {hok}/{len(hard)}; not hard: {ok - hok}/{len(cr) - len(hard)})" \
                if hard else ""
            out.append(f"  {cat:12s} {ok:4d}/{len(cr):<4d} right  {100 * ok / len(cr):5.1f}%{extra}")
        ok = sum(is_right(r["answers"][j], cases[r["case"]].truth) for r in rows)
        nh = [r for r in rows if not cases[r["case"]].hard]
        okh = sum(is_right(r["answers"][j], cases[r["case"]].truth) for r in nh)
        lo, hi = case_bootstrap(rows, j)
        out.append(f"  {'all':12s} {ok:4d}/{len(rows):<4d} right  {100 * ok / max(len(rows), 1):5.1f}%"
                   f"   (not hard: {okh}/{len(nh)}); 95% interval {100 * lo:.1f}-{100 * hi:.1f}% "
                   "(bootstrap over cases)")
        blobs = [r for r in rows if cases[r["case"]].category == "blob"]
        fp = sum(is_over(r["answers"][j], cases[r["case"]].truth) for r in blobs)
        over = sum(is_over(r["answers"][j], cases[r["case"]].truth) for r in rows)
        out.append(f"  false-positive rate (blob/noise clouds with a Betti number above the "
                   f"truth): {fp}/{len(blobs)} = {100 * fp / max(len(blobs), 1):.1f}%")
        out.append(f"  over-counts in any category: {over}/{len(rows)}; errors: "
                   f"{sum(isinstance(r['answers'][j], str) for r in rows)}")
        flagged = [r for r in rows if r["unsure"][j] is not None]
        if flagged:
            wrong = [r for r in flagged if not is_right(r["answers"][j], cases[r["case"]].truth)]
            conf_wrong = [r for r in wrong if not r["unsure"][j]]
            n_unsure = sum(bool(r["unsure"][j]) for r in flagged)
            out.append(f"  confidence: {n_unsure}/{len(flagged)} clouds flagged unsure; wrong and "
                       f"flagged unsure {len(wrong) - len(conf_wrong)}/{len(wrong)}; wrong but "
                       f"confident {len(conf_wrong)}/{len(flagged)}")
        claims = [r for r in rows if r["certain_claims"][j] is not None]
        if claims:
            above = [r for r in claims if is_over(r["certain_claims"][j], cases[r["case"]].truth)]
            exact = sum(is_right(r["certain_claims"][j], cases[r["case"]].truth) for r in claims)
            out.append(f"  betti_certain (a claimed lower bound) above the truth: {len(above)}/"
                       f"{len(claims)} clouds" + ("" if not above else " (" + ", ".join(
                           f"{cases[r['case']].name}@{r['seed']}" for r in above[:8]) + ")")
                       + f"; equal to the truth on {exact}/{len(claims)}")
        unst = [r for r in rows if r["unstable"][j]]
        out.append(f"  unstable across random_state None..K-1: {len(unst)}/{len(rows)} clouds"
                   + ("" if not unst else " (" + ", ".join(
                       f"{cases[r['case']].name}@{r['seed']}" for r in unst[:12])
                       + (", ..." if len(unst) > 12 else "") + ")"))
    checked = [r for r in rows if r["certain"] is not None]
    bad = [r for r in checked if r["certain"]]
    out.append(f"certain bars (longer than 2 * error_bound) above the truth: {len(bad)}/"
               f"{len(checked)} landmark clouds" + ("" if not bad else ": " + ", ".join(
                   f"{cases[r['case']].name}@{r['seed']} {' '.join(r['certain'])}" for r in bad)))
    out.append(f"({len(rows) - len(checked)} clouds used whole: error_bound = 0, not checked)")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=(*betti_suite.SPLITS, "both"),
                   default="validation")
    p.add_argument("--methods", nargs="+", default=["table", "test", "rule", "significant"],
                   help="table: what betti.csv reports (tda-nn persistence --betti auto); "
                   "auto / test / rule: tda_nn.features.decision.decide_betti on the result "
                   "(rule = method 'significant' there, pieces from the merge tree); "
                   "significant / test-diagram: BettiNumbers' diagram-only rules")
    p.add_argument("--seeds-stability", type=int, default=None, metavar="K",
                   help="also decide with random_state 0..K-1 (default 3; 0 with --quick)")
    p.add_argument("--out", default=None,
                   help="results file (default benchmarks/results/bench_betti_<split>.txt)")
    p.add_argument("--quick", action="store_true", help="first seed of each split only")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--n-landmarks", type=int, default=None, metavar="M",
                   help="landmarks of every diagram (default: tda-nn's, 300)")
    p.add_argument("--cases", nargs="+", default=None,
                   help="only cases whose name contains one of these strings")
    args = p.parse_args(argv)
    if args.seeds_stability is None:
        args.seeds_stability = 0 if args.quick else 3
    methods = tuple(args.methods)
    if args.n_landmarks is not None:
        os.environ["BENCH_BETTI_N_LANDMARKS"] = str(args.n_landmarks)
    splits = ("calibration", "validation") if args.split == "both" else (args.split,)
    tasks = []
    for split in splits:
        seeds = betti_suite.split_seeds(split)[: 1 if args.quick else None]
        for i, case in enumerate(betti_suite.CASES):
            if args.cases and not any(s in case.name for s in args.cases):
                continue
            tasks += [(split, i, s) for s in seeds]

    from joblib import Parallel, delayed

    lines = _header(args, methods, len(tasks))
    print("\n".join(lines), flush=True)
    start = time.perf_counter()
    results = Parallel(n_jobs=args.jobs, verbose=0)(
        delayed(score_cloud)(i, s, methods, args.seeds_stability) for _, i, s in tasks
    )
    wall = time.perf_counter() - start
    for split in splits:
        rows = [r for (sp, _, _), r in zip(tasks, results, strict=True) if sp == split]
        body = report(rows, methods, split)
        print("\n".join(body), flush=True)
        lines += body
    ok = sum(is_right(r["answers"][0], betti_suite.CASES[r["case"]].truth) for r in results)
    tail = [
        "",
        f"wall time: {wall:.0f} s with {args.jobs} jobs (includes any other load on the machine); "
        f"CPU seconds: {sum(r['cpu'] for r in results):.0f} for the answers + "
        f"{sum(r['cpu_stability'] for r in results):.0f} for the stability runs",
        f"method {methods[0]}, {' + '.join(splits)}:",
        f"{ok}/{len(results)} right",
    ]
    print("\n".join(tail), flush=True)
    lines += tail
    out = Path(args.out) if args.out else HERE / "results" / f"bench_betti_{args.split}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

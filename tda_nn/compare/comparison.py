"""The computing part of a comparison: plans, distance tables, null tables and the summary.

:func:`compare_sources` turns loaded :class:`~tda_nn.compare.sources.Source` objects into a
:class:`CompareResult` (nothing is written); see :mod:`tda_nn.compare.job` for what is compared.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tda_nn.compare.diagram_tasks import _ensure_diagrams
from tda_nn.compare.options import CompareOptions, Log, _quiet
from tda_nn.compare.sources import Source, check_same_probe
from tda_nn.errors import InputError
from tda_nn.execution import connected, scheduler_address

__all__ = [
    "DISTANCE_COLUMNS",
    "NULL_TABLE_COLUMNS",
    "STAT_COLUMNS",
    "SUMMARY_COLUMNS",
    "CompareResult",
    "PairPlan",
    "aligned_pairs",
    "compare_sources",
    "merge_results",
    "plan_comparisons",
    "summarize",
]

DISTANCE_COLUMNS = (
    "model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance",
)
NULL_TABLE_COLUMNS = ("group", "null_kind", "replicate", *DISTANCE_COLUMNS)
STAT_COLUMNS = (
    "null_n", "null_median", "null_mean", "null_std", "z_score", "p_value", "ratio_to_null_median",
)
SUMMARY_COLUMNS = (
    "model_a", "model_b", "homology_dim", "metric", "align", "n_pairs", "n_layer_pairs",
    "distance", "null_kind", *STAT_COLUMNS,
)


@dataclass
class PairPlan:
    """One architecture pair and the model pairs that compare it."""

    group_a: str
    group_b: str
    pairs: list[tuple[Source, Source]]


@dataclass
class CompareResult:
    """Tables and bookkeeping of a comparison.

    Attributes
    ----------
    distances : pandas.DataFrame
        :data:`DISTANCE_COLUMNS` (plus ``depth_a``, ``depth_b``) for every model pair.
    null : pandas.DataFrame
        ``group, null_kind, replicate`` plus :data:`DISTANCE_COLUMNS`.
    summary : pandas.DataFrame
        :data:`SUMMARY_COLUMNS`.
    sources : list of Source
    plans : list of PairPlan
    null_kinds : dict of str to str
        Null used for each architecture.
    seconds : dict of str to float
        Wall time per phase.
    """

    distances: pd.DataFrame
    null: pd.DataFrame
    summary: pd.DataFrame
    sources: list[Source]
    plans: list[PairPlan]
    null_kinds: dict[str, str]
    options: CompareOptions
    seconds: dict[str, float] = field(default_factory=dict)


def plan_comparisons(
    sources: Sequence[Source], comparisons: Iterable[Sequence[str]] | None = None
) -> list[PairPlan]:
    """Which architecture pairs, and which model pairs in each (see :mod:`tda_nn.compare.job`)."""
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.group, []).append(source)
    if comparisons is None:
        names = list(groups)
        wanted = [(names[0], names[0])] if len(names) == 1 else list(itertools.combinations(names, 2))
    else:
        wanted = []
        for item in comparisons:
            pair = tuple(str(v) for v in item)
            if len(pair) != 2:
                raise InputError(f"a comparison names two models, got {list(item)!r}")
            unknown = [g for g in pair if g not in groups]
            if unknown:
                raise InputError(
                    f"comparison {pair[0]} vs {pair[1]}: unknown model {unknown[0]!r}; "
                    f"models: {', '.join(groups)}"
                )
            wanted.append(pair)
        if not wanted:
            raise InputError("comparisons is empty")
    plans = []
    for a, b in dict.fromkeys(wanted):
        members_a, members_b = groups[a], groups[b]
        if a == b:
            pairs = (list(itertools.combinations(members_a, 2)) if len(members_a) > 1
                     else [(members_a[0], members_a[0])])
        else:
            seeds_b = {s.seed: s for s in members_b if s.seed is not None}
            matched = [(s, seeds_b[s.seed]) for s in members_a if s.seed in seeds_b]
            pairs = matched or list(itertools.product(members_a, members_b))
        plans.append(PairPlan(a, b, pairs))
    return plans


def aligned_pairs(layers_a: Sequence[str], layers_b: Sequence[str], align: str) -> list[tuple[str, str]]:
    """The layer pairs a model-pair statistic averages over."""
    from tda_nn.compare.matrices import align_by_relative_depth

    if align == "all":
        return [(a, b) for a in layers_a for b in layers_b]
    return align_by_relative_depth(list(layers_a), list(layers_b))


def _model_pair_tables(
    a: Source,
    b: Source,
    options: CompareOptions,
    pairs: list[tuple[str, str]] | None,
    n_jobs: int | None,
    resampled: tuple[dict[str, np.ndarray], dict[str, np.ndarray], str, str] | None = None,
    scheduler: Any = None,
) -> list[pd.DataFrame]:
    """Distance tables of ``a`` against ``b`` (``pairs=None``: every layer pair).

    ``resampled = (diagrams_a, diagrams_b, name_a, name_b)`` compares those diagrams instead (a
    bootstrap replicate); CKA and RTD are then left out.
    """
    from tda_nn.compare.matrices import cka_matrix, layer_distance_matrix, rtd_matrix

    same = a is b and resampled is None
    n_pairs = len(pairs) if pairs is not None else len(a.layers) * len(b.layers)
    # processes (or Dask tasks) pay off for many exact distances only, not for a replicate's
    # few dozen
    many = n_pairs * len(options.homology_dims) >= 100
    distance_jobs = n_jobs if many else None
    distance_scheduler = scheduler if many else None
    if resampled is None:
        diagrams_a, other, name_a, name_b = a.diagrams, None if same else b.diagrams, a.name, b.name
    else:
        diagrams_a, other, name_a, name_b = resampled
    tables = []
    for metric in options.metrics:
        table = layer_distance_matrix(
            diagrams_a, other, metric=metric, homology_dims=options.homology_dims,
            order=options.order, ground_metric=options.ground_metric, model_a=name_a,
            model_b=name_b, pairs=pairs, n_jobs=distance_jobs, scheduler=distance_scheduler,
        )
        if options.normalize != "none":
            table["metric"] = table["metric"].str[:-1] + f",scale={options.normalize}]"
        tables.append(table)
    if resampled is not None:
        return tables
    if options.cka:
        tables.append(cka_matrix(a.clouds(), None if same else b.clouds(), model_a=a.name,
                                 model_b=name_b, pairs=pairs))
    if options.rtd:
        rtd_pairs = pairs if pairs is not None else aligned_pairs(a.layers, b.layers, options.align)
        tables.append(rtd_matrix(
            a.clouds(), None if same else b.clouds(), n_samples=options.rtd_samples,
            n_trials=options.rtd_trials, random_state=options.random_state, model_a=a.name,
            model_b=name_b, pairs=rtd_pairs, n_jobs=n_jobs, scheduler=scheduler,
        ))
    return tables


def _null_kind_of(members: Sequence[Source], null: str) -> str:
    if null == "none":
        return "none"
    if null == "seeds" or (null == "auto" and len(members) > 1):
        if len(members) < 2:
            raise InputError(
                f"null='seeds' needs at least two seeds of {members[0].group!r}; it has one "
                "(use null='bootstrap' or 'auto')"
            )
        return "seeds"
    return "bootstrap"


def compare_sources(
    sources: Sequence[Source],
    options: CompareOptions | None = None,
    *,
    comparisons: Iterable[Sequence[str]] | None = None,
    n_jobs: int | None = 1,
    log: Log | None = None,
    scheduler: Any = None,
) -> CompareResult:
    """Compare loaded sources: distance tables, nulls and the summary (nothing is written).

    Parameters
    ----------
    sources : sequence of Source
        From :func:`load_sources` or :meth:`Source.from_arrays`; all probed with the same inputs.
    options : CompareOptions, optional
    comparisons : iterable of (architecture, architecture), optional
        Default: every pair of architectures (or the one architecture with itself).
    n_jobs : int, optional
        Processes for diagrams and distances (joblib; -1: all cores).
    log : callable, optional
        Receives one-line progress messages.
    scheduler : str, distributed.Client, distributed.LocalCluster or None
        A Dask scheduler (e.g. ``"tcp://host:8786"``): the diagrams, the distances of large
        tables, RTD and the bootstrap diagrams run there through :mod:`tda_nn.execution`
        (``n_jobs`` is then ignored). The results equal a local run's.

    Returns
    -------
    CompareResult
    """
    from threadpoolctl import threadpool_limits

    # The products here are small (one layer pair at a time): multi-threaded BLAS only adds
    # overhead, and OpenBLAS threads that busy-wait on a loaded machine made an SVD of a
    # 120 x 384 layer 150 times slower (1.6 s instead of 0.01 s). Parallelism is n_jobs'.
    with threadpool_limits(limits=1, user_api="blas"), connected(scheduler) as client:
        return _compare_sources(sources, options, comparisons, n_jobs, log, client)


def _compare_sources(
    sources: Sequence[Source],
    options: CompareOptions | None,
    comparisons: Iterable[Sequence[str]] | None,
    n_jobs: int | None,
    log: Log | None,
    client: Any = None,
) -> CompareResult:
    options = options or CompareOptions()
    log = log or _quiet
    sources = list(sources)
    if not sources:
        raise InputError("nothing to compare: no models")
    check_same_probe(sources)
    plans = plan_comparisons(sources, comparisons)
    used: dict[str, Source] = {}
    for plan in plans:
        for a, b in plan.pairs:
            used.setdefault(a.name, a)
            used.setdefault(b.name, b)
    groups: dict[str, list[Source]] = {}
    for source in sources:
        groups.setdefault(source.group, []).append(source)
    involved = {g for plan in plans for g in (plan.group_a, plan.group_b)}
    null_kinds = {g: _null_kind_of(groups[g], options.null) for g in groups if g in involved}
    for g, kind in null_kinds.items():
        if kind == "seeds":
            for s in groups[g]:
                used.setdefault(s.name, s)
    needs_diagrams = bool(options.metrics)
    bootstrap = [s for g, kind in null_kinds.items() if kind == "bootstrap" for s in groups[g]]
    bootstrap = bootstrap if needs_diagrams else []
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    boot: dict[str, list[dict[str, np.ndarray]]] = {}
    if needs_diagrams:
        boot = _ensure_diagrams(list(used.values()), bootstrap, options, n_jobs, client)
        reused = sum(s.diagram_origin == "stored" for s in used.values())
        n_boot = sum(len(s.layers) * 2 * options.n_bootstrap for s in bootstrap)
        log(f"diagrams: {len(used)} model(s), {reused} with stored diagrams; "
            f"{n_boot} bootstrap diagram(s) in {time.perf_counter() - t0:.1f} s"
            + ("" if client is None else f" on Dask scheduler {scheduler_address(client)}"))
    seconds["diagrams"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tables: list[pd.DataFrame] = []
    done: set[tuple[str, str]] = set()
    for plan in plans:
        for a, b in plan.pairs:
            if (a.name, b.name) in done:
                continue
            done.add((a.name, b.name))
            tables.extend(_model_pair_tables(a, b, options, None, n_jobs, scheduler=client))
    distances = pd.concat(tables, ignore_index=True)
    seconds["distances"] = time.perf_counter() - t0
    log(f"distances: {len(done)} model pair(s), {len(distances)} rows in "
        f"{seconds['distances']:.1f} s")

    t0 = time.perf_counter()
    null = _null_tables(groups, null_kinds, boot, options, n_jobs, client)
    seconds["null"] = time.perf_counter() - t0
    if null_kinds:
        kinds = ", ".join(f"{g}: {k}" for g, k in null_kinds.items())
        log(f"null: {kinds} ({len(null)} rows in {seconds['null']:.1f} s)")
    summary = summarize(plans, distances, null, null_kinds, options)
    return CompareResult(distances=distances, null=null, summary=summary,
                         sources=list(used.values()), plans=plans, null_kinds=null_kinds,
                         options=options, seconds=seconds)


def _null_tables(
    groups: dict[str, list[Source]],
    null_kinds: dict[str, str],
    boot: dict[str, list[dict[str, np.ndarray]]],
    options: CompareOptions,
    n_jobs: int | None,
    client: Any = None,
) -> pd.DataFrame:
    tables = []
    for group, kind in null_kinds.items():
        members = groups[group]
        if kind == "seeds":
            for a, b in itertools.combinations(members, 2):
                pairs = aligned_pairs(a.layers, b.layers, options.align)
                for table in _model_pair_tables(a, b, options, pairs, n_jobs, scheduler=client):
                    tables.append(table.assign(group=group, null_kind="seeds",
                                               replicate=f"{a.name} vs {b.name}"))
        elif kind == "bootstrap":
            for source in members:
                pairs = aligned_pairs(source.layers, source.layers, options.align)
                resamples = boot.get(source.name, [])
                for i in range(len(resamples) // 2):
                    first, second = resamples[2 * i], resamples[2 * i + 1]
                    name_a = f"{source.name}~resample{2 * i}"
                    name_b = f"{source.name}~resample{2 * i + 1}"
                    for table in _model_pair_tables(source, source, options, pairs, n_jobs,
                                                    resampled=(first, second, name_a, name_b),
                                                    scheduler=client):
                        tables.append(table.assign(group=group, null_kind="bootstrap",
                                                   replicate=f"{source.name} bootstrap {i}"))
    if not tables:
        return pd.DataFrame({c: [] for c in NULL_TABLE_COLUMNS})
    out = pd.concat(tables, ignore_index=True)
    return out[list(NULL_TABLE_COLUMNS)]


def _pair_statistic(table: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.Series:
    """Mean distance over ``pairs`` per (metric, homology_dim)."""
    wanted = pd.MultiIndex.from_tuples(pairs, names=["layer_a", "layer_b"])
    index = pd.MultiIndex.from_arrays([table["layer_a"].astype(str), table["layer_b"].astype(str)])
    rows = table[index.isin(wanted)]
    return rows.groupby(["metric", "homology_dim"], sort=False)["distance"].mean()


def summarize(
    plans: Sequence[PairPlan],
    distances: pd.DataFrame,
    null: pd.DataFrame,
    null_kinds: Mapping[str, str],
    options: CompareOptions,
) -> pd.DataFrame:
    """One row per architecture pair × homology dimension × metric (:data:`SUMMARY_COLUMNS`)."""
    from tda_nn.compare.null import compare_to_null

    replicate_stats = (
        null.groupby(["group", "null_kind", "replicate", "metric", "homology_dim"], sort=False)
        ["distance"].mean().reset_index()
        if len(null) else pd.DataFrame(columns=["group", "null_kind", "replicate", "metric",
                                                "homology_dim", "distance"])
    )
    rows = []
    for plan in plans:
        stats: list[pd.Series] = []
        n_layer_pairs = 0
        for a, b in plan.pairs:
            pairs = aligned_pairs(a.layers, b.layers, options.align)
            n_layer_pairs = max(n_layer_pairs, len(pairs))
            table = distances[(distances["model_a"] == a.name) & (distances["model_b"] == b.name)]
            stats.append(_pair_statistic(table, pairs))
        observed = pd.concat(stats, axis=1).mean(axis=1)
        groups = [plan.group_a] if plan.group_a == plan.group_b else [plan.group_a, plan.group_b]
        pool = replicate_stats[replicate_stats["group"].isin(groups)]
        for (metric, dim), value in observed.items():
            sample = pool[(pool["metric"] == metric) & (pool["homology_dim"] == dim)]
            kinds = [k for k in ("seeds", "bootstrap") if k in set(sample["null_kind"])]
            result = compare_to_null(float(value), sample["distance"].to_numpy(dtype=float))
            rows.append({
                "model_a": plan.group_a, "model_b": plan.group_b, "homology_dim": int(dim),
                "metric": metric, "align": options.align, "n_pairs": len(plan.pairs),
                "n_layer_pairs": n_layer_pairs, "distance": float(value),
                "null_kind": "+".join(kinds) if kinds else "none",
                **{c: getattr(result, c) for c in STAT_COLUMNS},
            })
    summary = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    summary["null_n"] = summary["null_n"].astype(np.int64)
    return summary


def merge_results(results: Sequence[CompareResult]) -> CompareResult:
    """Several comparisons (e.g. of different probe sets) as one result."""
    if len(results) == 1:
        return results[0]
    seconds: dict[str, float] = {}
    for r in results:
        for k, v in r.seconds.items():
            seconds[k] = seconds.get(k, 0.0) + v
    return CompareResult(
        distances=pd.concat([r.distances for r in results], ignore_index=True),
        null=pd.concat([r.null for r in results], ignore_index=True),
        summary=pd.concat([r.summary for r in results], ignore_index=True),
        sources=[s for r in results for s in r.sources],
        plans=[p for r in results for p in r.plans],
        null_kinds={k: v for r in results for k, v in r.null_kinds.items()},
        options=results[0].options,
        seconds=seconds,
    )

"""The findings of Naitzat et al. (2020) and the competing measures, as tidy results with uncertainty.

Every function takes the tables of :mod:`tda_nn.experiments.tables` and returns a DataFrame of
estimates :data:`COLUMNS`: the mean over training runs of a per-run quantity with a 95% interval
of the method :data:`tda_nn.experiments.rules.INTERVAL`; tested differences (paired where one
run gives both values, Welch between groups of runs) carry ``p_value`` and ``p_adjusted``
(corrected across the cases of the claim). Only runs that met their training criterion enter.
The definitions (remaining complexity, area, reduction centroid, timings, tracking), with the
thresholds of :mod:`tda_nn.experiments.rules`: ``docs/experiments.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from tda_nn.experiments.rules import (
    ACCURACY_CROSSING,
    CONTRIBUTING_SHARE,
    END_DEPTH,
    HUNCHBACK_MIN_RISE,
    INTERVAL,
    REMAINING_HALF,
    correct_within_claims,
)
from tda_nn.experiments.stats import difference, mean_interval, paired_difference
from tda_nn.experiments.tables import TRAINED, class_complexity, final_rows, layer_complexity

ACTIVATION_ORDER = ("relu", "leaky_relu", "tanh")
SHARE_BOUNDS = (0.0, 1.0)
#: key of the accuracy-crossing time in training_timing, and the suffix of the findings' names
ACC_KEY = f"t_acc_{ACCURACY_CROSSING:g}"
ACC_TAG = f"acc{100 * ACCURACY_CROSSING:g}"
#: the columns of the findings table, in order
COLUMNS = ["finding", "dataset", "protocol", "quantity", "estimate", "ci_low", "ci_high", "n",
           "p_value", "p_adjusted", "method", "trained", "control", "difference", "control_kind"]


# -- uncertainty ---------------------------------------------------------------------------------
def estimate(values: Sequence[float],
             bounds: tuple[float, float] | None = None) -> dict[str, float | str]:
    """Mean over runs (NaN dropped) with its interval (clipped to ``bounds``); an estimate, not a
    test (``p_value`` NaN)."""
    return {**mean_interval(values, INTERVAL, bounds=bounds), "p_value": np.nan}


def share(values: Sequence[float]) -> dict[str, float | str]:
    """:func:`estimate` of a share (values in [0, 1]; the interval stays in [0, 1])."""
    return estimate(values, SHARE_BOUNDS)


def paired_test(a: Sequence[float], b: Sequence[float]) -> dict[str, float | str]:
    """``mean(a - b)`` over runs that give both values, with interval and p-value."""
    return paired_difference(a, b, INTERVAL)


def group_test(a: Sequence[float], b: Sequence[float]) -> dict[str, float | str]:
    """``mean(a) - mean(b)`` of two groups of runs (Welch), with interval and p-value."""
    return difference(a, b, INTERVAL)


# -- per-run reduction profiles --------------------------------------------------------------------
def profile_summary(positions: Sequence[float], complexity: Sequence[float]) -> dict[str, float]:
    """Area, half depth, centroid, end share and contributing layers of one profile.

    Parameters
    ----------
    positions : (n_layers,) relative depths, increasing, starting at 0 (the input)
    complexity : (n_layers,) class-mean complexity ``C(p)`` at those depths
    """
    p = np.asarray(positions, dtype=np.float64)
    c = np.asarray(complexity, dtype=np.float64)
    order = np.argsort(p)
    p, c = p[order], c[order]
    out = {"c_input": float(c[0]), "c_last": float(c[-1]), "area": np.nan, "half_depth": np.nan,
           "centroid": np.nan, "end_share": np.nan, "contributing": np.nan,
           "total_reduction": float(max(c[0] - c[-1], 0.0))}
    if c[0] > 1 and len(c) > 1:
        r = (c - 1.0) / (c[0] - 1.0)
        out["area"] = float(np.sum((r[1:] + r[:-1]) / 2.0 * np.diff(p)))
        below = np.flatnonzero(r <= REMAINING_HALF)
        out["half_depth"] = float(p[below[0]]) if len(below) else np.nan
    drops = np.maximum(c[:-1] - c[1:], 0.0)
    total = drops.sum()
    if total > 0:
        out["centroid"] = float(np.sum(p[1:] * drops) / total)
        out["end_share"] = float(drops[p[1:] > END_DEPTH].sum() / total)
        out["contributing"] = float(np.count_nonzero(drops >= CONTRIBUTING_SHARE * total))
    return out


def run_profiles(cx: pd.DataFrame, runs: pd.DataFrame, untrained: bool = False) -> pd.DataFrame:
    """:func:`profile_summary` of every trained run (last step) and protocol, with its model info.

    Trained runs: those that reached their target accuracy (see :func:`_trained`). With
    ``untrained``: the untrained control of each of those runs (same model and seed), under the
    trained run's id.
    """
    if untrained:        # the untrained control runs, under their trained runs' ids
        control = _control_runs(runs, "untrained")
        lc = final_rows(layer_complexity(cx), control)
        lc = lc.assign(run=lc["run"].map(_trained_run))
        runs = _trained(runs)
        lc = lc[lc["run"].isin(runs["run"])]
    else:
        runs = _trained(runs)
        lc = final_rows(layer_complexity(cx), runs)
    rows = []
    for (dataset, protocol, run), g in lc.groupby(["dataset", "protocol", "run"]):
        if not (g["position"] == 0).any():
            continue
        rows.append({"dataset": dataset, "protocol": protocol, "run": run,
                     **profile_summary(g["position"].to_numpy(), g["complexity"].to_numpy())})
    prof = pd.DataFrame(rows)
    if prof.empty:
        return prof
    return prof.merge(runs, on=["dataset", "run"], how="left")


def _trained(runs: pd.DataFrame) -> pd.DataFrame:
    """The trained runs that met the training criterion (reached their target accuracy); only
    they enter the claims, so a dataset where no run did has no findings. Control runs
    (``condition`` other than ``"trained"``) never do."""
    return runs[runs["reached_target"].astype(bool) & _is_trained(runs)]


def _is_trained(runs: pd.DataFrame) -> pd.Series:
    """True for the runs of trained networks (a runs table without ``condition``: all)."""
    if "condition" not in runs:
        return pd.Series(True, index=runs.index)
    return runs["condition"].fillna(TRAINED) == TRAINED


def _control_runs(runs: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The runs of one control (``condition == kind``)."""
    if "condition" not in runs:
        return runs.iloc[:0]
    return runs[runs["condition"] == kind]


def _versus(base: dict[str, object], quantity: str, trained: pd.Series, control: pd.Series,
            kind: str, paired: bool) -> dict[str, object]:
    """A ``trained - control`` row: the difference with its interval and p-value, and the
    means of both sides (``trained``, ``control``; over the complete pairs where ``paired``).

    ``trained`` and ``control`` are per-run values; paired ones are aligned on their index
    (the trained run's id), unpaired ones are two groups (Welch).
    """
    if paired:
        both = pd.concat([trained.rename("t"), control.rename("c")], axis=1, join="inner")
        both = both[np.isfinite(both["t"]) & np.isfinite(both["c"])]
        test = paired_test(both["t"], both["c"])
        t_mean, c_mean = both["t"].mean(), both["c"].mean()
    else:
        test = group_test(trained, control)
        t_mean, c_mean = np.nanmean(trained) if len(trained) else np.nan, (
            np.nanmean(control) if len(control) else np.nan)
    return {**base, "quantity": quantity, **test, "trained": float(t_mean),
            "control": float(c_mean), "difference": test["estimate"], "control_kind": kind}


def _of_trained(frame: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` that belong to trained runs (matched on dataset and run)."""
    return frame.merge(_trained(runs)[["dataset", "run"]], on=["dataset", "run"], how="inner")


# -- finding 1 -----------------------------------------------------------------------------------------
def finding_simplification(cx: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Finding (1): topology simplifies to beta = (1, 0, 0) by the last layer, against controls.

    Per dataset and protocol, over trained runs at their last step: the class-mean complexity at
    the input, the last hidden layer and the last layer; the share of class clouds that are
    trivial there (per run, then mean over runs); runs trained and reaching the target. Tested:
    ``complexity_drop`` (input minus last layer, paired per run).

    Against each control ``K`` that was run (see :data:`CONTROL_KINDS`): its own
    ``complexity_last_layer_K``, ``trivial_share_last_layer_K`` and ``complexity_drop_K``, and
    the tested ``complexity_drop_trained_minus_K``, ``complexity_last_layer_trained_minus_K``
    and ``trivial_share_last_layer_trained_minus_K`` (columns ``trained``, ``control``,
    ``difference``, ``control_kind``). ``untrained``: the same nets (same architecture and seed,
    hence the same initial weights) not trained; ``shuffled_labels``: the same nets trained on
    permuted labels; both with classes split by true label and paired with the trained run of
    the same model and seed. ``embedding``: a stack of invertible tanh layers (Welch). For the embedding also
    ``complexity_change_embedding`` (last layer minus input, tested against 0) and
    ``max_abs_change_embedding`` (per stack, the largest change at any layer): a homeomorphism
    keeps the Betti numbers, so anything but 0 is the instrument's error.
    """
    trained = _trained(runs)
    all_steps = layer_complexity(cx)
    lc = final_rows(all_steps, trained)
    controls = {kind: final_rows(all_steps, _control_runs(runs, kind)) for kind in CONTROL_KINDS}
    out = []
    for (dataset, protocol), g in lc.groupby(["dataset", "protocol"]):
        mine = runs[(runs["dataset"] == dataset) & _is_trained(runs)]
        base = dict(finding="1_simplification", dataset=dataset, protocol=protocol,
                    runs=len(mine), reached_target=int(mine["reached_target"].sum()))
        picks = _picks(g)
        for where, frame in picks.items():
            out.append({**base, "quantity": f"complexity_{where}", **estimate(frame["complexity"])})
            out.append({**base, "quantity": f"trivial_share_{where}", **share(frame["trivial"])})
        if not {"input", "last_layer"} <= picks.keys():
            continue
        drop = picks["input"]["complexity"] - picks["last_layer"]["complexity"]
        out.append({**base, "quantity": "complexity_drop",
                    **paired_test(picks["input"]["complexity"], picks["last_layer"]["complexity"])})
        for kind, frame in controls.items():
            rows = frame[(frame["dataset"] == dataset) & (frame["protocol"] == protocol)]
            out += _against_control(base, kind, picks, drop, rows)
    return pd.DataFrame(out)


#: the controls of claim 1 and how their runs pair with the trained runs
CONTROL_KINDS = {"untrained": "paired by model and seed (the same initial weights)",
                 "shuffled_labels": "paired by model and seed (the same initial weights)",
                 "embedding": "two groups (Welch)"}


def _trained_run(run: str) -> str:
    """The trained run a control run ``"<control>/<run>"`` is paired with."""
    return run.split("/", 1)[1]


def _against_control(base: dict[str, object], kind: str, picks: dict[str, pd.DataFrame],
                     drop: pd.Series, rows: pd.DataFrame) -> list[dict[str, object]]:
    """The rows of one control of finding (1) (see :func:`finding_simplification`)."""
    control = _picks(rows)
    if not {"input", "last_layer"} <= control.keys():
        return []
    paired = kind != "embedding"
    if paired:                       # "<kind>/<run>" pairs with the trained "<run>"
        control = {w: f.rename(index=_trained_run) for w, f in control.items()}
    last0 = control["last_layer"]
    drop0 = control["input"]["complexity"] - last0["complexity"]
    out = [{**base, "quantity": f"complexity_last_layer_{kind}", **estimate(last0["complexity"])},
           {**base, "quantity": f"trivial_share_last_layer_{kind}", **share(last0["trivial"])},
           {**base, "quantity": f"complexity_drop_{kind}", **estimate(drop0)}]
    last = picks["last_layer"]
    for name, t, c in (("complexity_drop", drop, drop0),
                       ("complexity_last_layer", last["complexity"], last0["complexity"]),
                       ("trivial_share_last_layer", last["trivial"], last0["trivial"])):
        out.append(_versus(base, f"{name}_trained_minus_{kind}", t, c, kind, paired))
    if kind == "embedding":
        start = control["input"]["complexity"]
        out.append({**base, "quantity": "complexity_change_embedding",
                    **paired_test(last0["complexity"], start)})
        change = (rows["complexity"] - rows["run"].map(start)).abs()
        out.append({**base, "quantity": "max_abs_change_embedding",
                    **estimate(change.groupby(rows["run"]).max().reindex(start.index))})
    return out


def _picks(layers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per run (index): complexity and trivial share at the input, last hidden and last layer."""
    picks: dict[str, dict[str, dict[str, float]]] = {"input": {}, "last_hidden": {},
                                                      "last_layer": {}}
    for run, r in layers.groupby("run"):
        for where, hit in (("input", _at(r, r["position"].min())), ("last_hidden", _last_hidden(r)),
                           ("last_layer", _at(r, r["position"].max()))):
            if hit is not None:
                picks[where][run] = hit
    return {where: pd.DataFrame.from_dict(hits, orient="index")
            for where, hits in picks.items() if hits}


def _at(rows: pd.DataFrame, position: float) -> dict[str, float] | None:
    hit = rows[np.isclose(rows["position"], position)]
    if hit.empty:
        return None
    return {"complexity": float(hit["complexity"].iloc[0]), "trivial": float(hit["trivial"].iloc[0])}


def _last_hidden(rows: pd.DataFrame) -> dict[str, float] | None:
    positions = np.sort(rows["position"].unique())
    if len(positions) < 3:
        return None
    return _at(rows, positions[-2])


# -- finding 2 -----------------------------------------------------------------------------------------
def finding_activation(profiles: pd.DataFrame,
                       untrained: pd.DataFrame | None = None) -> pd.DataFrame:
    """Finding (2): the reduction is faster with ReLU than with tanh.

    Per dataset and protocol: area ``A`` and half depth per activation, and the differences
    ``tanh - relu`` and ``tanh - leaky_relu`` (positive = ReLU reduces faster). MLPs only.
    With the ``untrained`` profiles (the untrained control of each run, :func:`run_profiles`), also
    ``area_tanh_minus_<other>_untrained`` and the tested
    ``area_tanh_minus_<other>_trained_minus_untrained``: per run the area trained minus
    untrained, then tanh runs minus the others' (Welch) -- how much of the gap training makes
    (columns ``trained``, ``control``, ``difference``).
    """
    out = []
    prof = profiles[profiles["type"] == "mlp"] if len(profiles) else profiles
    init = None
    if untrained is not None and len(untrained):
        init = untrained[untrained["type"] == "mlp"].set_index(["dataset", "protocol", "run"])
    for (dataset, protocol), g in prof.groupby(["dataset", "protocol"]):
        base = dict(finding="2_activation", dataset=dataset, protocol=protocol)
        for act in ACTIVATION_ORDER:
            sub = g[g["activation"] == act]
            if sub.empty:
                continue
            out.append({**base, "quantity": f"area_{act}", **estimate(sub["area"])})
            out.append({**base, "quantity": f"half_depth_{act}", **estimate(sub["half_depth"])})
            out.append({**base, "quantity": f"c_last_{act}", **estimate(sub["c_last"])})
        tanh = g[g["activation"] == "tanh"]
        for other in ("relu", "leaky_relu"):
            sub = g[g["activation"] == other]
            if sub.empty or tanh.empty:
                continue
            gap = {**base, "quantity": f"area_tanh_minus_{other}",
                   **group_test(tanh["area"], sub["area"])}
            out.append(gap)
            if init is None:
                continue
            at0 = {label: init["area"].reindex([(dataset, protocol, r) for r in frame["run"]])
                   for label, frame in (("tanh", tanh), ("other", sub))}
            gap0 = group_test(at0["tanh"], at0["other"])
            out.append({**base, "quantity": f"area_tanh_minus_{other}_untrained", **gap0})
            delta = {label: frame["area"].to_numpy() - at0[label].to_numpy()
                     for label, frame in (("tanh", tanh), ("other", sub))}
            test = group_test(delta["tanh"], delta["other"])
            out.append({**base, "quantity": f"area_tanh_minus_{other}_trained_minus_untrained",
                        **test, "trained": gap["estimate"], "control": gap0["estimate"],
                        "difference": test["estimate"], "control_kind": "untrained"})
    return pd.DataFrame(out)


# -- finding 3 -----------------------------------------------------------------------------------------
def finding_depth(profiles: pd.DataFrame) -> pd.DataFrame:
    """Finding (3): deep nets spread the reduction over more layers; shallow ones do it at the end.

    Per dataset and protocol, for the shallowest and the deepest MLP depth: reduction centroid,
    end share and contributing layers; and ``centroid(shallow) - centroid(deep)`` (positive = the
    shallow nets reduce later), ``contributing(deep) - contributing(shallow)``.
    """
    out = []
    prof = profiles[profiles["type"] == "mlp"] if len(profiles) else profiles
    for (dataset, protocol), g in prof.groupby(["dataset", "protocol"]):
        depths = sorted(g["depth"].dropna().unique())
        if len(depths) < 2:
            continue
        base = dict(finding="3_depth", dataset=dataset, protocol=protocol)
        groups = {"shallow": g[g["depth"] == depths[0]], "deep": g[g["depth"] == depths[-1]]}
        for label, sub in groups.items():
            depth = int(sub["depth"].iloc[0])
            for q in ("centroid", "end_share", "contributing"):
                out.append({**base, "quantity": f"{q}_{label}_depth{depth}",
                            **estimate(sub[q])})
        out.append({**base, "quantity": "centroid_shallow_minus_deep",
                    **group_test(groups["shallow"]["centroid"], groups["deep"]["centroid"])})
        out.append({**base, "quantity": "contributing_deep_minus_shallow",
                    **group_test(groups["deep"]["contributing"], groups["shallow"]["contributing"])})
    return pd.DataFrame(out)


# -- finding 4 -----------------------------------------------------------------------------------------
def training_timing(steps: Sequence[int], complexity: Sequence[float], accuracy: Sequence[float],
                    thresholds: Sequence[float] = (ACCURACY_CROSSING,),
                    input_complexity: Sequence[float] | None = None) -> dict[str, float]:
    """When complexity drops vs when accuracy rises, over one run's captured steps.

    ``t_topology``: the first step where ``C <= C_end + (C_start - C_end) / 2`` (NaN if
    ``C_start <= C_end``: no simplification during training); ``t_acc_<th>``: the first step
    with accuracy ``>= th``; ``t_acc_max``: the first step at the final maximum accuracy. With
    ``input_complexity`` (the input's ``C`` at the same steps, same class split),
    ``r = (C - 1) / (C_input - 1)`` is the share of the input's excess complexity left at this
    layer, and ``t_reduction`` the first step with ``r <= REMAINING_HALF`` (``r_start``,
    ``r_end``: first and last finite ``r``). All times are also given as fractions of the last
    step (``*_frac``).
    """
    s = np.asarray(steps, dtype=np.float64)
    c = np.asarray(complexity, dtype=np.float64)
    a = np.asarray(accuracy, dtype=np.float64)
    order = np.argsort(s)
    s, c, a = s[order], c[order], a[order]
    extra: dict[str, float] = {}
    if input_complexity is not None:
        cin = np.asarray(input_complexity, dtype=np.float64)[order]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(cin > 1, (c - 1.0) / (cin - 1.0), np.nan)
        finite = np.flatnonzero(np.isfinite(r))
        extra["r_start"] = float(r[finite[0]]) if len(finite) else np.nan
        extra["r_end"] = float(r[finite[-1]]) if len(finite) else np.nan
        hit = np.flatnonzero(np.isfinite(r) & (r <= REMAINING_HALF))
        extra["t_reduction"] = float(s[hit[0]]) if len(hit) else np.nan
    end = s[-1] if s[-1] > 0 else np.nan
    out: dict[str, float] = {"c_start": float(c[0]), "c_end": float(c[-1]), "last_step": float(s[-1])}
    if c[0] > c[-1]:
        half = c[-1] + (c[0] - c[-1]) / 2.0
        out["t_topology"] = float(s[np.flatnonzero(c <= half)[0]])
    else:
        out["t_topology"] = np.nan
    for th in thresholds:
        hit = np.flatnonzero(a >= th)
        out[f"t_acc_{th:g}"] = float(s[hit[0]]) if len(hit) else np.nan
    finite = np.isfinite(a)
    out["t_acc_max"] = float(s[np.flatnonzero(a >= np.nanmax(a))[0]]) if finite.any() else np.nan
    out.update(extra)
    for key in [k for k in out if k.startswith("t_")]:
        out[f"{key}_frac"] = out[key] / end
    return out


def training_timings(cx: pd.DataFrame, metrics: pd.DataFrame, runs: pd.DataFrame,
                     min_steps: int = 3) -> pd.DataFrame:
    """:func:`training_timing` at the last hidden layer of every trained run with enough captured
    steps."""
    lc = _of_trained(layer_complexity(cx), runs)
    rows = []
    for (dataset, protocol, run), g in lc.groupby(["dataset", "protocol", "run"]):
        if g["step"].nunique() < min_steps:
            continue
        positions = np.sort(g["position"].unique())
        hidden = positions[-2] if len(positions) >= 2 else positions[-1]
        layer = g[np.isclose(g["position"], hidden)].sort_values("step")
        if layer["step"].nunique() < min_steps:
            continue
        acc = metrics[(metrics["dataset"] == dataset) & (metrics["run"] == run)]
        acc = acc.drop_duplicates("step").set_index("step")["train_accuracy"]
        layer = layer[layer["step"].isin(acc.index)]
        if layer["step"].nunique() < min_steps:
            continue
        inputs = g[g["layer_index"] == -1].set_index("step")["complexity"]
        cin = inputs.reindex(layer["step"]).to_numpy() if len(inputs) else None
        timing = training_timing(layer["step"].to_numpy(), layer["complexity"].to_numpy(),
                                 acc.loc[layer["step"]].to_numpy(), input_complexity=cin)
        rows.append({"dataset": dataset, "protocol": protocol, "run": run,
                     "layer": layer["layer"].iloc[0], **timing})
    timings = pd.DataFrame(rows)
    return timings.merge(runs, on=["dataset", "run"], how="left") if len(timings) else timings


def finding_training(timings: pd.DataFrame) -> pd.DataFrame:
    """Finding (4): when, relative to the accuracy curve, the last hidden layer simplifies.

    Per dataset and protocol: the step fractions of the complexity half-drop and of the
    ``ACCURACY_CROSSING`` accuracy crossing, their paired difference (``topology - accuracy``;
    negative = topology first; tested), the share of runs whose half-drop comes no later than the
    crossing, and the share of runs without any simplification over training; where the input was
    measured at every step, the share ``r`` of the input's excess complexity left at the last
    hidden layer at the first and last step, when ``r`` first falls to ``REMAINING_HALF``
    (``t_reduction_frac``) and the share of runs where that comes no later than the crossing.
    """
    out = []
    for (dataset, protocol), g in timings.groupby(["dataset", "protocol"]):
        base = dict(finding="4_training", dataset=dataset, protocol=protocol)
        simplified = g[g["t_topology"].notna()]
        out.append({**base, "quantity": "share_without_simplification",
                    **share(g["t_topology"].isna().astype(float))})
        out.append({**base, "quantity": "t_topology_frac", **estimate(simplified["t_topology_frac"])})
        out.append({**base, "quantity": f"{ACC_KEY}_frac", **estimate(g[f"{ACC_KEY}_frac"])})
        out.append({**base, "quantity": "t_acc_max_frac", **estimate(g["t_acc_max_frac"])})
        out.append({**base, "quantity": f"topology_minus_{ACC_TAG}_frac",
                    **paired_test(simplified["t_topology_frac"], simplified[f"{ACC_KEY}_frac"])})
        both = simplified[simplified[ACC_KEY].notna()]
        out.append({**base, "quantity": f"share_topology_not_after_{ACC_TAG}",
                    **share((both["t_topology"] <= both[ACC_KEY]).astype(float))})
        if "t_reduction" in g:
            out.append({**base, "quantity": "r_start", **estimate(g["r_start"])})
            out.append({**base, "quantity": "r_end", **estimate(g["r_end"])})
            reduced = g[g["t_reduction"].notna() & g[ACC_KEY].notna()]
            out.append({**base, "quantity": "t_reduction_frac",
                        **estimate(reduced["t_reduction_frac"])})
            out.append({**base, "quantity": f"share_reduction_not_after_{ACC_TAG}",
                        **share((reduced["t_reduction"] <= reduced[ACC_KEY]).astype(float))})
    return pd.DataFrame(out)


# -- competing measures ----------------------------------------------------------------------------
#: measure name -> (column of layer_measures, sign): sign -1 turns "lower is better" into a score
MEASURES: dict[str, tuple[str, float]] = {
    "neg_complexity_default": ("complexity_default", -1.0),
    "neg_complexity_knn": ("complexity_knn", -1.0),
    "linear_probe_accuracy": ("linear_probe_accuracy", 1.0),
    "neg_intrinsic_dimension": ("intrinsic_dimension", -1.0),
}


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation over the pairs where both are finite (NaN if undefined)."""
    from scipy.stats import spearmanr

    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return np.nan
    return float(spearmanr(a, b)[0])


def _per_run_correlations(
    frame: pd.DataFrame, group: Sequence[str], target: str, min_points: int,
    pick: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    rows = []
    for key, g in frame.groupby(list(group)):
        g = pick(g) if pick is not None else g
        if len(g) < min_points:
            continue
        key = key if isinstance(key, tuple) else (key,)
        for name, (column, sign) in MEASURES.items():
            if column not in g or g[column].isna().all():
                continue
            rows.append({**dict(zip(group, key, strict=True)), "measure": name,
                         "rho": spearman(sign * g[column], g[target])})
    return pd.DataFrame(rows)


def tracking(measures: pd.DataFrame, runs: pd.DataFrame, target: str = "test_accuracy",
             min_steps: int = 4) -> pd.DataFrame:
    """Which measure tracks accuracy: Spearman correlations, averaged per run, then over runs.

    ``across_steps``: per run and layer, over the captured steps, the correlation of each
    measure (signed so that higher should mean better: ``-complexity``, probe accuracy, ``-ID``)
    with the network's ``target`` accuracy at that step; averaged over the run's layers
    (``all_layers``) or at its last hidden layer (``last_hidden``).
    ``across_layers``: per run at its last step, over the layers (input included), the
    correlation of ``-complexity`` and ``-ID`` with the layer's linear-probe accuracy (how well
    each measure follows linear separability through depth). Trained runs only.
    """
    out = []
    measures = _of_trained(measures, runs)
    steps = measures.copy()
    steps["last_hidden"] = steps.groupby(["dataset", "run"])["position"].transform(
        lambda p: np.sort(p.unique())[-2] if p.nunique() >= 2 else p.max())
    per_layer = _per_run_correlations(steps, ["dataset", "run", "layer_index"], target, min_steps)
    if len(per_layer):
        hidden = steps[np.isclose(steps["position"], steps["last_hidden"])][
            ["dataset", "run", "layer_index"]].drop_duplicates()
        scopes = {"all_layers": per_layer,
                  "last_hidden": per_layer.merge(hidden, on=["dataset", "run", "layer_index"])}
        for scope, table in scopes.items():
            by_run = table.groupby(["dataset", "run", "measure"], as_index=False)["rho"].mean()
            for (dataset, measure), g in by_run.groupby(["dataset", "measure"]):
                out.append({"finding": "tracking", "dataset": dataset, "protocol": "-",
                            "quantity": f"across_steps_{scope}:{measure}",
                            **estimate(g["rho"])})
    final = final_rows(measures, runs)
    per_run = _per_run_correlations(final, ["dataset", "run"], "linear_probe_accuracy", 3)
    if len(per_run):
        per_run = per_run[per_run["measure"] != "linear_probe_accuracy"]
        for (dataset, measure), g in per_run.groupby(["dataset", "measure"]):
            out.append({"finding": "tracking", "dataset": dataset, "protocol": "-",
                        "quantity": f"across_layers_vs_probe:{measure}",
                        **estimate(g["rho"])})
    return pd.DataFrame(out)


def hunchback(measures: pd.DataFrame, runs: pd.DataFrame,
              min_rise: float = HUNCHBACK_MIN_RISE) -> pd.DataFrame:
    """Ansuini et al.'s ID profile: share of runs whose TwoNN ID peaks at an inner layer.

    A run has a hunchback when its largest ID is at neither end of the captured layers (input
    included) and exceeds both ends by ``min_rise`` (relative). Reported for the last step
    (trained) and for step 0 (the same nets untrained), with the mean ratio of the peak ID to the
    last layer's. Runs that reached their target only.
    """
    out = []
    measures = _of_trained(measures, runs)
    first = measures[measures["step"] == 0]
    for label, frame in (("trained", final_rows(measures, runs)), ("untrained", first)):
        flags, ratios = {}, {}
        for (dataset, _run), g in frame.groupby(["dataset", "run"]):
            g = g.sort_values("position")
            ids = g["intrinsic_dimension"].to_numpy(dtype=np.float64)
            if np.isfinite(ids).sum() < 3:
                continue
            peak = int(np.nanargmax(ids))
            ends = max(ids[0], ids[-1])
            flags.setdefault(dataset, []).append(
                float(0 < peak < len(ids) - 1 and ids[peak] >= (1 + min_rise) * ends))
            ratios.setdefault(dataset, []).append(float(ids[peak] / ids[-1]) if ids[-1] > 0 else np.nan)
        for dataset in flags:
            out.append({"finding": "hunchback", "dataset": dataset, "protocol": "-",
                        "quantity": f"hunchback_share_{label}", **share(flags[dataset])})
            out.append({"finding": "hunchback", "dataset": dataset, "protocol": "-",
                        "quantity": f"peak_over_last_id_{label}", **estimate(ratios[dataset])})
    return pd.DataFrame(out)


def betti_by_layer(cx: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Betti numbers per layer per class at the last step, per model and condition.

    Trained networks enter only where they met the training criterion; each control
    (``condition``: untrained, shuffled_labels, embedding) has its own rows. Columns: the keys,
    ``b0_mean .. complexity_mean``, their ``_sem``, ``b0_ci_low, b0_ci_high .. b2_ci_high`` (95%
    t interval over seeds; NaN for one seed) and ``n`` (seeds).
    """
    from tda_nn.experiments.stats import CONFIDENCE, _t_bounds

    runs = runs.copy()
    if "condition" not in runs:
        runs["condition"] = TRAINED
    keep = runs[~_is_trained(runs) | runs["reached_target"].astype(bool)]
    final = final_rows(cx, keep).merge(keep[["dataset", "run", "model", "activation", "depth",
                                             "width", "type", "condition"]],
                                       on=["dataset", "run"])
    keys = ["dataset", "protocol", "condition", "model", "type", "activation", "depth", "width",
            "layer_index", "layer", "position", "class"]
    values = ["b0", "b1", "b2", "complexity"]
    agg = final.groupby(keys, dropna=False)
    table = agg[values].mean().add_suffix("_mean")
    sem = agg[values].sem().add_suffix("_sem")
    table = table.join(sem)
    table["n"] = agg.size()
    for b in ("b0", "b1", "b2"):    # one seed: sem is NaN, and so is the interval
        table[f"{b}_ci_low"], table[f"{b}_ci_high"] = _t_bounds(
            table[f"{b}_mean"].to_numpy(float), table[f"{b}_sem"].to_numpy(float),
            np.maximum(table["n"].to_numpy(float) - 1, 1), CONFIDENCE)
    return table.reset_index().sort_values(keys).reset_index(drop=True)


def analyse(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every result table of an experiment from its raw tables (see :func:`load_experiment`).

    Returns
    -------
    dict with ``complexity`` (per class cloud), ``profiles`` (per run), ``timings`` (per run),
    ``measures`` (per layer and step), ``betti_by_layer``, ``paper_comparison`` (the paper's nets
    beside its figures: :mod:`tda_nn.experiments.paper`) and ``findings`` (all estimates, tidy:
    :data:`COLUMNS` first, ``p_adjusted`` corrected across the cases of each claim).
    """
    topology, metrics, runs = tables["topology"], tables["metrics"], tables["runs"]
    cx = class_complexity(topology)
    profiles = run_profiles(cx, runs)
    timings = training_timings(cx, metrics, runs)
    from tda_nn.experiments.tables import layer_measures

    measures = layer_measures(topology, metrics)
    parts = [finding_simplification(cx, runs)]
    if len(profiles):
        parts += [finding_activation(profiles, run_profiles(cx, runs, untrained=True)),
                  finding_depth(profiles)]
    if len(timings):
        parts.append(finding_training(timings))
    parts += [tracking(measures, runs), hunchback(measures, runs)]
    parts = [p for p in parts if len(p)]
    findings = correct_within_claims(pd.concat(parts, ignore_index=True) if parts
                                     else pd.DataFrame(columns=COLUMNS))
    for column in COLUMNS:          # every column, even where no control was run
        if column not in findings:
            findings[column] = "" if column == "control_kind" else np.nan
    findings["control_kind"] = findings["control_kind"].fillna("")
    findings = findings[COLUMNS + [c for c in findings if c not in COLUMNS]]
    from tda_nn.experiments.paper import paper_comparison
    from tda_nn.experiments.tables import class_mean_clouds

    by_layer = betti_by_layer(cx, runs)
    paper = paper_comparison(by_layer, betti_by_layer(class_mean_clouds(cx), runs))
    return {"complexity": cx, "profiles": profiles, "timings": timings, "measures": measures,
            "betti_by_layer": by_layer, "paper_comparison": paper, "findings": findings}

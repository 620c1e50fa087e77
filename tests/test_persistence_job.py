"""The `tda-nn persistence` job end to end: real Betti numbers, tables keyed to diagrams, one-line
errors that leave nothing looking complete, resume after a crash, and Dask == local."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tda_nn.cli import main
from tda_nn.datasets.shapes import circle, embed, two_circles
from tda_nn.io import save_activations


@pytest.fixture
def acts(tmp_path):
    """Three layers with known topology (width 64, rotated) and two balanced classes."""
    rng = np.random.default_rng(0)
    n = 240
    layers = {
        "enc.circle": embed(circle(n, noise=0.02, random_state=1), 64, random_state=2),
        "enc.two_circles": embed(two_circles(n, noise=0.02, random_state=3), 64, random_state=4),
        "head": rng.normal(size=(n, 8)),
    }
    labels = np.repeat([0, 1], n // 2)
    path = tmp_path / "acts.npz"
    save_activations(path, layers, labels=labels)
    return path


def _betti(table: pd.DataFrame, layer: str, cls: str = "all") -> tuple[int, int]:
    rows = table[(table["layer"] == layer) & (table["class"].astype(str) == cls)]
    return tuple(int(rows[rows["homology_dim"] == d]["betti"].iloc[0]) for d in (0, 1))


def test_betti_numbers_of_known_layers_and_table_contract(acts, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["persistence", str(acts), "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out / "betti.csv")
    assert list(table.columns[:5]) == ["layer", "layer_index", "class", "homology_dim", "betti"]
    for column in ["betti_method", "resolution", "min_lifetime", "n_certain_bars", "n_points", "n_points_used", "error_bound",
                   "total_persistence", "intrinsic_dimension", "linear_probe_accuracy", "diagram_key"]:
        assert column in table.columns, column
    assert _betti(table, "enc.circle") == (1, 1)
    assert _betti(table, "enc.two_circles") == (2, 2)
    assert set(table["class"].astype(str)) == {"all", "0", "1"}
    assert len(table) == 3 * 3 * 2  # layers x (all + 2 classes) x dims
    with np.load(out / "diagrams.npz") as diagrams:
        assert set(diagrams.files) == set(table["diagram_key"])
        for key, n_bars in table.groupby("diagram_key")["n_bars"].sum().items():
            assert len(diagrams[key]) == n_bars
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["topology"]["parameters"]["homology_dimensions"] == [0, 1]
    assert "numpy" in manifest["library_versions"]
    printed = capsys.readouterr().out
    assert "enc.circle" in printed and "betti.csv" in printed


def _fails(main_args, capsys) -> str:
    assert main(main_args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    return err


def test_bad_inputs_give_one_line_errors_and_no_complete_output(acts, tmp_path, capsys):
    layers = {"ok": np.random.default_rng(0).normal(size=(50, 4)),
              "bad": np.full((50, 4), np.nan)}
    nan_file = tmp_path / "nan.npz"
    save_activations(nan_file, layers)
    out = tmp_path / "nan_out"
    err = _fails(["persistence", str(nan_file), "--out", str(out), "--no-progress"], capsys)
    assert "'bad'" in err and "NaN" in err
    assert not (out / "betti.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"

    wrong = tmp_path / "labels.npy"
    np.save(wrong, np.zeros(7))
    err = _fails(["persistence", str(acts), "--out", str(tmp_path / "o2"), "--labels", str(wrong)],
                 capsys)
    assert "labels" in err and "7" in err

    one = tmp_path / "one.npz"
    save_activations(one, {"single": np.zeros((1, 3))})
    err = _fails(["persistence", str(one), "--out", str(tmp_path / "o3")], capsys)
    assert "at least 2 points" in err

    err = _fails(["persistence", str(tmp_path / "missing.npz"), "--out", str(tmp_path / "o4")],
                 capsys)
    assert "missing.npz" in err
    err = _fails(["persistence", str(acts), "--out", str(tmp_path / "o5"), "--betti", "scale"],
                 capsys)
    assert "--scale" in err


def test_resume_after_crash_reuses_finished_units(acts, tmp_path, monkeypatch):
    import tda_nn.analysis.units as units

    reference = tmp_path / "ref"
    assert main(["persistence", str(acts), "--out", str(reference), "--no-progress"]) == 0

    out = tmp_path / "crashed"
    real = units.compute_rows
    calls = {"n": 0}

    def crash_on_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(units, "compute_rows", crash_on_fourth)
    assert main(["persistence", str(acts), "--out", str(out), "--no-progress"]) == 130
    assert not (out / "betti.csv").exists()
    finished = sorted((out / "units").glob("*.npz"))
    assert len(finished) == 3
    stamps = {p: p.stat().st_mtime_ns for p in finished}

    monkeypatch.setattr(units, "compute_rows", real)
    assert main(["persistence", str(acts), "--out", str(out), "--no-progress"]) == 0
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())
    a = pd.read_csv(reference / "betti.csv").drop(columns="seconds")
    b = pd.read_csv(out / "betti.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(a, b)

    assert main(["persistence", str(acts), "--out", str(out), "--maxdim", "0"]) == 2
    assert main(["persistence", str(acts), "--out", str(out), "--maxdim", "0", "--overwrite",
                 "--no-progress"]) == 0
    assert set(pd.read_csv(out / "betti.csv")["homology_dim"]) == {0}


def test_dask_cluster_gives_the_local_table(acts, tmp_path):
    import distributed
    local = tmp_path / "local"
    assert main(["persistence", str(acts), "--out", str(local), "--no-progress",
                 "--classes", "none"]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        remote = tmp_path / "dask"
        assert main(["persistence", str(acts), "--out", str(remote), "--no-progress",
                     "--classes", "none", "--scheduler", cluster.scheduler_address]) == 0
    a = pd.read_csv(local / "betti.csv").drop(columns="seconds")
    b = pd.read_csv(remote / "betti.csv").drop(columns="seconds")
    pd.testing.assert_frame_equal(a, b)
    assert json.loads((remote / "manifest.json").read_text())["execution"]["engine"] == "dask"


@pytest.fixture
def class_circles(tmp_path):
    """Per class, known topology; the whole cloud differs from every class cloud.

    Layer "rings": class 0 a noisy circle at the origin, class 1 one shifted by 4 (whole cloud:
    two circles). Layer "pair": class 0 a circle, class 1 two circles shifted by 4 the other way
    (whole cloud: three circles). Width 16, rotated.
    """
    n = 100
    rings = np.vstack([circle(n, noise=0.03, random_state=1),
                       circle(n, noise=0.03, random_state=2) + [4.0, 0.0]])
    pair = np.vstack([circle(n, noise=0.03, random_state=3),
                      two_circles(n, noise=0.03, random_state=4) + [0.0, 4.0]])
    path = tmp_path / "circles.npz"
    save_activations(path, {"rings": embed(rings, 16, random_state=5),
                            "pair": embed(pair, 16, random_state=6)},
                     labels=np.repeat([0, 1], n))
    return path


def test_no_all_measures_only_the_class_clouds_and_reruns_rebuild_the_table(
        class_circles, tmp_path, capsys):
    out = tmp_path / "out"
    base = ["persistence", str(class_circles), "--out", str(out), "--no-progress"]
    assert main([*base, "--no-all"]) == 0
    table = pd.read_csv(out / "betti.csv")
    assert set(table["class"].astype(str)) == {"0", "1"}
    assert len(table) == 2 * 2 * 2  # layers x classes x dims
    assert _betti(table, "rings", "0") == (1, 1) and _betti(table, "rings", "1") == (1, 1)
    assert _betti(table, "pair", "0") == (1, 1) and _betti(table, "pair", "1") == (2, 2)
    assert table["linear_probe_accuracy"].isna().all()  # a feature of the whole cloud only
    with np.load(out / "diagrams.npz") as diagrams:
        assert set(diagrams.files) == set(table["diagram_key"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["include_all"] is False and manifest["status"] == "complete"
    assert "class" in capsys.readouterr().out.splitlines()[0]
    class_units = {p: p.stat().st_mtime_ns for p in (out / "units").glob("*.npz")}
    assert len(class_units) == 4

    # The other choice on the same directory: class units reused, whole clouds added.
    assert main(base) == 0
    table = pd.read_csv(out / "betti.csv")
    assert set(table["class"].astype(str)) == {"all", "0", "1"} and len(table) == 2 * 3 * 2
    assert _betti(table, "rings") == (2, 2) and _betti(table, "pair") == (3, 3)
    assert all(p.stat().st_mtime_ns == t for p, t in class_units.items())
    assert json.loads((out / "manifest.json").read_text())["include_all"] is True

    # And back: the whole-cloud units stay on disk but are not in the table or diagrams.
    assert main([*base, "--no-all"]) == 0
    table = pd.read_csv(out / "betti.csv")
    assert set(table["class"].astype(str)) == {"0", "1"} and len(table) == 8
    with np.load(out / "diagrams.npz") as diagrams:
        assert set(diagrams.files) == set(table["diagram_key"])
    assert json.loads((out / "manifest.json").read_text())["include_all"] is False


def test_no_all_without_class_clouds_is_a_one_line_error(class_circles, tmp_path, capsys):
    from tda_nn.analysis import persistence_job
    from tda_nn.errors import InputError

    unlabeled = tmp_path / "unlabeled.npz"
    save_activations(unlabeled, {"rings": np.random.default_rng(0).normal(size=(40, 3))})
    err = _fails(["persistence", str(unlabeled), "--out", str(tmp_path / "o1"), "--no-all"], capsys)
    assert "--no-all" in err and "no labels" in err
    assert not (tmp_path / "o1").exists()
    err = _fails(["persistence", str(class_circles), "--out", str(tmp_path / "o2"), "--no-all",
                  "--classes", "none"], capsys)
    assert "--no-all" in err and "classes 'none'" in err
    err = _fails(["persistence", str(class_circles), "--out", str(tmp_path / "o3"), "--no-all",
                  "--min-class-points", "101"], capsys)
    assert "nothing to measure" in err and "min_class_points=101" in err
    with pytest.raises(InputError, match="include_all=False"):
        persistence_job(unlabeled, tmp_path / "o4", include_all=False, progress=False, log=print)
    with pytest.raises(InputError, match="include_all must be True or False"):
        persistence_job(class_circles, tmp_path / "o5", include_all="no", progress=False)


def test_no_all_on_a_run_store_splits_by_predictions_and_names_a_step_without_them(
        class_circles, tmp_path):
    from tda_nn.analysis import persistence_job
    from tda_nn.errors import InputError
    from tda_nn.io import RunStore, load_activations

    rings = np.asarray(load_activations(class_circles)["rings"])
    store = RunStore.create(tmp_path / "store", layer_names=["rings"], n_samples=len(rings))
    for step in (0, 5):
        store.write_activations(step, "rings", rings)
        if step == 0:
            store.write_predictions(step, np.repeat([0, 1], len(rings) // 2))
        store.mark_complete(step)
    result = persistence_job(store.root, tmp_path / "out", include_all=False, steps=[0],
                             progress=False, log=print)
    table = result["table"]
    assert set(table["class"].astype(str)) == {"0", "1"} and set(table["step"]) == {0}
    assert _betti(table, "rings", "0") == (1, 1) and _betti(table, "rings", "1") == (1, 1)
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert manifest["include_all"] is False and manifest["classes"] == ["predicted"]
    with pytest.raises(InputError, match=r"store: step 5: include_all=False \(--no-all\)"):
        persistence_job(store.root, tmp_path / "out2", include_all=False, progress=False)

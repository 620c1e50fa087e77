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
    distributed = pytest.importorskip("distributed")
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

"""The examples of docs/extending.md work: each registers a toy entry that the public path uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from tda_nn.cli import main
from tda_nn.compare import diagram_distance
from tda_nn.compare import distances as distances_module
from tda_nn.compare.job import compare_job
from tda_nn.errors import InputError
from tda_nn.homology import VietorisRipsPersistence, compute_persistence
from tda_nn.homology import backends as backends_module
from tda_nn.homology import metrics as metrics_module
from tda_nn.io import formats as formats_module
from tda_nn.io import load_activations, save_activations
from tda_nn.pipeline.spec import validate_spec

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"
TOYS = [
    (backends_module._REGISTRY, "plain-ripser"),
    (metrics_module._REGISTRY, "manhattan"),
    (distances_module._REGISTRY, "total_persistence_gap"),
    (formats_module._REGISTRY, "json"),
]


@pytest.fixture(scope="module")
def doc():
    """Run every python block of docs/extending.md once; unregister the toys afterwards."""
    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 4
    try:
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
        yield namespace
    finally:
        for registry, name in TOYS:
            registry.unregister(name)


def _circle(n: int = 60, seed: int = 0) -> np.ndarray:
    t = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    return np.column_stack([np.cos(t), np.sin(t)])


def test_toy_backend_through_the_transformer_and_the_cli(doc, tmp_path):
    clouds = [_circle(seed=s) for s in range(2)]
    ours = VietorisRipsPersistence(backend="plain-ripser").fit_transform(clouds)
    reference = VietorisRipsPersistence(backend="giotto-ph").fit_transform(clouds)
    np.testing.assert_allclose(ours, reference)
    np.savez(tmp_path / "acts.npz", layer=_circle(80))
    code = main(["persistence", str(tmp_path / "acts.npz"), "--out", str(tmp_path / "out"),
                 "--backend", "plain-ripser", "--no-progress", "--stability", "0",
                 "--no-intrinsic-dimension", "--no-linear-probe"])
    assert code == 0
    table = pd.read_csv(tmp_path / "out" / "betti.csv")
    assert set(table["backend"]) == {"plain-ripser"}
    assert table.set_index("homology_dim")["betti"].to_dict() == {0: 1, 1: 1}


def test_toy_metric_equals_its_precomputed_matrix_and_passes_spec_validation(doc):
    X = np.random.default_rng(1).normal(size=(40, 3))
    exact = compute_persistence(X, metric="manhattan", subsample=None)
    matrix = compute_persistence(cdist(X, X, "cityblock"), metric="precomputed", subsample=None)
    np.testing.assert_allclose(exact.diagram, matrix.diagram)
    landmarks = compute_persistence(X, metric="manhattan", n_landmarks=15)
    assert landmarks.n_points_used == 15 and landmarks.error_bound == 2 * landmarks.covering_radius
    spec = validate_spec({"data": {"name": "digits"}, "model": {"type": "mlp"},
                          "topology": {"metric": "manhattan"}})
    assert spec["topology"]["metric"] == "manhattan"
    with pytest.raises(InputError, match="takes no parameters"):
        compute_persistence(X, metric="manhattan", metric_params={"p": 1})


def test_toy_distance_through_compare(doc, tmp_path):
    a = [[0.0, 1.0, 1], [0.0, 0.5, 1]]
    b = [[0.0, 2.0, 1]]
    assert diagram_distance(a, b, metric="total_persistence_gap", homology_dim=1) == 0.5
    rng = np.random.default_rng(2)
    layers = {f"layer{i}": _circle(50, seed=i) * (1 + i) + 0.01 * rng.normal(size=(50, 2))
              for i in range(2)}
    np.savez(tmp_path / "net.npz", **layers)
    result = compare_job([tmp_path / "net.npz", tmp_path / "net.npz"], tmp_path / "cmp",
                         metrics=["total_persistence_gap"], cka=False, null="none",
                         figures=False)
    table = result.distances
    assert set(table["metric"]) == {"total_persistence_gap"}
    same = table[table["layer_a"] == table["layer_b"]]
    np.testing.assert_allclose(same["distance"], 0.0, atol=1e-12)
    assert (table[table["layer_a"] != table["layer_b"]]["distance"] > 0).all()


def test_toy_reader_through_load_activations_and_the_persistence_job(doc, tmp_path):
    path = tmp_path / "acts.json"
    path.write_text(json.dumps({"hidden": _circle(60).tolist(), "labels": [0, 1] * 30}))
    acts = load_activations(path)
    assert acts.layer_names == ["hidden"] and acts["hidden"].shape == (60, 2)
    assert list(acts.labels[:2]) == [0, 1]
    save_activations(tmp_path / "copy.json", acts)
    again = load_activations(tmp_path / "copy.json")
    np.testing.assert_array_equal(again["hidden"], acts["hidden"])
    np.testing.assert_array_equal(again.labels, acts.labels)
    code = main(["persistence", str(path), "--out", str(tmp_path / "out"), "--no-progress",
                 "--classes", "none", "--stability", "0", "--no-intrinsic-dimension",
                 "--no-linear-probe"])
    assert code == 0
    assert (tmp_path / "out" / "betti.csv").is_file()
    unknown = tmp_path / "acts.unknown"
    unknown.write_text("x")
    with pytest.raises(InputError, match=r"supported: .*\.json"):
        load_activations(unknown)


def test_registered_names_are_choices_everywhere_and_gone_after_unregister(doc):
    from tda_nn.homology.backends import BACKENDS
    from tda_nn.homology.metrics import METRICS, POINT_CLOUD_METRICS

    assert "plain-ripser" in BACKENDS and "manhattan" in POINT_CLOUD_METRICS
    assert "precomputed" in METRICS and "precomputed" not in POINT_CLOUD_METRICS
    with pytest.raises(InputError, match=r"backend must be one of .*plain-ripser"):
        compute_persistence(_circle(), backend="nope")
    with pytest.raises(InputError, match="already registered"):
        backends_module.register_backend("plain-ripser", doc["plain_ripser"])

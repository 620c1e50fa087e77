"""Outlier trimming: the outlier ratio against a hand computation, and the second look's answers."""

from __future__ import annotations

import numpy as np
import pytest

import tda_nn.analysis.trimming as trimming
from tda_nn.analysis.measures import auto_decisions, measure_cloud
from tda_nn.analysis.trimming import find_outliers, outlier_ratios
from tda_nn.analysis.units import TopologyParams, Unit
from tda_nn.datasets.shapes import circle, torus
from tda_nn.errors import InputError
from tda_nn.homology import compute_persistence


def _ratios_by_hand(X: np.ndarray, ref: np.ndarray, k: int = 10) -> np.ndarray:
    """The ratio from the full distance matrix to the reference rows, self excluded."""
    D = np.linalg.norm(X[:, None] - X[ref][None], axis=2)
    D[ref, np.arange(len(ref))] = np.inf  # a reference row is not its own neighbour
    nearest = np.argsort(D, axis=1, kind="stable")[:, :k]
    mean = np.take_along_axis(D, nearest, axis=1).mean(axis=1)
    return mean / np.median(mean[ref[nearest]], axis=1)


def _torus_with_outliers(seed: int, n: int = 2500, fraction: float = 0.02) -> np.ndarray:
    """Our torus (R=2, r=1) whose last 2% of rows are uniform in its bounding box (+5% a side)."""
    rng = np.random.default_rng(seed)
    X = torus(n, noise=0.02, random_state=seed)
    k = int(round(fraction * n))
    lo, hi = X[:-k].min(axis=0), X[:-k].max(axis=0)
    pad = 0.05 * (hi - lo)
    return np.vstack([X[:-k], rng.uniform(lo - pad, hi + pad, size=(k, 3))])


def test_ratios_equal_a_hand_computation():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(300, 3)), [[30.0, 0, 0], [0, -40.0, 0]]])
    ratios = outlier_ratios(X)
    np.testing.assert_allclose(ratios, _ratios_by_hand(X, np.arange(len(X))), rtol=1e-10)
    assert np.all(ratios[-2:] > 10) and np.median(ratios[:300]) == pytest.approx(1.0, abs=0.1)


def test_large_clouds_are_measured_against_a_seeded_sample(monkeypatch):
    monkeypatch.setattr(trimming, "TRIM_REFERENCE_POINTS", 200)
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(590, 4)), rng.uniform(20, 30, size=(10, 4))])
    ref = np.sort(np.random.default_rng(7).choice(600, 200, replace=False))
    ratios = outlier_ratios(X, random_state=7)
    np.testing.assert_allclose(ratios, _ratios_by_hand(X, ref), rtol=1e-10)
    assert set(range(590, 600)) <= set(find_outliers(X, 2.0, random_state=7).rows)
    # no seed: the same sample on every call (seed 0), as the default landmarks
    unseeded = [find_outliers(X[:, :1], 1.5, random_state=None).rows for _ in range(3)]
    seed0 = find_outliers(X[:, :1], 1.5, random_state=0).rows
    assert all(np.array_equal(rows, seed0) for rows in unseeded)
    np.testing.assert_array_equal(outlier_ratios(X, random_state=None), outlier_ratios(X))
    assert not np.array_equal(seed0, find_outliers(X[:, :1], 1.5, random_state=7).rows)


def test_duplicates_are_not_outliers():
    X = np.repeat(circle(100, random_state=0), 12, axis=0)  # every point 12 times: distances 0
    assert np.all(outlier_ratios(X) == 0)
    assert find_outliers(X, 2.0).n_trimmed == 0


def test_what_is_not_checked_says_why():
    X = circle(50, random_state=0)
    assert find_outliers(X, 0).n_trimmed == -1
    assert "geodesic" in find_outliers(X, 2.0, metric="knn_geodesic").reason
    assert find_outliers(X, 2.0, metric="cosine").n_trimmed >= 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_torus_with_outliers_gets_both_loops_back(seed):
    X = _torus_with_outliers(seed)
    params = TopologyParams(homology_dimensions=(0, 1), denser_look=False)
    res = compute_persistence(X, homology_dimensions=(0, 1))
    decisions = auto_decisions(res, params, cloud=X)
    assert [d.betti for d in decisions] == [1, 2]
    h1 = decisions[1]
    assert 0 < h1.n_trimmed <= 50 and h1.betti_untrimmed < 2  # the outliers hid a loop
    assert h1.confidence == "unsure" and any("trimming" in r for r in h1.reasons)
    # trimming alone (the denser look can find these loops too: off here)
    off = auto_decisions(res, TopologyParams(homology_dimensions=(0, 1), outlier_ratio=0,
                                             denser_look=False), cloud=X)
    assert off[1].betti == h1.betti_untrimmed and off[1].n_trimmed == -1


def test_a_clean_circle_keeps_its_answer_and_the_rows_say_what_was_done():
    X = circle(600, noise=0.02, random_state=5).astype(np.float32)
    unit = Unit(run="activations", step=-1, layer="l", layer_index=0, cls="all", source="-",
                kind="activations")
    rows, _ = measure_cloud(X, unit, TopologyParams(homology_dimensions=(0, 1),
                                                    intrinsic_dimension=False, linear_probe=False))
    assert [r["betti_auto"] for r in rows] == [1, 1]
    trimmed = find_outliers(X, 2.0).n_trimmed
    assert all(r["n_trimmed"] == trimmed and r["outlier_ratio"] == 2.0 for r in rows)
    assert all(r["betti_untrimmed"] in (-1, 1) for r in rows)


@pytest.mark.parametrize("bad", [0.5, 1.0, -2.0, float("inf"), "2"])
def test_bad_outlier_ratio_is_refused(bad):
    with pytest.raises(InputError, match="outlier_ratio"):
        TopologyParams(outlier_ratio=bad)

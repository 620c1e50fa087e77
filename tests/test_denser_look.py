"""The denser look: bars standing apart by hand, and loops a few landmark spacings long found."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tda_nn.analysis.denser_look import bars_standing_apart, refine_by_denser_look, sorted_ratios
from tda_nn.analysis.measures import auto_decisions, measure_cloud
from tda_nn.analysis.units import TopologyParams, Unit
from tda_nn.datasets.shapes import circle, torus
from tda_nn.homology import compute_persistence


def _flat_three_torus(n: int, seed: int) -> np.ndarray:
    """Three unit circles multiplied, in R^6: Betti numbers (1, 3, 3, 1)."""
    angles = np.random.default_rng(seed).uniform(0, 2 * np.pi, size=(n, 3))
    return np.hstack([np.cos(angles), np.sin(angles)])


def test_bars_standing_apart_by_hand():
    assert bars_standing_apart([3.0, 2.9, 2.8, 1.5, 1.4], 1.25) == 3
    assert bars_standing_apart([3.0, 2.9, 2.8, 2.5, 1.4], 1.25) == 4  # 2.5 / 1.4 = 1.79
    assert bars_standing_apart([3.0, 2.9, 2.8, 2.5, 2.4, 2.3], 1.25) == 0  # no gap
    assert bars_standing_apart([1.7, 1.2], 1.25) == 0  # a gap, but below MIN_RATIO (1.8)
    assert bars_standing_apart([9.0, 2.0, 1.5], 1.25) == 2  # the largest k wins over k = 1
    assert bars_standing_apart([2.0], 1.25) == 0  # nothing to stand apart from
    assert bars_standing_apart([2.0, 1.0], 1.25) == 1
    assert bars_standing_apart([], 1.25) == 0
    assert bars_standing_apart([4.0, 3.9, 1.0], 1.25, max_k=1) == 0  # k = 2 is not looked for


def test_sorted_ratios_are_in_distance_units():
    bars = np.array([[1.0, 4.0], [2.0, 3.0], [0.0, 5.0], [1.0, np.inf]])
    np.testing.assert_allclose(sorted_ratios(bars), [4.0, 1.5])
    np.testing.assert_allclose(sorted_ratios(bars, power=2), [2.0, np.sqrt(1.5)])
    assert sorted_ratios(np.zeros((0, 2))).shape == (0,)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_loops_of_a_flat_three_torus_are_found(seed):
    X = _flat_three_torus(3000, seed)
    res = compute_persistence(X, homology_dimensions=(0, 1))
    params = TopologyParams(homology_dimensions=(0, 1))
    h1 = auto_decisions(res, params, cloud=X)[1]
    assert (h1.betti, h1.betti_denser, h1.n_landmarks_denser) == (3, 3, 600)
    assert h1.confidence == "unsure" and any("600 landmarks" in r for r in h1.reasons)
    off = auto_decisions(res, dataclasses.replace(params, denser_look=False), cloud=X)[1]
    assert (off.betti, off.betti_denser, off.n_landmarks_denser) == (0, -1, 0)


def test_the_tube_of_a_thin_torus_is_found():
    X = torus(5000, R=5.0, r=1.0, noise=0.01, random_state=0)
    res = compute_persistence(X, homology_dimensions=(0, 1))
    h1 = auto_decisions(res, TopologyParams(homology_dimensions=(0, 1)), cloud=X)[1]
    assert (h1.betti, h1.betti_denser) == (2, 2)


class _Fake:
    """A PersistenceResult stand-in: H1 bars with the given ratios (births 1)."""

    def __init__(self, ratios, n_used=300, subsample="maxmin"):
        self.ratios, self.n_points_used, self.subsample = list(ratios), n_used, subsample

    def bars(self, dim):
        return np.column_stack([np.ones(len(self.ratios)), self.ratios])


def _h1(betti=0):
    from tda_nn.features.decision import DimDecision

    return DimDecision(dim=1, betti=betti, method="auto", betti_test=0, betti_significant=0,
                       n_bars_tested=0, p_threshold=np.nan, p_margin=np.nan,
                       p_values=np.zeros(0), resolution=1.0, min_component_points=np.nan)


def test_bars_that_do_not_grow_are_not_counted():
    first = _Fake([2.2, 1.6, 1.5, 1.4])  # one bar stands apart (2.2 / 1.6 = 1.375)
    looks = []

    def measure(m):
        looks.append(m)
        return _Fake([2.25, 1.5, 1.4])  # stands apart, but grew by 1.02 only (a loop of outliers)

    h1 = refine_by_denser_look(first, [_h1()], 1000, "euclidean", measure)[0]
    assert looks == [600] and (h1.betti, h1.betti_denser, h1.n_landmarks_denser) == (0, 0, 600)
    assert h1.confidence == "confident"
    grown = refine_by_denser_look(first, [_h1()], 1000, "euclidean",
                                  lambda m: _Fake([2.6, 1.7, 1.6]))[0]
    assert (grown.betti, grown.betti_denser) == (1, 1) and grown.confidence == "unsure"
    no_gap = refine_by_denser_look(first, [_h1()], 1000, "euclidean",
                                   lambda m: _Fake([2.6, 2.3, 1.6]))[0]  # grew, 2.6 / 2.3 < 1.4
    assert (no_gap.betti, no_gap.betti_denser) == (0, 0)


@pytest.mark.parametrize("why", ["counted", "small", "exact", "metric"])
def test_no_denser_look_where_it_cannot_add_anything(why):
    first = _Fake([2.2, 1.6, 1.5], subsample="none" if why == "exact" else "maxmin")

    def measure(m):
        raise AssertionError("no denser look expected")

    n_points = 500 if why == "small" else 1000  # fewer points than twice the landmarks
    metric = "knn_geodesic" if why == "metric" else "euclidean"
    h1 = refine_by_denser_look(first, [_h1(1 if why == "counted" else 0)], n_points, metric,
                               measure)[0]
    assert h1.n_landmarks_denser == 0 and h1.betti_denser == -1


def test_the_rows_report_the_denser_look():
    unit = Unit(run="activations", step=-1, layer="l", layer_index=0, cls="all", source="-",
                kind="activations")
    params = TopologyParams(homology_dimensions=(0, 1), intrinsic_dimension=False,
                            linear_probe=False, betti_method="auto")
    rows, _ = measure_cloud(_flat_three_torus(2000, 3), unit, params)
    assert [(r["betti"], r["betti_denser"], r["n_landmarks_denser"]) for r in rows] == [
        (1, -1, 0), (3, 3, 600)]
    plain, _ = measure_cloud(circle(700, noise=0.02, random_state=0), unit, params)
    assert [(r["betti"], r["betti_denser"], r["n_landmarks_denser"]) for r in plain] == [
        (1, -1, 0), (1, -1, 0)]


def test_the_command_line_reports_it_and_can_turn_it_off(tmp_path):
    import pandas as pd

    from tda_nn.cli import main
    from tda_nn.io import save_activations

    path = tmp_path / "acts.npz"
    save_activations(path, {"torus3": _flat_three_torus(2000, 3)})
    for name, extra, expected in [("on", [], (3, 3, 600)), ("off", ["--no-denser-look"], (0, -1, 0))]:
        out = tmp_path / name
        assert main(["persistence", str(path), "--out", str(out), "--no-progress", "--stability",
                     "0", "--no-intrinsic-dimension", *extra]) == 0
        h1 = pd.read_csv(out / "betti.csv").set_index("homology_dim").loc[1]
        assert (h1["betti"], h1["betti_denser"], h1["n_landmarks_denser"]) == expected

"""Betti numbers from diagrams: at a scale, and as significant bars (hand-made diagrams)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from tda_nn.datasets.shapes import circle, embed, two_circles
from tda_nn.errors import InputError
from tda_nn.features.betti import (
    BettiNumbers,
    betti_at_scale,
    betti_numbers,
    resolution,
    significant_bars,
)
from tda_nn.homology import VietorisRipsPersistence, compute_persistence


def _diagram() -> np.ndarray:
    """Two pieces (gap 5), inner spacings 0.6 .. 1.0; a long loop, a short one, a late H2 bar."""
    h0 = [[0, d, 0] for d in (5.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.6, 0.6)]
    h1 = [[1.0, 3.0, 1], [1.2, 2.0, 1], [0.5, 0.6, 1]]
    h2 = [[1.5, 2.1, 2], [6.0, 9.0, 2], [0.3, 0.3, 2]]  # the last one is padding
    return np.array(h0 + h1 + h2, dtype=float)


def test_betti_at_scale_counts_alive_bars():
    d = _diagram()
    np.testing.assert_array_equal(betti_at_scale(d, 1.1, (0, 1, 2)), [2, 1, 0])
    np.testing.assert_array_equal(betti_at_scale(d, 0.65, (0,)), [6])
    np.testing.assert_array_equal(betti_at_scale(d, 1.7, (0, 1, 2)), [2, 2, 1])
    np.testing.assert_array_equal(betti_at_scale(d, 7.0, (0, 1, 2)), [1, 0, 1])
    np.testing.assert_array_equal(betti_at_scale(d, 7.0, (0, 1, 2), reduced_homology=False),
                                  [0, 0, 1])
    # birth <= s < death
    np.testing.assert_array_equal(betti_at_scale(d, 3.0, (1,)), [0])
    np.testing.assert_array_equal(betti_at_scale(d, 1.0, (1,)), [1])


def test_significant_rule_by_hand():
    d = _diagram()
    # H0: 5.0 >= 1.9 * 1.0 and 5.0 > 2 * median(0.7) -> one gap; rho = next death = 1.0
    assert resolution(d) == 1.0
    keep = significant_bars(d)
    np.testing.assert_array_equal(np.flatnonzero(keep), [0, 8, 11])
    # H1: (1, 3) lives 2.0 > 1.4 rho; (1.2, 2) lives 0.8, too short
    # H2: (1.5, 2.1) lives 0.6 > 0.45 rho; (6, 9) is born after 4 rho: a late bar
    np.testing.assert_array_equal(betti_numbers(d), [[2, 1, 1]])
    np.testing.assert_array_equal(
        betti_numbers(d, birth_window=7.0, persistence_factors=(0.7, 0.45)), [[2, 2, 2]]
    )
    # a fixed resolution replaces the estimate; the H0 count stays
    # rho = 2: (1, 3) is too short now, (6, 9) is early enough and long enough
    np.testing.assert_array_equal(betti_numbers(d, resolution=2.0), [[2, 0, 1]])


def test_no_gap_means_one_component():
    d = np.array([[0, x, 0] for x in (1.0, 0.95, 0.9, 0.8)], dtype=float)
    np.testing.assert_array_equal(betti_numbers(d), [[1]])
    assert resolution(d) == 1.0
    # a single point: no bar at all, one component
    np.testing.assert_array_equal(betti_numbers(np.array([[0.0, 0.0, 0]])), [[1]])


def test_distance_power_reads_squared_distances():
    d = _diagram()
    squared = d.copy()
    squared[:, :2] = squared[:, :2] ** 2
    np.testing.assert_array_equal(betti_numbers(squared, distance_power=2), betti_numbers(d))
    assert not np.array_equal(betti_numbers(squared), betti_numbers(d))


def test_errors():
    d = _diagram()
    with pytest.raises(InputError, match="method"):
        betti_numbers(d, method="bogus")
    with pytest.raises(InputError, match="scale"):
        betti_numbers(d, method="scale")
    with pytest.raises(InputError, match="homology dimension 0"):
        betti_numbers(d[d[:, 2] > 0])
    with pytest.raises(InputError, match="shape"):
        betti_numbers(np.zeros((2, 3, 4)))
    with pytest.raises(InputError, match="method"):
        BettiNumbers(method="x").fit(d[None])
    # without H0 a resolution can be given
    np.testing.assert_array_equal(betti_numbers(d[d[:, 2] > 0], resolution=1.0), [[1, 1]])


def test_transformer_on_padded_diagrams_and_in_a_pipeline():
    clouds = [circle(200, noise=0.05, random_state=0), two_circles(400, noise=0.05, random_state=1),
              embed(two_circles(1000, noise=0.05, random_state=2), 64, random_state=2)]
    pipe = Pipeline([("ph", VietorisRipsPersistence(random_state=0)), ("betti", BettiNumbers())])
    out = pipe.fit_transform(clouds)
    assert out.dtype.kind == "i"
    np.testing.assert_array_equal(out, [[1, 1], [2, 2], [2, 2]])
    assert pipe.named_steps["betti"].homology_dimensions_ == (0, 1)
    # padded rows change nothing; the function agrees with the transformer
    D = pipe.named_steps["ph"].transform(clouds)
    np.testing.assert_array_equal(betti_numbers(D), out)
    for i, res in enumerate(pipe.named_steps["ph"].results_):
        np.testing.assert_array_equal(betti_numbers(res.diagram, homology_dimensions=(0, 1))[0],
                                      out[i])
    at_scale = BettiNumbers(method="scale", scale=0.3).fit_transform(D)
    np.testing.assert_array_equal(at_scale, [[1, 1], [2, 2], [2, 2]])
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.transform(clouds[:1]), out[:1])
    assert clone(BettiNumbers(scale=2.0)).get_params()["scale"] == 2.0


def test_cosine_pipeline_with_distance_power():
    X = embed(circle(1000, noise=0.05, random_state=0), 16, random_state=0) + 3.0
    res = compute_persistence(X, metric="cosine", random_state=0)
    np.testing.assert_array_equal(betti_numbers(res.diagram, distance_power=2), [[1, 1]])

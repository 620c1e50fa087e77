"""Pieces measured apart: beta_k of a disjoint union is the sum over its pieces."""

from __future__ import annotations

import numpy as np

from tda_nn.analysis.measures import auto_decisions
from tda_nn.analysis.pieces import cloud_piece_rows
from tda_nn.analysis.units import TopologyParams
from tda_nn.datasets.shapes import circle
from tda_nn.features.components import count_components, minimum_spanning_tree
from tda_nn.homology import compute_persistence


def _blob_and_small_circle(seed: int = 0) -> np.ndarray:
    """A 10-dimensional Gaussian blob of 1000 points and, far away, a circle of radius 0.1."""
    rng = np.random.default_rng(seed)
    ring = np.hstack([0.1 * circle(100, noise=0.02, random_state=seed), np.zeros((100, 8))])
    return np.vstack([rng.standard_normal((1000, 10)), ring + 8.0])


def test_piece_labels_follow_the_counted_gaps():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(size=(50, 2)), rng.normal(size=(60, 2)) + 20,
                   rng.normal(size=(40, 2)) + [0, 40]])
    comps = count_components(minimum_spanning_tree(np.linalg.norm(X[:, None] - X[None], axis=2)))
    assert comps.beta0 == 3
    np.testing.assert_array_equal(comps.labels, np.repeat([0, 1, 2], [50, 60, 40]))


def test_cloud_rows_of_each_piece_through_landmark_cells():
    X = _blob_and_small_circle()
    res = compute_persistence(X, homology_dimensions=(0, 1))
    assert res.subsample == "maxmin"
    rows, used = cloud_piece_rows(X, res)
    assert [len(r) for r in rows] == [1000, 100]
    np.testing.assert_array_equal(rows[1], np.arange(1000, 1100))
    assert used.sum() == 300 and used[1] < 25  # the circle is undersampled


def test_a_small_circle_beside_a_big_blob_keeps_its_loop():
    X = _blob_and_small_circle()
    params = TopologyParams(homology_dimensions=(0, 1))
    res = compute_persistence(X, homology_dimensions=(0, 1))
    # the whole cloud's 300 landmarks leave the circle a handful: its loop is lost there
    whole = auto_decisions(res, params)
    assert [d.betti for d in whole] == [2, 0]
    apart = auto_decisions(res, params, cloud=X)
    assert [d.betti for d in apart] == [2, 1]
    assert apart[1].betti_whole == 0 and apart[1].n_pieces_apart == 2
    assert apart[1].confidence == "unsure"
    assert apart[0].n_pieces_apart == 0 and apart[0].betti_whole == -1


def test_pieces_sampled_as_finely_as_alone_are_not_measured_again():
    from tda_nn.datasets.shapes import two_circles

    X = two_circles(100, noise=0.03, random_state=4)  # 100 points: used whole
    params = TopologyParams(homology_dimensions=(0, 1))
    decisions = auto_decisions(compute_persistence(X), params, cloud=X)
    assert [d.betti for d in decisions] == [2, 2]
    assert all(d.n_pieces_apart == 0 for d in decisions)


def test_one_piece_is_measured_once():
    X = circle(800, noise=0.02, random_state=3)
    params = TopologyParams(homology_dimensions=(0, 1))
    res = compute_persistence(X, homology_dimensions=(0, 1))
    decisions = auto_decisions(res, params, cloud=X)
    assert [d.betti for d in decisions] == [1, 1]
    assert all(d.n_pieces_apart == 0 for d in decisions)

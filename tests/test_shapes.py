"""Shape generators: points lie on the shapes they claim, embeddings are isometries."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist

from tda_nn.datasets.shapes import (
    SHAPES,
    circle,
    disjoint_union,
    embed,
    figure_eight,
    linked_rings,
    sphere,
    sphere_and_circle,
    torus,
    two_circles,
    wedge_of_circles,
)
from tda_nn.errors import InputError


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_registry_shapes_are_seeded_and_sized(name):
    gen, betti = SHAPES[name]
    X = gen(101, noise=0.05, random_state=3)
    assert X.shape[0] == 101 and np.isfinite(X).all()
    np.testing.assert_array_equal(X, gen(101, noise=0.05, random_state=3))
    assert not np.array_equal(X, gen(101, noise=0.05, random_state=4))
    assert len(betti) == 3 and betti[0] >= 1


def test_circle_sphere_torus_equations():
    np.testing.assert_allclose(np.linalg.norm(circle(50, radius=2.5, random_state=0), axis=1), 2.5)
    np.testing.assert_allclose(np.linalg.norm(sphere(50, random_state=0), axis=1), 1.0)
    X = torus(400, R=2.0, r=0.5, random_state=0)
    np.testing.assert_allclose((np.hypot(X[:, 0], X[:, 1]) - 2.0) ** 2 + X[:, 2] ** 2, 0.25)
    # uniform by area: the outer half (farther than R from the axis) holds (pi R + 2r)/(2 pi R)
    outer = np.mean(np.hypot(X[:, 0], X[:, 1]) > 2.0)
    assert abs(outer - (np.pi * 2.0 + 2 * 0.5) / (2 * np.pi * 2.0)) < 0.06


def test_noise_has_the_requested_scale():
    X = circle(20000, noise=0.1, random_state=0)
    radial = np.linalg.norm(X, axis=1) - 1.0
    assert abs(radial.std() - 0.1) < 0.005


def test_wedge_circles_meet_only_at_the_origin():
    X = wedge_of_circles(3000, k=3, random_state=0)
    assert X.shape == (3000, 3)
    parts = np.split(X, 3)
    for i, P in enumerate(parts):
        # circle i: centre e_i, radius 1, in the plane (e_i, e_(i+1))
        centre = np.eye(3)[i]
        np.testing.assert_allclose(np.linalg.norm(P - centre, axis=1), 1.0)
    far = [P[np.linalg.norm(P, axis=1) > 0.5] for P in parts]
    for i in range(3):
        for j in range(i + 1, 3):
            assert cdist(far[i], far[j]).min() > 0.5


def test_figure_eight_and_linked_rings_geometry():
    X = figure_eight(1000, random_state=0)
    A, B = X[:500], X[500:]
    np.testing.assert_allclose(np.linalg.norm(A - [1, 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(B + [1, 0], axis=1), 1.0)
    L = linked_rings(2000, random_state=0)
    # the two rings of a Hopf link of radius 1 never come closer than 1 (hand computation)
    assert cdist(L[:1000], L[1000:]).min() == pytest.approx(1.0, abs=1e-3)
    S = sphere_and_circle(600, random_state=0)
    on_sphere = np.isclose(np.linalg.norm(S, axis=1), 1.0)
    assert on_sphere.sum() == 400  # split by length: 4 pi : 2 pi


def test_disjoint_union_keeps_the_gap():
    X = two_circles(400, random_state=0)
    assert cdist(X[:200], X[200:]).min() >= 1.0 - 1e-9
    U = disjoint_union(sphere(100, random_state=0), circle(50, random_state=1), gap=2.0)
    assert U.shape == (150, 3)
    assert cdist(U[:100], U[100:]).min() >= 2.0 - 1e-9


def test_embed_is_an_isometry():
    X = torus(200, random_state=0)
    Y = embed(X, 512, random_state=1)
    assert Y.shape == (200, 512)
    np.testing.assert_allclose(pdist(Y), pdist(X), atol=1e-9)
    assert not np.allclose(Y[:, :3], X)
    Z = embed(X, 64, noise=0.01, random_state=1)
    assert 0 < np.abs(pdist(Z) - pdist(X)).mean() < 0.5


def test_bad_arguments_raise_input_error():
    with pytest.raises(InputError, match="ambient_dim"):
        embed(np.zeros((5, 3)), 2)
    with pytest.raises(InputError, match="noise"):
        circle(10, noise=-1)
    with pytest.raises(InputError, match="R > r"):
        torus(10, R=1, r=2)
    with pytest.raises(InputError, match="n must be"):
        sphere(0)

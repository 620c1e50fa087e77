"""The default recovers the true Betti numbers of standard shapes, whatever the ambient dimension.

Every cloud is a shape of :mod:`tda_nn.datasets.shapes` with Gaussian noise 0.05 (radius-1
shapes), embedded by a random isometry in 3, 64 or 512 dimensions. The default run checks a
spread of shapes, sizes and widths; the full grid (every shape x width x size, and 5,000
points) is marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest

from tda_nn.datasets.shapes import SHAPES, embed
from tda_nn.features.betti import BettiNumbers, betti_numbers
from tda_nn.homology import VietorisRipsPersistence

NOISE = 0.05


def _cloud(name: str, n: int, ambient: int, seed: int) -> np.ndarray:
    gen, _ = SHAPES[name]
    X = gen(n, noise=NOISE, random_state=seed)
    return X if ambient <= X.shape[1] else embed(X, ambient, random_state=seed + 1)


def _check(cases: list[tuple[str, int, int]], dims: tuple[int, ...], seed: int = 0) -> None:
    clouds = [_cloud(name, n, ambient, seed + i) for i, (name, n, ambient) in enumerate(cases)]
    vr = VietorisRipsPersistence(homology_dimensions=dims, random_state=seed)
    got = BettiNumbers().fit_transform(vr.fit_transform(clouds))
    truth = np.array([SHAPES[name][1][: len(dims)] for name, _, _ in cases])
    wrong = [
        f"{case}: got {tuple(g)}, true {tuple(t)}"
        for case, g, t in zip(cases, got, truth, strict=True)
        if not np.array_equal(g, t)
    ]
    assert not wrong, "; ".join(wrong)
    # every approximation reports its bound
    for (_, n, _), res in zip(cases, vr.results_, strict=True):
        assert res.n_points_used == min(n, 300)
        assert res.error_bound == (2 * res.covering_radius if n > 300 else 0.0)


def test_default_betti_h0_to_h2():
    _check(
        [
            ("circle", 600, 3),
            ("torus", 1000, 64),
            ("two_spheres", 1000, 512),
            ("sphere_and_circle", 800, 64),
        ],
        dims=(0, 1, 2),
    )


def test_default_betti_h0_h1():
    _check(
        [
            ("figure_eight", 3000, 512),
            ("wedge_of_circles", 1000, 64),
            ("linked_rings", 2000, 3),
            ("two_circles", 300, 64),
            ("circle", 300, 512),
        ],
        dims=(0, 1),
    )


@pytest.mark.parametrize("name", ["circle", "figure_eight", "linked_rings"])
def test_exact_diagram_of_another_library_gives_the_same_betti(name):
    """ripser.py's exact diagram of the whole cloud, same rule: same (true) Betti numbers."""
    from ripser import ripser

    X = _cloud(name, 400, 16, seed=5)
    dgms = ripser(X, maxdim=1)["dgms"]
    h0 = dgms[0][np.isfinite(dgms[0][:, 1])]
    exact = np.vstack([np.column_stack([h0, np.zeros(len(h0))]),
                       np.column_stack([dgms[1], np.ones(len(dgms[1]))])])
    ours = VietorisRipsPersistence(random_state=0).fit_transform([X])
    truth = [SHAPES[name][1][:2]]
    np.testing.assert_array_equal(betti_numbers(exact, homology_dimensions=(0, 1)), truth)
    np.testing.assert_array_equal(betti_numbers(ours), truth)


@pytest.mark.slow
@pytest.mark.parametrize("ambient", [3, 64, 512])
@pytest.mark.parametrize("n", [300, 1000, 3000])
def test_shape_grid(n, ambient):
    names = [name for name in SHAPES if not (name == "torus" and n < 600)]
    _check([(name, n, ambient) for name in names], dims=(0, 1, 2), seed=n + ambient)


@pytest.mark.slow
def test_shape_grid_5000_points():
    _check([(name, 5000, 512) for name in SHAPES], dims=(0, 1, 2), seed=11)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sphere", "two_circles", "wedge_of_circles", "sphere_and_circle"])
def test_exact_gudhi_diagram_gives_the_same_betti(name):
    """GUDHI's exact diagram (H0-H2, edges up to 1.2) of a 300-point cloud, same rule."""
    import gudhi

    X = _cloud(name, 300, 8, seed=9)
    st = gudhi.RipsComplex(points=X, max_edge_length=1.2).create_simplex_tree(max_dimension=3)
    st.compute_persistence()
    rows = [
        [b, min(d, 1.2), k]
        for k in (0, 1, 2)
        for b, d in st.persistence_intervals_in_dimension(k)
    ]
    exact = np.array(rows)
    exact = exact[np.argsort(exact[:, 2], kind="stable")]
    # GUDHI keeps the essential H0 bar: drop one, as our reduced diagrams do
    essential = np.flatnonzero((exact[:, 2] == 0) & (exact[:, 1] == 1.2))[0]
    exact = np.delete(exact, essential, axis=0)
    np.testing.assert_array_equal(
        betti_numbers(exact, homology_dimensions=(0, 1, 2)), [SHAPES[name][1]]
    )


def test_knn_geodesic_metric_significant_and_at_a_fixed_scale():
    """Naitzat et al.'s hop-count metric: the default rule, and their fixed scale of 2.5 hops."""
    X = _cloud("two_circles", 1000, 64, seed=2)
    knn = dict(metric="knn_geodesic", metric_params={"n_neighbors": 14})
    D = VietorisRipsPersistence(random_state=0, **knn).fit_transform([X])
    np.testing.assert_array_equal(BettiNumbers().fit_transform(D), [[2, 2]])
    small = _cloud("figure_eight", 250, 64, seed=3)
    D = VietorisRipsPersistence(subsample=None, **knn).fit_transform([small])
    np.testing.assert_array_equal(BettiNumbers(method="scale", scale=2.5).fit_transform(D),
                                  [[1, 2]])

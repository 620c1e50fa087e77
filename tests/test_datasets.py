"""Tests of tda_nn.datasets: the JMLR 2020 data sets (geometry and, with ripser.py / exact
radius graphs, their Betti numbers), digits, MNIST-1D and the load_dataset registry."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from tda_nn.datasets import d1, d2, d3, digits, load_dataset, mnist1d
from tda_nn.datasets.naitzat import d1_centres, fibonacci_sphere
from tda_nn.datasets.real import available_datasets
from tda_nn.errors import InputError


def _betti_at(dgms, eps):
    """Number of bars alive at scale eps (birth <= eps < death) per dimension."""
    return [int(np.sum((d[:, 0] <= eps) & (d[:, 1] > eps))) for d in dgms]


def _components(X, eps):
    """Exact beta_0 of the Vietoris-Rips complex at scale eps (components of the eps-graph)."""
    pairs = cKDTree(X).query_pairs(eps, output_type="ndarray")
    from scipy.sparse import coo_matrix

    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(X), len(X)))
    return connected_components(graph, directed=False)[0]


# ---------------------------------------------------------------------------------------------
# D-I
# ---------------------------------------------------------------------------------------------
def test_d1_geometry_and_labels():
    X, y, info = d1()
    axis = np.arange(-10, 10, 0.19)
    assert len(axis) == 106
    assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape[1] == 2
    centres = d1_centres()
    np.testing.assert_allclose(np.linalg.norm(centres[:8], axis=1), 7.0)
    dist = np.linalg.norm(X[:, None, :].astype(float) - centres[None], axis=2)
    nearest = dist.min(axis=1)
    assert np.all(nearest[y == 1] < 1.3) and np.all(nearest[y == 0] >= 1.8 - 1e-6)
    # every grid point not in a margin ring is kept
    gx, gy = np.meshgrid(axis, axis)
    grid = np.c_[gx.ravel(), gy.ravel()]
    g_near = np.linalg.norm(grid[:, None, :] - centres[None], axis=2).min(axis=1)
    assert len(X) == int(np.sum((g_near < 1.3) | (g_near >= 1.8)))
    # nine disks of about pi * 1.3^2 / 0.19^2 ~ 147 grid points each
    per_disk = np.bincount(dist[y == 1].argmin(axis=1), minlength=9)
    assert np.all((per_disk > 120) & (per_disk < 175))
    assert info["betti"] == {1: (9, 0, 0), 0: (1, 9, 0)}
    Xn, yn, _ = d1(noise=0.02, random_state=3)
    Xn2, _, _ = d1(noise=0.02, random_state=3)
    np.testing.assert_array_equal(Xn, Xn2)
    assert abs(len(Xn) - len(X)) < 100


def test_d1_betti_numbers_with_ripser():
    from ripser import ripser
    X, y, info = d1()
    dgms = {}
    for label in (0, 1):
        cloud = X[y == label].astype(np.float64)
        res = ripser(cloud, maxdim=1, n_perm=min(len(cloud), 600))
        assert res["r_cover"] < 0.7  # landmarks move every bar by at most this much
        # scale 1.5: above twice the covering radius, below the 2.8 gap between disks and the
        # holes' death (~3): the homology of the shapes
        b0, b1 = _betti_at(res["dgms"], 1.5)
        assert (b0, b1) == info["betti"][label][:2]
        dgms[label] = res["dgms"]
    # the lifetimes show the same numbers above a clear gap
    holes = np.sort(dgms[0][1][:, 1] - dgms[0][1][:, 0])[::-1]
    assert np.sum(holes > 1.5) == 9 and holes[9] < 0.6
    disks = np.sort(dgms[1][0][:, 1] - dgms[1][0][:, 0])[::-1]
    assert np.sum(disks > 1.5) == 9 and disks[9] < 0.6


# ---------------------------------------------------------------------------------------------
# D-II
# ---------------------------------------------------------------------------------------------
def test_d2_geometry():
    m = 100
    X, y, info = d2(n_samples=36 * m + 7, scale=False, random_state=0)
    assert X.shape == (36 * m, 3) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [18 * m, 18 * m]
    centres = info["centres"]
    assert centres.shape == (9, 3) and np.all(np.isin(np.abs(centres), [0.0, 3.0]))
    X = X.astype(np.float64)
    for unit in range(9):
        block = X[unit * 4 * m : (unit + 1) * 4 * m] - centres[unit]
        flat = block[: 2 * m] - [2.2, 0.0, 0.0]  # xy-plane torus
        upright = block[2 * m :]  # xz-plane torus
        for torus, (u, v, w) in ((flat, (0, 1, 2)), (upright, (0, 2, 1))):
            radial = np.hypot(torus[:, u], torus[:, v])
            assert np.all(np.abs(torus[:, w]) <= 0.7 + 1e-5)
            assert radial.min() > 2.2 - 0.7 * np.sqrt(2) and radial.max() < 2.5 + 0.7 * np.sqrt(2)
        assert len(set(y[unit * 4 * m : (unit + 1) * 4 * m])) == 2
    scaled, _, _ = d2(n_samples=36 * m, random_state=0)
    np.testing.assert_allclose(np.abs(scaled).max(axis=0), 1.0)
    assert info["betti"] == {0: (9, 9, 0), 1: (9, 9, 0)}
    # the authors' spacing lets neighbouring units' tori touch; a wider one separates them
    assert info["min_gap_same_class"] < 0.1
    assert d2(n_samples=36 * m, offset=5.0, scale=False)[2]["min_gap_same_class"] > 1.0


def test_d2_separated_layout_has_nine_tori_per_class():
    from ripser import ripser
    X, y, _ = d2(n_samples=9000, offset=5.0, scale=False, random_state=1)
    for label in (0, 1):
        cloud = X[y == label].astype(np.float64)
        assert _components(cloud, 1.0) == 9
    res = ripser(X[y == 0].astype(np.float64), maxdim=1, n_perm=800)
    assert _betti_at(res["dgms"], 1.5) == [9, 9]


# ---------------------------------------------------------------------------------------------
# D-III
# ---------------------------------------------------------------------------------------------
def test_fibonacci_sphere_is_even():
    P = fibonacci_sphere(500, radius=2.0, rotation=3.7)
    np.testing.assert_allclose(np.linalg.norm(P, axis=1), 2.0)
    np.testing.assert_allclose(P.mean(axis=0), 0.0, atol=0.02)
    gaps = cKDTree(P).query(P, k=2)[0][:, 1]
    assert gaps.max() < 2.0 * gaps.min()


def test_d3_geometry_and_components():
    m = 300
    X, y, info = d3(n_samples=45 * m, scale=False, random_state=0)
    assert X.shape == (45 * m, 3) and np.bincount(y).tolist() == [18 * m, 27 * m]
    X = X.astype(np.float64)
    centres = info["centres"]
    for unit in range(9):
        block = X[unit * 5 * m : (unit + 1) * 5 * m] - centres[unit]
        radii = np.linalg.norm(block, axis=1).reshape(5, m)
        np.testing.assert_allclose(
            radii, np.repeat([[1.0], [1.05], [2.0], [2.05], [0.5]], m, 1), atol=1e-5
        )
        np.testing.assert_array_equal(
            y[unit * 5 * m : (unit + 1) * 5 * m], np.repeat([0, 0, 1, 1, 1], m)
        )
    assert info["betti"] == {0: (9, 0, 9), 1: (18, 0, 18)}
    # exact beta_0 at a scale between the sampling gaps and the distances between components
    assert _components(X[y == 0], 0.5) == 9
    assert _components(X[y == 1], 0.9) == 18
    scaled, _, _ = d3(n_samples=45 * m)
    np.testing.assert_allclose(np.abs(scaled).max(axis=0), 1.0)
    _, _, ball = d3(n_samples=45 * 20, inner="ball")
    assert ball["betti"][1] == (18, 0, 9)
    with pytest.raises(InputError, match="inner"):
        d3(inner="cube")


@pytest.mark.slow
def test_d3_one_unit_betti_numbers_with_ripser():
    from ripser import ripser
    m = 500
    X, y, _ = d3(n_samples=45 * m, scale=False)
    unit, labels = X[: 5 * m].astype(np.float64), y[: 5 * m]
    res_a = ripser(unit[labels == 0], maxdim=2, thresh=1.3, n_perm=600)
    assert _betti_at(res_a["dgms"], 0.6) == [1, 0, 1]
    res_b = ripser(unit[labels == 1], maxdim=2, thresh=0.9, n_perm=700)
    assert _betti_at(res_b["dgms"], 0.6) == [2, 0, 2]


def test_naitzat_input_errors():
    with pytest.raises(InputError, match="n_samples"):
        d2(n_samples=10)
    with pytest.raises(InputError, match="step"):
        d1(step=-1)
    with pytest.raises(InputError, match="random_state"):
        d2(random_state="seed")


# ---------------------------------------------------------------------------------------------
# real data and the registry
# ---------------------------------------------------------------------------------------------
def test_digits():
    X, y = digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    varying = X.std(axis=0) > 0
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=0)[varying], 1.0, atol=1e-4)
    raw, _ = digits(standardize=False)
    assert raw.max() == 16.0


def test_mnist1d_offline_and_deterministic():
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    a = mnist1d(n_samples=200, random_state=3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert a.X_train.shape == (160, 40) and a.X_test.shape == (40, 40)
    assert a.X_train.dtype == np.float32 and a.y_train.dtype == np.int64
    labels = np.r_[a.y_train, a.y_test]
    assert np.bincount(labels).tolist() == [20] * 10
    b = mnist1d(n_samples=200, random_state=3)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    c = mnist1d(n_samples=200, random_state=4)
    assert not np.array_equal(a.X_train, c.X_train)
    X_train, y_train, X_test, y_test = a
    assert abs(float(np.r_[X_train, X_test].mean())) < 1e-5
    with pytest.raises(InputError, match="url"):
        mnist1d(n_samples=200, url="https://example.org")


def test_load_dataset_registry():
    names = available_datasets()
    assert names[:5] == ["digits", "mnist1d", "d1", "d2", "d3"]
    ds = load_dataset("D1", step=0.5)
    assert ds.name == "d1" and ds.X.shape[1] == 2 and ds.info["betti"][1] == (9, 0, 0)
    assert ds.X_test is None
    m = load_dataset("mnist1d", n_samples=100, random_state=0)
    assert m.X.shape == (80, 40) and m.X_test.shape == (20, 40)
    with pytest.raises(InputError, match="unknown name"):
        load_dataset("cifar10")
    with pytest.raises(InputError, match="'d2'"):
        load_dataset("d2", n_points=100)
    if "circle" in names:
        shape = load_dataset("circle", n=50, random_state=0, ambient_dim=5)
        assert shape.X.shape == (50, 5) and shape.y is None
        assert shape.info["betti"] == {"all": (1, 1, 0)}

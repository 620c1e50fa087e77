"""Persistence diagrams: backends agree, landmarks keep their error bound, layout is giotto-tda's."""

from __future__ import annotations

import pickle

import gudhi
import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist, squareform
from sklearn.base import clone

from tda_nn.datasets.shapes import circle, embed, sphere, two_circles
from tda_nn.errors import InputError
from tda_nn.homology import (
    VietorisRipsPersistence,
    compute_persistence,
    maxmin_landmarks,
    metric_space,
    pad_diagrams,
    random_subsample,
)
from tda_nn.homology import unit as unit_module


def _bars(diagram: np.ndarray, dim: int) -> np.ndarray:
    return diagram[(diagram[:, 2] == dim) & (diagram[:, 0] < diagram[:, 1]), :2]


def _bottleneck(a: np.ndarray, b: np.ndarray, dim: int) -> float:
    """L-infinity bottleneck distance (GUDHI) between the dim-bars of two diagrams."""
    return gudhi.bottleneck_distance(_bars(a, dim), _bars(b, dim))


# ----------------------------------------------------------------------------- subsampling
def test_maxmin_landmarks_cover_and_separate():
    X = embed(sphere(800, noise=0.05, random_state=0), 32, random_state=0)
    sub = maxmin_landmarks(metric_space(X, "euclidean"), 60, random_state=1)
    assert len(sub.indices) == 60 == len(set(sub.indices.tolist()))
    D = cdist(X, X[sub.indices])
    # exact covering radius, computed by brute force
    assert sub.covering_radius == pytest.approx(D.min(axis=1).max(), rel=1e-9)
    # greedy farthest points are r-separated
    assert pdist(X[sub.indices]).min() >= sub.covering_radius * (1 - 1e-5)
    again = maxmin_landmarks(metric_space(X, "euclidean"), 60, random_state=1)
    np.testing.assert_array_equal(sub.indices, again.indices)


def test_random_subsample_reports_its_covering_radius():
    X = circle(300, random_state=0)
    sub = random_subsample(metric_space(X, "euclidean"), 50, random_state=0)
    assert sub.method == "random" and len(sub.indices) == 50
    assert sub.covering_radius == pytest.approx(cdist(X, X[sub.indices]).min(axis=1).max())
    whole = random_subsample(metric_space(X, "euclidean"), 500)
    assert whole.method == "none" and whole.covering_radius == 0.0


# ----------------------------------------------------------------------------- metrics
def test_metric_rows_and_matrices():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 7)) + 3.0
    e = metric_space(X, "euclidean")
    np.testing.assert_allclose(e.matrix(np.arange(40)), squareform(pdist(X)), atol=1e-12)
    np.testing.assert_allclose(e.row(5), cdist(X[5:6], X)[0], atol=1e-4)
    c = metric_space(X, "cosine")
    np.testing.assert_allclose(
        c.matrix(np.arange(40)), squareform(pdist(X, "cosine")), atol=1e-12
    )


def test_knn_geodesic_is_the_hop_count():
    # a regular 20-gon: with k = 4 neighbours (the two on each side) points i and j are
    # ceil(cyclic distance / 2) hops apart
    t = 2 * np.pi * np.arange(20) / 20
    X = np.column_stack([np.cos(t), np.sin(t)])
    g = metric_space(X, "knn_geodesic", {"n_neighbors": 4})
    i, j = np.meshgrid(np.arange(20), np.arange(20), indexing="ij")
    cyclic = np.minimum(np.abs(i - j), 20 - np.abs(i - j))
    np.testing.assert_array_equal(g.matrix(np.arange(20)), np.ceil(cyclic / 2))
    with pytest.raises(InputError, match="unknown key"):
        metric_space(X, "knn_geodesic", {"k": 3})
    with pytest.raises(InputError, match="takes no parameters"):
        metric_space(X, "euclidean", {"n_neighbors": 3})


def test_knn_geodesic_self_neighbour_and_deduplication_as_the_authors_code():
    # the 20-gon again: k = 5 counting the point itself is k = 4 others; a cloud with every
    # point doubled, de-duplicated, has the 20-gon's hop counts and 0 between the copies
    t = 2 * np.pi * np.arange(20) / 20
    X = np.column_stack([np.cos(t), np.sin(t)])
    i, j = np.meshgrid(np.arange(20), np.arange(20), indexing="ij")
    hops = np.ceil(np.minimum(np.abs(i - j), 20 - np.abs(i - j)) / 2)
    g = metric_space(X, "knn_geodesic", {"n_neighbors": 5, "include_self": True})
    np.testing.assert_array_equal(g.matrix(np.arange(20)), hops)
    doubled = np.vstack([X, X])
    d = metric_space(doubled, "knn_geodesic", {"n_neighbors": 4, "deduplicate": True})
    np.testing.assert_array_equal(d.matrix(np.arange(40)), np.block([[hops, hops], [hops, hops]]))
    np.testing.assert_array_equal(d.row(3), np.tile(hops[3], 2))
    np.testing.assert_array_equal(d.nearest(np.array([0, 20])), np.tile(hops[0], 2))
    # without de-duplication the copies are each other's nearest neighbours and use up k
    plain = metric_space(doubled, "knn_geodesic", {"n_neighbors": 4})
    assert plain.matrix(np.arange(40)).max() > hops.max()
    # the de-duplicated cloud has the 20-gon's diagram: the copies merge at 0 (no bar), the 20
    # vertices at 1 hop (19 finite H0 bars, reduced homology), one loop from 1 to 4 hops
    res = compute_persistence(doubled, metric="knn_geodesic", subsample=None,
                              metric_params={"n_neighbors": 4, "deduplicate": True})
    np.testing.assert_array_equal(_bars(res.diagram, 0), np.tile([0.0, 1.0], (19, 1)))
    np.testing.assert_array_equal(_bars(res.diagram, 1), [[1.0, 4.0]])
    with pytest.raises(InputError, match="deduplicate must be true or false"):
        metric_space(X, "knn_geodesic", {"deduplicate": "yes"})


def test_precomputed_landmarks_leave_the_matrix_alone():
    S = sphere(300, random_state=0)
    D = cdist(S, S)
    before = D.copy()
    sub = maxmin_landmarks(metric_space(D, "precomputed"), 40, random_state=0)
    np.testing.assert_array_equal(D, before)
    assert sub.covering_radius == pytest.approx(D[:, sub.indices].min(axis=1).max())


# ----------------------------------------------------------------------------- the unit
def test_exact_diagram_matches_ripser_on_the_point_cloud():
    from ripser import ripser

    X = circle(120, noise=0.1, random_state=0)
    res = compute_persistence(X, homology_dimensions=(0, 1))
    assert res.subsample == "none" and res.error_bound == 0.0 and res.n_points_used == 120
    ref = ripser(X, maxdim=1)["dgms"]
    ref0 = ref[0][np.isfinite(ref[0][:, 1])]
    assert len(_bars(res.diagram, 0)) == 119 == len(ref0)
    assert _bottleneck(res.diagram, np.column_stack([ref0, np.zeros(len(ref0))]), 0) < 1e-6
    assert gudhi.bottleneck_distance(_bars(res.diagram, 1), ref[1]) < 1e-6
    assert res.diagram.dtype == np.float64 and res.diagram.shape[1] == 3


@pytest.mark.parametrize("backend", ["ripser", "gudhi"])
def test_backends_give_the_same_diagram(backend):
    X = embed(sphere(45, noise=0.05, random_state=1), 10, random_state=1)
    ref = compute_persistence(X, homology_dimensions=(0, 1, 2), backend="giotto-ph")
    other = compute_persistence(X, homology_dimensions=(0, 1, 2), backend=backend)
    for k in (0, 1, 2):
        assert len(_bars(other.diagram, k)) == len(_bars(ref.diagram, k))
        assert _bottleneck(ref.diagram, other.diagram, k) < 1e-6
    assert other.backend == backend


def test_backends_agree_with_landmarks_threshold_and_z3():
    X = two_circles(500, noise=0.05, random_state=2)
    kw = dict(homology_dimensions=(0, 1), n_landmarks=80, max_edge_length=0.8, coeff=3,
              random_state=5)
    a = compute_persistence(X, backend="giotto-ph", **kw)
    b = compute_persistence(X, backend="ripser", **kw)
    c = compute_persistence(X, backend="gudhi", **kw)
    for k in (0, 1):
        assert _bottleneck(a.diagram, b.diagram, k) < 1e-6
        assert _bottleneck(a.diagram, c.diagram, k) < 1e-6
    # the gap between the circles (1.0) exceeds the threshold: that bar dies at the threshold
    assert _bars(a.diagram, 0)[:, 1].max() == pytest.approx(0.8)
    np.testing.assert_array_equal(a.indices, b.indices)


def test_giotto_tda_backend_agrees():
    pytest.importorskip("gtda")
    X = circle(60, noise=0.05, random_state=0)
    a = compute_persistence(X, homology_dimensions=(0, 1, 2))
    b = compute_persistence(X, homology_dimensions=(0, 1, 2), backend="giotto-tda")
    for k in (0, 1, 2):
        assert _bottleneck(a.diagram, b.diagram, k) < 1e-6


def test_transformer_output_equals_giotto_tda():
    gtda_homology = pytest.importorskip("gtda.homology")
    clouds = [circle(50, noise=0.05, random_state=i) for i in range(3)] + [sphere(40, random_state=0)]
    ours = VietorisRipsPersistence(homology_dimensions=(0, 1, 2)).fit_transform(clouds)
    theirs = gtda_homology.VietorisRipsPersistence(homology_dimensions=(0, 1, 2)).fit_transform(
        [np.asarray(c, dtype=float) for c in clouds]
    )
    assert ours.shape == theirs.shape
    for i in range(len(clouds)):
        for k in (0, 1, 2):
            assert _bottleneck(ours[i], theirs[i], k) < 1e-6
    # the padding rows are giotto-tda's too
    np.testing.assert_array_equal(ours[:, :, 2], theirs[:, :, 2])
    np.testing.assert_allclose(np.sort(ours[:, :, 0], axis=1), np.sort(theirs[:, :, 0], axis=1),
                               atol=1e-6)


@pytest.mark.parametrize("method", ["maxmin", "random"])
def test_subsampled_diagram_is_within_its_error_bound(method):
    X = embed(circle(600, noise=0.15, random_state=3), 20, random_state=3)
    exact = compute_persistence(X, homology_dimensions=(0, 1), subsample=None)
    approx = compute_persistence(
        X, homology_dimensions=(0, 1), subsample=method, n_landmarks=70, random_state=0
    )
    assert approx.subsample == method and approx.n_points_used == 70
    assert approx.error_bound == pytest.approx(2 * approx.covering_radius)
    assert approx.covering_radius == pytest.approx(
        cdist(X, X[approx.indices]).min(axis=1).max(), rel=1e-9
    )
    for k in (0, 1):
        assert _bottleneck(exact.diagram, approx.diagram, k) <= approx.error_bound + 1e-6


def test_cosine_is_scale_invariant_and_bounded():
    rng = np.random.default_rng(0)
    X = embed(circle(400, noise=0.05, random_state=0), 8, random_state=0) + 2.0
    scaled = X * rng.uniform(0.5, 3.0, size=(400, 1))
    a = compute_persistence(X, metric="cosine", n_landmarks=60, random_state=1)
    b = compute_persistence(scaled, metric="cosine", n_landmarks=60, random_state=1)
    for k in (0, 1):
        assert _bottleneck(a.diagram, b.diagram, k) < 1e-6
    exact = compute_persistence(X, metric="cosine", subsample=None)
    for k in (0, 1):
        assert _bottleneck(exact.diagram, a.diagram, k) <= a.error_bound + 1e-9
    # covering radius in cosine units: 1 - cos to the nearest landmark
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos_nearest = (1 - U @ U[a.indices].T).min(axis=1).max()
    assert a.covering_radius == pytest.approx(cos_nearest, rel=1e-6)


def test_precomputed_equals_euclidean():
    X = circle(80, noise=0.1, random_state=4)
    a = compute_persistence(X)
    b = compute_persistence(squareform(pdist(X)), metric="precomputed")
    for k in (0, 1):
        assert _bottleneck(a.diagram, b.diagram, k) < 1e-6


def test_coefficient_field_sees_the_projective_plane():
    # RP^2 as the sphere with antipodes identified: H1 and H2 are Z/2 over Z/2 and vanish over
    # Z/3 (landmarks of a precomputed matrix)
    S = sphere(1500, random_state=0)
    D = np.minimum(cdist(S, S), cdist(S, -S))
    kw = dict(metric="precomputed", homology_dimensions=(1, 2), max_edge_length=1.0,
              n_landmarks=120, random_state=0)
    z2 = compute_persistence(D, coeff=2, **kw)
    z3 = compute_persistence(D, coeff=3, **kw)
    assert z2.n_points_used == 120 and z2.coeff == 2
    assert np.ptp(_bars(z2.diagram, 1), axis=1).max() > 0.5
    assert np.ptp(_bars(z2.diagram, 2), axis=1).max() > 0.4
    assert np.ptp(_bars(z3.diagram, 1), axis=1).max() < 0.25
    assert len(_bars(z3.diagram, 2)) == 0 or np.ptp(_bars(z3.diagram, 2), axis=1).max() < 0.1


def test_knn_geodesic_diagram_and_disconnected_graph():
    X = two_circles(400, noise=0.02, random_state=0)
    res = compute_persistence(X, metric="knn_geodesic", metric_params={"n_neighbors": 8},
                              subsample=None)
    # hop counts: every filtration value is an integer; the graph has two components, so one
    # H0 bar would be infinite and dies at the threshold (the largest finite hop count)
    np.testing.assert_array_equal(res.diagram[:, :2], np.round(res.diagram[:, :2]))
    assert np.isfinite(res.threshold)
    assert _bars(res.diagram, 0)[:, 1].max() == res.threshold
    assert np.count_nonzero(np.ptp(_bars(res.diagram, 1), axis=1) > 10) == 2


def test_reduced_homology_and_threshold_layout():
    X = two_circles(100, random_state=1)
    full = compute_persistence(X, reduced_homology=False)
    h0 = _bars(full.diagram, 0)
    assert np.isinf(h0[:, 1]).sum() == 1 and len(h0) == 100
    cut = compute_persistence(X, max_edge_length=0.5)
    assert cut.threshold == 0.5
    assert cut.diagram[:, 1].max() <= 0.5 and np.isfinite(cut.diagram).all()
    assert len(_bars(cut.diagram, 0)) == 99


def test_sparse_path_for_large_exact_clouds(monkeypatch):
    X = circle(150, noise=0.05, random_state=0)
    dense = compute_persistence(X, subsample=None, max_edge_length=0.6)
    monkeypatch.setattr(unit_module, "DENSE_LIMIT", 50)
    for backend in ("giotto-ph", "ripser", "gudhi"):
        sparse = compute_persistence(X, subsample=None, max_edge_length=0.6, backend=backend)
        assert len(_bars(sparse.diagram, 0)) == len(_bars(dense.diagram, 0))
        for k in (0, 1):
            assert _bottleneck(dense.diagram, sparse.diagram, k) < 1e-6
    # cosine and hop counts go through the sparse path too (the limit is still 50 here)
    other = dict(metric="knn_geodesic", metric_params={"n_neighbors": 6}, max_edge_length=5.0)
    sparse_cos = compute_persistence(X + 3.0, metric="cosine", subsample=None, max_edge_length=0.01)
    sparse_knn = compute_persistence(X, subsample=None, **other)
    monkeypatch.setattr(unit_module, "DENSE_LIMIT", 10**6)
    dense_cos = compute_persistence(X + 3.0, metric="cosine", subsample=None, max_edge_length=0.01)
    dense_knn = compute_persistence(X, subsample=None, **other)
    for k in (0, 1):
        assert _bottleneck(dense_cos.diagram, sparse_cos.diagram, k) < 1e-6
        assert _bottleneck(dense_knn.diagram, sparse_knn.diagram, k) < 1e-6
    monkeypatch.setattr(unit_module, "DENSE_LIMIT", 50)
    with pytest.raises(InputError, match="finite max_edge_length"):
        compute_persistence(X, subsample=None)


def test_result_is_picklable_and_seeded():
    X = sphere(500, noise=0.05, random_state=0)
    a = compute_persistence(X, random_state=7, n_landmarks=50)
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a.diagram, b.diagram)
    np.testing.assert_array_equal(a.indices, compute_persistence(X, random_state=7,
                                                                 n_landmarks=50).indices)
    assert b.covering_radius > 0 and b.seconds > 0 and b.metric == "euclidean"
    assert b.bars(1).shape[1] == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(metric="minkowski"), "metric"),
        (dict(backend="dionysus"), "backend"),
        (dict(subsample="kmeans"), "subsample"),
        (dict(coeff=4), "prime"),
        (dict(max_edge_length=-1.0), "max_edge_length"),
        (dict(homology_dimensions=(-1,)), "homology_dimensions"),
        (dict(n_landmarks=0), "n_landmarks"),
    ],
)
def test_bad_parameters_raise_input_error(kwargs, match):
    with pytest.raises(InputError, match=match):
        compute_persistence(circle(30, random_state=0), **kwargs)


def test_bad_clouds_raise_input_error():
    bad = circle(30, random_state=0)
    bad[3, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        compute_persistence(bad)
    with pytest.raises(InputError, match="2-D"):
        compute_persistence(np.zeros(5))
    with pytest.raises(InputError, match="point cloud 1"):
        VietorisRipsPersistence().fit([circle(10), np.zeros((3, 2, 2))])
    with pytest.raises(InputError, match="nonzero rows"):
        compute_persistence(np.zeros((5, 3)), metric="cosine")


# ----------------------------------------------------------------------------- the transformer
def test_transformer_layout_metadata_and_sklearn_conventions():
    clouds = [circle(400, noise=0.05, random_state=0), sphere(30, random_state=0),
              embed(two_circles(200, random_state=1), 16, random_state=1)]
    vr = VietorisRipsPersistence(homology_dimensions=(0, 1, 2), n_landmarks=100, random_state=3)
    assert vr.fit(clouds) is vr and vr.homology_dimensions_ == (0, 1, 2)
    assert not hasattr(vr, "results_")  # fit computes nothing; transform changes nothing
    np.testing.assert_array_equal(vr.transform(clouds), vr.fit_transform(clouds))
    Xt = vr.transform(clouds)
    assert Xt.ndim == 3 and Xt.shape[0] == 3 and Xt.shape[2] == 3
    for i, res in enumerate(vr.results_):
        # every dimension appears; padding rows have zero persistence
        assert set(np.unique(Xt[i, :, 2])) == {0.0, 1.0, 2.0}
        kept = Xt[i][Xt[i, :, 0] < Xt[i, :, 1]]
        np.testing.assert_array_equal(kept, res.diagram)
    np.testing.assert_array_equal(vr.n_points_used_, [100, 30, 100])
    assert vr.covering_radii_[1] == 0.0 and vr.covering_radii_[0] > 0
    np.testing.assert_allclose(vr.error_bounds_, 2 * vr.covering_radii_)
    parallel = clone(vr).set_params(n_jobs=2).fit_transform(clouds)
    np.testing.assert_array_equal(parallel, Xt)
    restored = pickle.loads(pickle.dumps(vr))
    np.testing.assert_array_equal(restored.transform(clouds), Xt)
    assert clone(vr).get_params() == vr.get_params()


def test_pad_diagrams_follows_giotto_tda():
    a = np.array([[0.0, 1.0, 0], [0.5, 0.7, 1]])
    b = np.array([[0.0, 2.0, 0], [0.0, 3.0, 0], [0.2, 0.9, 1], [0.3, 0.4, 1]])
    out = pad_diagrams([a, b], (0, 1, 2))
    assert out.shape == (2, 5, 3)
    np.testing.assert_array_equal(out[0, :, 2], [0, 0, 1, 1, 2])
    # padding value: the smallest birth of that dimension in the collection (0 if none)
    np.testing.assert_array_equal(out[0, 1], [0.0, 0.0, 0])
    np.testing.assert_array_equal(out[0, 3], [0.2, 0.2, 1])
    np.testing.assert_array_equal(out[1, 4], [0.0, 0.0, 2])


def test_edge_collapse_and_threads_do_not_change_the_diagram():
    X = sphere(150, noise=0.05, random_state=2)
    kw = dict(homology_dimensions=(0, 1, 2), max_edge_length=1.3)
    plain = compute_persistence(X, collapse_edges=False, **kw)
    fast = compute_persistence(X, n_threads=2, **kw)  # "auto": collapse for H2 under a threshold
    for k in (0, 1, 2):
        assert _bottleneck(plain.diagram, fast.diagram, k) < 1e-6
    assert np.ptp(_bars(fast.diagram, 2), axis=1).max() > 0.4  # the void, born near 0.75


# ----------------------------------------------------------------------------- giotto-ph, called directly
def _dense_and_sparse_inputs():
    X = embed(two_circles(90, noise=0.05, random_state=4), 6, random_state=5)
    D = squareform(pdist(X)).astype(np.float32).astype(np.float64)
    import scipy.sparse as sp

    S = sp.coo_matrix(np.where(D <= 0.8 * D.max(), D, 0.0))
    return D, S, sp.triu(S, 1), sp.tril(S, -1)


@pytest.mark.parametrize(
    ("kind", "maxdim", "thresh", "coeff", "collapse"),
    [
        ("dense", 1, np.inf, 2, False), ("dense", 2, np.inf, 2, False),
        ("dense", 1, 0.9, 2, False), ("dense", 2, 1.2, 2, True), ("dense", 2, np.inf, 2, True),
        ("dense", 1, np.inf, 3, False), ("dense", 1, 0.8, 5, False),
        ("sparse", 1, np.inf, 2, False), ("sparse", 1, 0.9, 2, False),
        ("sparse", 2, 1.1, 2, True), ("sparse", 1, np.inf, 3, False),
        ("upper", 1, np.inf, 2, False), ("lower", 1, np.inf, 2, False),
    ],
)
def test_direct_giotto_ph_equals_ripser_parallel(kind, maxdim, thresh, coeff, collapse):
    from gph import ripser_parallel

    from tda_nn.homology._gph import ripser_distance_matrix

    D, S, U, L = _dense_and_sparse_inputs()
    M = {"dense": D, "sparse": S, "upper": U, "lower": L}[kind]
    ours = ripser_distance_matrix(M, maxdim, thresh, coeff, 1, collapse)
    theirs = ripser_parallel(M, maxdim=maxdim, thresh=thresh, coeff=coeff, metric="precomputed",
                             collapse_edges=collapse)["dgms"]
    assert len(ours) == len(theirs) == maxdim + 1
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, np.asarray(b).reshape(-1, 2))
    assert len(ours[1]) > 0


def test_direct_giotto_ph_rejects_an_unsupported_field():
    with pytest.raises(InputError, match="coeff must be at most 255"):
        compute_persistence(np.random.default_rng(0).normal(size=(20, 2)), coeff=257)


def test_pairwise_euclidean_is_pdist_bit_for_bit(monkeypatch):
    from tda_nn.homology import metrics

    rng = np.random.default_rng(3)
    for shape in [(1, 4), (2, 1), (130, 7), (70, 300)]:
        A = rng.normal(size=shape) * 7.3
        np.testing.assert_array_equal(metrics.pairwise_euclidean(A), squareform(pdist(A)))
    monkeypatch.setattr(metrics, "_NUMPY_PAIRWISE_LIMIT", 10)  # the scipy branch
    np.testing.assert_array_equal(metrics.pairwise_euclidean(A), squareform(pdist(A)))


def test_compute_persistence_imports_neither_scikit_learn_nor_scipy(tmp_path):
    """The worker's unit starts light; giotto-ph's own wrapper still works afterwards."""
    import subprocess
    import sys

    script = tmp_path / "unit.py"
    script.write_text(
        "import sys\n"
        "import numpy as np\n"
        "from tda_nn.homology import compute_persistence, pad_diagrams\n"
        "from tda_nn.datasets.shapes import circle\n"
        "X = circle(400, noise=0.02, random_state=0)\n"
        "r = compute_persistence(X, random_state=0)\n"
        "assert pad_diagrams([r.diagram], (0, 1)).shape == (1, len(r.diagram), 3)\n"
        "heavy = sorted(m for m in sys.modules if m in ('gph', 'gph.python')\n"
        "               or m.split('.')[0] in ('sklearn', 'scipy'))\n"
        "print(heavy)\n"
        "from gph import ripser_parallel\n"
        "from scipy.spatial.distance import pdist, squareform\n"
        "D = squareform(pdist(X[r.indices])).astype(np.float32).astype(np.float64)\n"
        "h1 = ripser_parallel(D, metric='precomputed')['dgms'][1]\n"
        "print(np.array_equal(np.sort(h1, 0), np.sort(r.bars(1), 0)), len(h1))\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "[]"
    assert out[1].startswith("True") and int(out[1].split()[1]) >= 1

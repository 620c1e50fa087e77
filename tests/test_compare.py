"""tda_nn.compare: diagram distances against GUDHI/Hera/persim, RTD, CKA, tables, nulls."""

from __future__ import annotations

import itertools
import math
import warnings

import gudhi
import numpy as np
import pandas as pd
import persim
import pytest
from gudhi import hera
from ripser import ripser
from scipy.stats import special_ortho_group

from tda_nn.compare import (
    DistanceSpec,
    against_null,
    align_by_relative_depth,
    bootstrap_null,
    cka_matrix,
    compare_to_null,
    diagram_distance,
    layer_distance_matrix,
    linear_cka,
    pairwise_diagram_distances,
    r_cross_barcode,
    relative_depth,
    rtd,
    rtd_matrix,
    seed_null,
)
from tda_nn.compare.matrices import COLUMNS
from tda_nn.errors import InputError

TABLE_COLUMNS = ["model_a", "layer_a", "model_b", "layer_b", "homology_dim", "metric", "distance"]


# ---------------------------------------------------------------- helpers


def giotto_diagram(points: np.ndarray, maxdim: int = 1) -> np.ndarray:
    """Vietoris–Rips diagram of ``points`` with ripser, in the giotto-tda layout.

    The infinite H0 bar is dropped; a ``(0, 0, dim)`` padding row is added per dimension.
    """
    dgms = ripser(np.asarray(points, dtype=np.float64), maxdim=maxdim)["dgms"]
    rows = []
    for dim, dgm in enumerate(dgms):
        dgm = dgm[np.isfinite(dgm[:, 1])]
        rows.append(np.column_stack([dgm, np.full(len(dgm), dim)]))
        rows.append([[0.0, 0.0, dim]])
    return np.vstack(rows).astype(np.float64)


def circle(n: int, rng: np.random.Generator, noise: float = 0.05, radius: float = 1.0) -> np.ndarray:
    t = rng.uniform(0, 2 * np.pi, n)
    return radius * np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=noise, size=(n, 2))


def random_diagram(rng: np.random.Generator, n: int) -> np.ndarray:
    births = rng.uniform(0, 1, n)
    return np.c_[births, births + rng.uniform(0, 1, n) * rng.uniform(0, 1, n)]


def embed(points: np.ndarray, dim: int, rng: np.random.Generator) -> np.ndarray:
    """``points`` in R^dim, rotated at random and translated."""
    padded = np.c_[points, np.zeros((len(points), dim - points.shape[1]))]
    rotation = special_ortho_group.rvs(dim, random_state=int(rng.integers(1 << 30)))
    return padded @ rotation + rng.normal(size=dim) * 5


# ---------------------------------------------------------------- diagram distances


def test_hand_computed_distances() -> None:
    a, b = np.array([[0.0, 2.0]]), np.array([[0.0, 3.0]])
    assert diagram_distance(a, b) == pytest.approx(1.0)  # matched: max(|0|, |1|)
    far = np.array([[5.0, 6.0]])
    one = np.array([[0.0, 1.0]])
    # both to the diagonal: L-inf (d - b)/2 each, L2 (d - b)/sqrt(2) each
    assert diagram_distance(one, far) == pytest.approx(1.0)
    assert diagram_distance(one, far, ground_metric="l2") == pytest.approx(math.sqrt(2))
    assert diagram_distance(one, far, order=2) == pytest.approx(math.sqrt(0.5))
    assert diagram_distance(one, far, order=2, ground_metric="l2") == pytest.approx(1.0)
    # bottleneck: (0,2)-(0,2.2) costs 0.2, (0,1) to the diagonal 0.5
    two = np.array([[0.0, 2.0], [0.0, 1.0]])
    assert diagram_distance(two, [[0.0, 2.2]], metric="bottleneck") == pytest.approx(0.5)
    assert diagram_distance(two, [[0.0, 2.2]]) == pytest.approx(0.7)
    assert diagram_distance(np.empty((0, 2)), np.empty((0, 2))) == 0.0


def test_agrees_with_hera_gudhi_and_persim() -> None:
    rng = np.random.default_rng(0)
    for _ in range(25):
        a = random_diagram(rng, int(rng.integers(1, 25)))
        b = random_diagram(rng, int(rng.integers(1, 25)))
        for p in (1.0, 2.0):
            for ground, internal in (("linf", np.inf), ("l2", 2.0)):
                ours = diagram_distance(a, b, order=p, ground_metric=ground)
                ref = hera.wasserstein_distance(a, b, order=p, internal_p=internal, delta=1e-10)
                assert ours == pytest.approx(ref, rel=1e-6, abs=1e-9)
        # persim.wasserstein: order 1, L2 ground metric (not L-inf)
        assert diagram_distance(a, b, ground_metric="l2") == pytest.approx(
            persim.wasserstein(a, b), rel=1e-9, abs=1e-12
        )
        bottleneck = diagram_distance(a, b, metric="bottleneck")
        # GUDHI's default mode (e = smallest double); its e=0 "exact" mode gave wrong values
        # on some inputs in GUDHI 3.13
        assert bottleneck == pytest.approx(gudhi.bottleneck_distance(a, b), rel=1e-9, abs=1e-12)
        assert bottleneck == pytest.approx(hera.bottleneck_distance(a, b, delta=1e-10), rel=1e-6)
        assert bottleneck == pytest.approx(persim.bottleneck(a, b), rel=1e-9, abs=1e-12)


@pytest.mark.giotto
def test_agrees_with_giotto_tda_pairwise_distance() -> None:
    gtda_diagrams = pytest.importorskip("gtda.diagrams")
    rng = np.random.default_rng(15)

    def cloud_diagram() -> np.ndarray:
        parts = [np.c_[random_diagram(rng, 6), np.full(6, dim)] for dim in (0, 1)]
        return np.vstack(parts)

    X = np.stack([cloud_diagram() for _ in range(4)])
    for metric, params in (("wasserstein", {"p": 1, "delta": 1e-10}),
                           ("wasserstein", {"p": 2, "delta": 1e-10}),
                           ("bottleneck", {"delta": 0.0})):
        theirs = gtda_diagrams.PairwiseDistance(
            metric=metric, metric_params=params, order=None
        ).fit_transform(X)
        for dim in (0, 1):
            ours = pairwise_diagram_distances(X, metric=metric, homology_dim=dim,
                                              order=params.get("p", 1))
            np.testing.assert_allclose(ours, theirs[:, :, dim], rtol=1e-6, atol=1e-12)


def brute_force(a: np.ndarray, b: np.ndarray, p: float, q: float) -> tuple[float, float]:
    """Wasserstein and bottleneck by enumerating every matching of the augmented diagrams."""
    n, m = len(a), len(b)
    size = n + m
    cost = np.zeros((size, size))  # rows: a, then diagonal slots; columns: b, then slots
    for i in range(n):
        for j in range(m):
            cost[i, j] = np.linalg.norm(a[i] - b[j], ord=q)
        cost[i, m:] = np.linalg.norm([(a[i, 1] - a[i, 0]) / 2] * 2, ord=q)
    for j in range(m):
        cost[n:, j] = np.linalg.norm([(b[j, 1] - b[j, 0]) / 2] * 2, ord=q)
    best_w, best_b = math.inf, math.inf
    for perm in itertools.permutations(range(size)):
        values = cost[np.arange(size), perm]
        best_w = min(best_w, float(np.sum(values**p)) ** (1 / p))
        best_b = min(best_b, float(values.max()))
    return best_w, best_b


@pytest.mark.parametrize("ground, q", [("linf", np.inf), ("l2", 2)])
def test_agrees_with_brute_force_matching(ground: str, q: float) -> None:
    rng = np.random.default_rng(16)
    for _ in range(6):
        a = random_diagram(rng, int(rng.integers(0, 4)))
        b = random_diagram(rng, int(rng.integers(1, 4)))
        for p in (1.0, 2.5):
            wasserstein, bottleneck = brute_force(a, b, p, q)
            assert diagram_distance(a, b, order=p, ground_metric=ground) == pytest.approx(
                wasserstein, rel=1e-12)
        assert diagram_distance(a, b, metric="bottleneck", ground_metric=ground) == (
            pytest.approx(bottleneck, rel=1e-12))


def test_ground_metrics_differ_as_documented() -> None:
    rng = np.random.default_rng(1)
    a, b = random_diagram(rng, 10), random_diagram(rng, 12)
    linf = diagram_distance(a, b, ground_metric="linf")
    l2 = diagram_distance(a, b, ground_metric="l2")
    # ||.||_inf <= ||.||_2 <= sqrt(2) ||.||_inf, diagonal distances included
    assert linf < l2 <= math.sqrt(2) * linf + 1e-12


def test_sliced_wasserstein_matches_persim_and_bounds() -> None:
    rng = np.random.default_rng(2)
    for _ in range(10):
        a = random_diagram(rng, int(rng.integers(1, 40)))
        b = random_diagram(rng, int(rng.integers(1, 40)))
        sw = diagram_distance(a, b, metric="sliced_wasserstein", n_directions=50)
        assert sw == pytest.approx(persim.sliced_wasserstein(a, b, M=50), rel=1e-5)
        exact = diagram_distance(a, b, ground_metric="l2")
        assert 0 < sw <= 2 * exact + 1e-12  # Carrière et al. 2017: SW <= 2 W_{1,2}


@pytest.mark.parametrize("metric", ["wasserstein", "bottleneck", "sliced_wasserstein"])
def test_zero_for_identical_and_symmetric(metric: str) -> None:
    rng = np.random.default_rng(3)
    a, b = random_diagram(rng, 30), random_diagram(rng, 17)
    assert diagram_distance(a, a.copy(), metric=metric) == 0.0
    assert diagram_distance(a, b, metric=metric) == pytest.approx(
        diagram_distance(b, a, metric=metric), rel=1e-12
    )
    assert diagram_distance(a, b, metric=metric) > 0


@pytest.mark.parametrize("metric", ["wasserstein", "bottleneck", "sliced_wasserstein"])
def test_invariant_to_rotation_and_translation_of_the_cloud(metric: str) -> None:
    rng = np.random.default_rng(4)
    cloud = embed(circle(60, rng), 4, rng)
    moved = embed(cloud, 4, rng)
    d1, d2 = giotto_diagram(cloud), giotto_diagram(moved)
    other = giotto_diagram(embed(rng.normal(size=(60, 2)), 4, rng))
    for dim in (0, 1):
        same = diagram_distance(d1, d2, metric=metric, homology_dim=dim)
        assert same < 1e-4  # ripser computes in float32
        assert diagram_distance(d1, other, metric=metric, homology_dim=dim) > 100 * max(same, 1e-6)


def test_padding_rows_are_ignored_and_dimensions_kept_apart() -> None:
    rng = np.random.default_rng(5)
    a = np.vstack([np.c_[random_diagram(rng, 6), np.zeros(6)], np.c_[random_diagram(rng, 3), np.ones(3)]])
    b = np.vstack([np.c_[random_diagram(rng, 5), np.zeros(5)], np.c_[random_diagram(rng, 4), np.ones(4)]])
    padded = np.vstack([a, [[0, 0, 0], [0.3, 0.3, 1], [0.7, 0.7, 1]]])
    for dim in (0, 1):
        plain = diagram_distance(a[a[:, 2] == dim, :2], b[b[:, 2] == dim, :2])
        assert diagram_distance(a, b, homology_dim=dim) == pytest.approx(plain, rel=1e-12)
        assert diagram_distance(padded, b, homology_dim=dim) == pytest.approx(plain, rel=1e-12)
    assert diagram_distance(a[None], b[None], homology_dim=1) == diagram_distance(a, b, homology_dim=1)
    with pytest.raises(InputError, match="homology_dim is required"):
        diagram_distance(a, b)


def test_infinite_bars() -> None:
    a = np.array([[0.0, 1.0], [0.2, np.inf]])
    b = np.array([[0.0, 1.5], [0.5, np.inf]])
    c = np.array([[0.0, 1.5]])
    # essential bars matched by birth, as Hera does
    assert diagram_distance(a, b) == pytest.approx(0.5 + 0.3)
    assert diagram_distance(a, b) == pytest.approx(hera.wasserstein_distance(a, b, delta=1e-10))
    assert diagram_distance(a, b, metric="bottleneck") == pytest.approx(0.5)
    assert diagram_distance(a, b, metric="bottleneck") == pytest.approx(gudhi.bottleneck_distance(a, b))
    # different numbers of infinite bars: infinite, unless capped
    assert diagram_distance(a, c) == math.inf
    assert diagram_distance(a, c, metric="bottleneck") == math.inf
    capped = diagram_distance(a, c, cap=2.0)
    assert capped == pytest.approx(diagram_distance([[0.0, 1.0], [0.2, 2.0]], c))
    with pytest.raises(InputError, match="cap"):
        diagram_distance(a, c, metric="sliced_wasserstein")
    with pytest.raises(InputError, match="cap"):
        diagram_distance(a, c, cap=0.1)


def test_bad_inputs_raise_input_error() -> None:
    good = np.array([[0.0, 1.0]])
    with pytest.raises(InputError, match="d1"):
        diagram_distance(np.zeros((3, 4)), good)
    with pytest.raises(InputError, match="NaN"):
        diagram_distance([[0.0, np.nan]], good)
    with pytest.raises(InputError, match="death < birth"):
        diagram_distance(good, [[1.0, 0.5]])
    with pytest.raises(InputError, match="order"):
        diagram_distance(good, good, order=0.5)
    with pytest.raises(InputError, match="metric"):
        diagram_distance(good, good, metric="energy")
    with pytest.raises(InputError, match="ground_metric"):
        diagram_distance(good, good, ground_metric="l1")


def test_distance_spec_names() -> None:
    assert DistanceSpec().name == "wasserstein[p=1,q=inf]"
    assert DistanceSpec("wasserstein", 2, "l2").name == "wasserstein[p=2,q=2]"
    assert DistanceSpec("bottleneck").name == "bottleneck[q=inf]"
    assert DistanceSpec("sliced_wasserstein", n_directions=20, cap=3).name == (
        "sliced_wasserstein[directions=20,cap=3]"
    )


def test_pairwise_diagram_distances() -> None:
    rng = np.random.default_rng(6)
    X = [np.c_[random_diagram(rng, n), np.ones(n)] for n in (4, 7, 3)]
    Y = [np.c_[random_diagram(rng, n), np.ones(n)] for n in (5, 2)]
    within = pairwise_diagram_distances(X, homology_dim=1)
    assert within.shape == (3, 3)
    np.testing.assert_array_equal(within, within.T)
    np.testing.assert_array_equal(np.diag(within), 0.0)
    cross = pairwise_diagram_distances(X, Y, homology_dim=1, metric="bottleneck")
    for i in range(3):
        for j in range(2):
            assert cross[i, j] == diagram_distance(X[i], Y[j], homology_dim=1, metric="bottleneck")


# ---------------------------------------------------------------- RTD


def test_rtd_zero_for_same_distances_and_symmetric() -> None:
    rng = np.random.default_rng(7)
    X = embed(circle(70, rng), 5, rng)
    assert rtd(X, X, n_samples=70) == 0.0
    assert rtd(X, 3.0 * embed(X, 5, rng), n_samples=70) < 1e-6  # rotated, translated, scaled
    Y = circle(70, rng)
    collapsed = np.c_[Y[:, 0], 0.02 * Y[:, 1]]  # the circle squashed onto a segment
    forward = rtd(Y, collapsed, n_samples=50, n_trials=2, random_state=0)
    backward = rtd(collapsed, Y, n_samples=50, n_trials=2, random_state=0)
    assert forward == pytest.approx(backward, rel=1e-12)
    noisy = Y + rng.normal(scale=0.02, size=Y.shape)
    assert forward > 0.3
    assert forward > 3 * rtd(Y, noisy, n_samples=50, n_trials=2, random_state=0)


def test_r_cross_barcode_layout() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(30, 3))
    bars = r_cross_barcode(X, np.tanh(3 * X[:, :2]))
    assert bars.ndim == 2 and bars.shape[1] == 3
    assert (bars[:, 2] == 1).all() and (bars[:, 1] > bars[:, 0]).all()
    assert r_cross_barcode(X, 2 * X).shape == (0, 3)
    with pytest.raises(InputError, match="same probe inputs"):
        rtd(X, X[:20])


# ---------------------------------------------------------------- CKA


def hsic_cka(X: np.ndarray, Y: np.ndarray) -> float:
    """CKA by the Gram-matrix (HSIC) definition, written out."""
    n = len(X)
    H = np.eye(n) - np.ones((n, n)) / n
    K, L = X @ X.T, Y @ Y.T

    def hsic(A: np.ndarray, B: np.ndarray) -> float:
        return float(np.trace(A @ H @ B @ H)) / (n - 1) ** 2

    return hsic(K, L) / math.sqrt(hsic(K, K) * hsic(L, L))


def test_linear_cka_against_hsic_and_invariances() -> None:
    rng = np.random.default_rng(9)
    X = rng.normal(size=(40, 6))
    Y = np.tanh(X @ rng.normal(size=(6, 9))) + 0.1 * rng.normal(size=(40, 9))
    assert linear_cka(X, Y) == pytest.approx(hsic_cka(X, Y), rel=1e-10)
    wide_x, wide_y = rng.normal(size=(12, 50)), rng.normal(size=(12, 30))  # Gram branch
    assert linear_cka(wide_x, wide_y) == pytest.approx(hsic_cka(wide_x, wide_y), rel=1e-10)
    assert linear_cka(X, X) == pytest.approx(1.0, abs=1e-12)
    Q = special_ortho_group.rvs(9, random_state=1)
    assert linear_cka(X, 2.5 * Y @ Q + 4.0) == pytest.approx(linear_cka(X, Y), rel=1e-10)
    assert linear_cka(X, Y) == pytest.approx(linear_cka(Y, X), rel=1e-12)
    assert math.isnan(linear_cka(X, np.ones((40, 3))))
    with pytest.raises(InputError, match="same probe inputs"):
        linear_cka(X, Y[:30])


# ---------------------------------------------------------------- tables


def test_relative_depth_alignment() -> None:
    np.testing.assert_allclose(relative_depth(5), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(relative_depth(1), [0.0])
    pairs = align_by_relative_depth(["a0", "a1", "a2"], ["b0", "b1", "b2", "b3", "b4"])
    assert pairs == [("a0", "b0"), ("a1", "b2"), ("a2", "b4")]
    deep_to_shallow = align_by_relative_depth([f"b{i}" for i in range(5)], {"x": 0, "y": 1})
    assert deep_to_shallow == [("b0", "x"), ("b1", "x"), ("b2", "x"), ("b3", "y"), ("b4", "y")]


def test_layer_distance_matrix_table() -> None:
    rng = np.random.default_rng(10)
    model_a = {f"fc{i}": giotto_diagram(circle(30, rng, radius=1 + i)) for i in range(3)}
    model_b = {f"conv{i}": giotto_diagram(rng.normal(size=(30, 2))) for i in range(2)}
    table = layer_distance_matrix(model_a, model_b, model_a="mlp", model_b="cnn",
                                  metric="bottleneck")
    assert list(table.columns) == list(COLUMNS)
    assert list(table.columns[:7]) == TABLE_COLUMNS
    assert len(table) == 3 * 2 * 2
    assert set(table["metric"]) == {"bottleneck[q=inf]"}
    for row in table.itertuples():
        expected = diagram_distance(model_a[row.layer_a], model_b[row.layer_b],
                                    metric="bottleneck", homology_dim=row.homology_dim)
        assert row.distance == expected
    assert table.loc[table["layer_a"] == "fc1", "depth_a"].unique().tolist() == [0.5]
    # a model with itself: symmetric, zero on the diagonal
    own = layer_distance_matrix(model_a, homology_dims=[1], model_a="mlp", n_jobs=2)
    matrix = own.pivot(index="layer_a", columns="layer_b", values="distance").to_numpy()
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 0.0)
    assert (own["model_b"] == "mlp").all()
    # only the aligned pairs
    aligned = layer_distance_matrix(model_a, model_b, homology_dims=[0],
                                    pairs=align_by_relative_depth(model_a, model_b))
    assert list(zip(aligned["layer_a"], aligned["layer_b"], strict=True)) == [
        ("fc0", "conv0"), ("fc1", "conv0"), ("fc2", "conv1")
    ]


def test_cka_and_rtd_matrices() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(size=(40, 5))
    clouds_a = [base, np.tanh(base @ rng.normal(size=(5, 8)))]
    clouds_b = {"rot": embed(base, 7, rng), "relu": np.maximum(base @ rng.normal(size=(5, 6)), 0)}
    table = cka_matrix(clouds_a, clouds_b)
    assert list(table.columns[:9]) == list(COLUMNS) and "similarity" in table.columns
    assert (table["homology_dim"] == -1).all() and set(table["metric"]) == {"1-linear_cka"}
    np.testing.assert_allclose(table["distance"], 1 - table["similarity"])
    row = table[(table["layer_a"] == "0") & (table["layer_b"] == "rot")]
    assert row["distance"].item() == pytest.approx(0.0, abs=1e-12)
    assert table["similarity"].iloc[1] == pytest.approx(linear_cka(clouds_a[0], clouds_b["relu"]))
    rtds = rtd_matrix(clouds_a, clouds_b, n_samples=30, n_trials=1, random_state=0)
    assert list(rtds.columns) == list(COLUMNS) and len(rtds) == 4
    assert (rtds["homology_dim"] == 1).all()
    assert rtds["metric"].iloc[0] == "rtd[samples=30,trials=1,quantile=0.9]"
    same = rtds[(rtds["layer_a"] == "0") & (rtds["layer_b"] == "rot")]["distance"].item()
    assert same < 1e-6 < rtds["distance"].max()
    with pytest.raises(InputError, match="same probe inputs"):
        cka_matrix(clouds_a, {"short": base[:20]})


# ---------------------------------------------------------------- nulls


def test_compare_to_null_by_hand() -> None:
    result = compare_to_null(3.5, [1.0, 2.0, 3.0, 4.0, np.nan])
    assert result.null_n == 4
    assert result.p_value == pytest.approx(2 / 5)
    assert result.null_median == 2.5 and result.ratio_to_null_median == pytest.approx(1.4)
    assert result.z_score == pytest.approx(1.0 / np.std([1, 2, 3, 4], ddof=1))
    assert compare_to_null(10.0, [1.0, 2.0]).p_value == pytest.approx(1 / 3)
    assert compare_to_null(1.0, []).null_n == 0


def diagrams_h1(points: np.ndarray) -> np.ndarray:
    return giotto_diagram(points, maxdim=1)


def test_bootstrap_null_separates_shapes() -> None:
    rng = np.random.default_rng(12)
    reference = circle(80, rng)
    null = bootstrap_null(reference, diagrams_h1, n_bootstrap=19, homology_dims=[1],
                          random_state=0)
    assert list(null.columns) == ["replicate", "homology_dim", "metric", "distance"]
    assert len(null) == 19 and (null["distance"] > 0).all()
    observed = {
        "same shape": diagram_distance(diagrams_h1(reference), diagrams_h1(circle(80, rng)),
                                       homology_dim=1),
        "blob": diagram_distance(diagrams_h1(reference), diagrams_h1(rng.normal(size=(80, 2))),
                                 homology_dim=1),
    }
    same = compare_to_null(observed["same shape"], null["distance"])
    blob = compare_to_null(observed["blob"], null["distance"])
    assert same.p_value > 0.05 and same.ratio_to_null_median < 2
    assert blob.p_value == pytest.approx(1 / 20) and blob.z_score > 5
    subsampled = bootstrap_null(reference, diagrams_h1, n_bootstrap=3, homology_dims=[0, 1],
                                replace=False, sample_size=60, random_state=0)
    assert len(subsampled) == 6 and (subsampled["distance"] > 0).all()
    with pytest.raises(InputError, match="sample_size"):
        bootstrap_null(reference, diagrams_h1, replace=False, sample_size=200)


def test_seed_null_and_against_null() -> None:
    rng = np.random.default_rng(13)

    def run(shape: str) -> dict[str, np.ndarray]:
        make = (lambda: circle(60, rng)) if shape == "circle" else (
            lambda: rng.normal(scale=0.7, size=(60, 2)))
        return {f"layer{i}": diagrams_h1(make()) for i in range(2)}

    seeds = {f"seed{s}": run("circle") for s in range(4)}
    null = seed_null(seeds, homology_dims=[1])
    assert len(null) == 6 * 2  # 6 pairs of seeds, 2 same-layer pairs each
    assert (null["layer_a"] == null["layer_b"]).all()
    observed = pd.concat([
        layer_distance_matrix(run("circle"), seeds["seed0"], homology_dims=[1],
                              model_a="new seed", model_b="seed0"),
        layer_distance_matrix(run("blob"), seeds["seed0"], homology_dims=[1],
                              model_a="other arch", model_b="seed0"),
    ], ignore_index=True)
    observed = observed[observed["layer_a"] == observed["layer_b"]]
    result = against_null(observed, null)
    assert (result["null_n"] == 12).all()
    other = result[result["model_a"] == "other arch"]
    same = result[result["model_a"] == "new seed"]
    np.testing.assert_allclose(other["p_value"], 1 / 13)
    assert (other["z_score"] > 5).all()
    assert (same["p_value"] > 0.05).all()
    missing = against_null(observed.assign(homology_dim=0), null)
    assert (missing["null_n"] == 0).all() and missing["z_score"].isna().all()


def test_seed_null_for_cka() -> None:
    rng = np.random.default_rng(14)
    inputs = rng.normal(size=(50, 4))
    seeds = {s: {"h": np.tanh(inputs @ rng.normal(size=(4, 16)))} for s in ("s0", "s1", "s2")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        null = seed_null(seeds, kind="cka")
    assert len(null) == 3 and set(null["metric"]) == {"1-linear_cka"}
    assert null["distance"].between(0, 1).all()
    rtd_null = seed_null(seeds, kind="rtd", same_layer=False, n_samples=20, n_trials=1,
                         random_state=0)
    assert len(rtd_null) == 3 and (rtd_null["distance"] > 0).all()
    with pytest.raises(InputError, match="at least two runs"):
        seed_null({"only": seeds["s0"]})

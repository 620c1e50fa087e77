"""Tests of tda_nn.features: diagram summaries and curves, TwoNN, linear probes, class splits.

Ground truth: hand computations on small diagrams, giotto-tda's transformers (giotto stack only),
and point clouds whose intrinsic dimension / separability is known.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline, make_union

from tda_nn.diagrams import check_diagram, check_diagrams, diagram_homology_dimensions
from tda_nn.errors import InputError
from tda_nn.features import (
    Amplitude,
    BettiCurve,
    IntrinsicDimension,
    NumberOfBars,
    PersistenceEntropy,
    TotalPersistence,
    amplitude,
    betti_curves,
    intrinsic_dimensions,
    linear_probe_accuracy,
    linear_probe_scores,
    number_of_bars,
    persistence_entropy,
    predicted_labels,
    split_by_class,
    summary_records,
    total_persistence,
    twonn_dimension,
)

# two clouds, giotto layout: 2 H0 rows and 2 H1 rows each (one H1 padding row in cloud 1)
D = np.array(
    [
        [[0.0, 1.0, 0], [0.0, 2.0, 0], [0.5, 1.5, 1], [0.3, 0.9, 1]],
        [[0.0, 3.0, 0], [0.0, 0.0, 0], [1.0, 2.5, 1], [1.0, 1.0, 1]],
    ]
)


def _entropy_bits(lifetimes):
    p = np.asarray(lifetimes, float) / np.sum(lifetimes)
    return float(-(p * np.log2(p)).sum())


# ---------------------------------------------------------------------------------------------
# Betti curves
# ---------------------------------------------------------------------------------------------
def test_betti_curve_hand_computation():
    bc = BettiCurve(n_bins=4).fit(D)
    assert bc.homology_dimensions_ == (0, 1)
    np.testing.assert_allclose(bc.samplings_[0], [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(bc.samplings_[1], np.linspace(0.3, 2.5, 4))
    curves = bc.transform(D)
    assert curves.shape == (2, 2, 4)
    # H0, cloud 0: bars [0,1) and [0,2): t=0 -> 2, t=1 -> 1, t=2 -> 0 (death excluded), t=3 -> 0
    np.testing.assert_array_equal(curves[0, 0], [2, 1, 0, 0])
    np.testing.assert_array_equal(curves[1, 0], [1, 1, 1, 0])
    t = bc.samplings_[1]  # 0.3, 1.033, 1.767, 2.5
    expect0 = [int(0.5 <= s < 1.5) + int(0.3 <= s < 0.9) for s in t]
    expect1 = [int(1.0 <= s < 2.5) for s in t]
    np.testing.assert_array_equal(curves[0, 1], expect0)
    np.testing.assert_array_equal(curves[1, 1], expect1)


def test_betti_curve_grid_is_fitted_once_over_the_collection():
    bc = BettiCurve(n_bins=7).fit(D)
    whole = bc.transform(D)
    np.testing.assert_array_equal(bc.transform(D[1:]), whole[1:])
    alone = BettiCurve(n_bins=7).fit(D[:1])
    assert alone.samplings_[0][-1] == 2.0 and bc.samplings_[0][-1] == 3.0
    # padding rows anywhere do not move the grid nor count
    padded = np.concatenate([D, np.tile([[7.0, 7.0, 1.0]], (2, 1, 1))], axis=1)
    bc2 = BettiCurve(n_bins=7).fit(padded)
    np.testing.assert_allclose(bc2.samplings_[1], bc.samplings_[1])
    np.testing.assert_array_equal(bc2.transform(padded), whole)


def test_betti_curves_function_infinite_death_and_explicit_grid():
    dg = np.array([[[0.0, np.inf, 0], [0.0, 1.0, 0]]])
    curves, grids = betti_curves(dg, samplings={0: [0.0, 0.5, 1.0, 10.0]})
    np.testing.assert_array_equal(curves[0, 0], [2, 2, 1, 1])
    curves, grids = betti_curves(dg, n_bins=3)
    np.testing.assert_allclose(grids[0], [0.0, 0.5, 1.0])
    with pytest.raises(InputError, match="no grid"):
        betti_curves(D, samplings={0: [0.0, 1.0]}, homology_dimensions=[0, 1])
    with pytest.raises(InputError, match="same number of bins"):
        betti_curves(D, samplings={0: [0.0, 1.0], 1: [0.0, 1.0, 2.0]})


def test_diagram_validation_messages():
    with pytest.raises(InputError, match="below the diagonal"):
        BettiCurve().fit(np.array([[[1.0, 0.5, 0]]]))
    with pytest.raises(InputError, match="shape"):
        PersistenceEntropy().fit(np.zeros((2, 3))[None, :, :2])
    with pytest.raises(InputError, match="infinite"):
        persistence_entropy(np.array([[[0.0, np.inf, 0]]]))
    with pytest.raises(InputError, match="non-negative integers"):
        number_of_bars(np.array([[[0.0, 1.0, 0.5]]]))


def _bad(cloud: int, row: int, value: list[float]) -> np.ndarray:
    X = np.array([[[0.0, 1.0, 0], [0.0, 0.0, 1], [0.5, 2.0, 1]]] * 2)
    X[cloud, row] = value
    return X


@pytest.mark.parametrize(
    ("bad", "options", "message"),
    [
        (np.zeros((2, 3, 4)), {}, "X: expected shape (n_clouds, n_features, 3) or (n_bars, 3) "
         "with rows (birth, death, dim), got (2, 3, 4)"),
        (np.zeros((4, 2)), {"allow_two_columns": False}, "X: expected shape "
         "(n_clouds, n_features, 3) or (n_bars, 3) with rows (birth, death, dim), got (1, 4, 2)"),
        (np.zeros((0, 4, 3)), {}, "X: the collection holds no diagram"),
        (_bad(1, 2, [0.5, np.nan, 1]), {}, "X: contains NaN (1 row; first: cloud 1, row 2)"),
        (_bad(0, 1, [-np.inf, 1.0, 1]), {}, "X: births must be finite; only deaths may be "
         "infinite (1 row; first: cloud 0, row 1)"),
        (_bad(1, 0, [0.0, 1.0, 0.5]), {}, "X: homology dimensions (column 2) must be "
         "non-negative integers (1 row; first: cloud 1, row 0)"),
        (_bad(0, 2, [0.5, 2.0, -1]), {}, "X: homology dimensions (column 2) must be "
         "non-negative integers (1 row; first: cloud 0, row 2)"),
        (_bad(1, 2, [2.0, 0.5, 1]), {}, "X: has rows with death < birth, below the diagonal "
         "(1 row; first: cloud 1, row 2)"),
        (np.array([[[1.0, 0.5, 0], [0, 1, 0]], [[0, 1, 1], [3, 2, 1]]]), {}, "X: has rows with "
         "death < birth, below the diagonal (2 rows; first: cloud 0, row 0)"),
        (_bad(1, 2, [0.5, np.inf, 1]), {"allow_infinite_deaths": False}, "X: infinite deaths "
         "are not allowed here; replace them by the threshold used (1 row; first: cloud 1, row 2)"),
        ([np.zeros((1, 3)), np.zeros((2, 2))], {}, "X[1]: expected shape (n_bars, 3), got (2, 2)"),
    ],
)
def test_shared_validator_names_each_fault_in_one_line(bad, options, message):
    with pytest.raises(InputError) as info:
        check_diagrams(bad, name="X", **options)
    assert str(info.value) == message


def test_shared_validator_accepts_and_returns_what_it_should():
    X = check_diagrams([[[0.0, 1.0, 1.0], [0.5, 2.0, 2.0]], [[0.25, np.inf, 1.0]]])
    np.testing.assert_array_equal(  # padded with (0, 0, smallest dim of that cloud)
        X, [[[0.0, 1.0, 1], [0.5, 2.0, 2]], [[0.25, np.inf, 1], [0.0, 0.0, 1]]]
    )
    assert X.dtype == np.float64 and check_diagrams(X) is X  # no copy of a valid array
    assert check_diagrams([[0, 1, 0]]).shape == (1, 1, 3)
    assert check_diagram([[[0, 1, 0], [0, 2, 1]]]).shape == (2, 3)
    assert check_diagram([]).shape == (0, 3)
    assert check_diagram([[0, 1]], allow_two_columns=True).shape == (1, 2)
    with pytest.raises(InputError, match=r"^diagram: holds 2 clouds; pass one cloud's"):
        check_diagram(np.zeros((2, 1, 3)))
    with pytest.raises(InputError, match=r"^diagrams: cannot be read as a float array \("):
        check_diagrams([[0.0, "a", 0.0]])
    assert diagram_homology_dimensions(X) == (1, 2)


def test_every_diagram_reader_uses_the_shared_messages():
    from tda_nn.compare._diagrams import split_diagram
    from tda_nn.features.betti import betti_numbers
    from tda_nn.plotting._inputs import as_bars

    bad = np.array([[0.0, 1.0, 0.0], [1.0, 0.5, 1.0]])
    readers = [
        lambda: betti_numbers(bad),
        lambda: PersistenceEntropy().fit(bad),
        lambda: BettiCurve().fit(bad),
        lambda: split_diagram(bad, 0, name="diagram"),
        lambda: as_bars(bad),
    ]
    tails = set()
    for read in readers:
        with pytest.raises(InputError) as info:
            read()
        tails.add(str(info.value).split(": ", 1)[1])
    assert tails == {"has rows with death < birth, below the diagonal (1 row; first: row 1)"}
    code = "import sys, tda_nn.diagrams; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------
# scalar summaries
# ---------------------------------------------------------------------------------------------
def test_persistence_entropy_hand_computation():
    H = PersistenceEntropy().fit_transform(D)
    assert H.shape == (2, 2)
    np.testing.assert_allclose(H[0, 0], _entropy_bits([1, 2]))
    np.testing.assert_allclose(H[0, 1], _entropy_bits([1.0, 0.6]))
    np.testing.assert_allclose(H[1], [0.0, 0.0])  # one bar per dimension
    Hn = persistence_entropy(D, normalize=True)
    np.testing.assert_allclose(Hn[0, 0], _entropy_bits([1, 2]) / np.log2(3.0))
    empty = np.array([[[0.0, 1.0, 0], [0.2, 0.2, 1]]])
    np.testing.assert_allclose(persistence_entropy(empty), [[0.0, -1.0]])
    assert np.isnan(persistence_entropy(empty, nan_fill_value=None)[0, 1])


def test_total_persistence_number_of_bars_and_amplitudes_by_hand():
    np.testing.assert_allclose(total_persistence(D), [[3.0, 1.6], [3.0, 1.5]])
    np.testing.assert_allclose(total_persistence(D, p=2), [[5.0, 1.36], [9.0, 2.25]])
    np.testing.assert_array_equal(number_of_bars(D), [[2, 2], [1, 1]])
    np.testing.assert_array_equal(NumberOfBars(min_lifetime=0.8).fit_transform(D), [[2, 1], [1, 1]])
    np.testing.assert_allclose(amplitude(D, metric="bottleneck"), [[1.0, 0.5], [1.5, 0.75]])
    np.testing.assert_allclose(
        amplitude(D, metric="wasserstein", metric_params={"p": 1}), [[1.5, 0.8], [1.5, 0.75]]
    )
    np.testing.assert_allclose(
        amplitude(D, metric="wasserstein"), [[np.hypot(0.5, 1.0), np.hypot(0.5, 0.3)], [1.5, 0.75]]
    )
    np.testing.assert_allclose(amplitude(D, metric="bottleneck", order=1), [[1.5], [2.25]])
    # betti amplitude, p=1: the integral of the Betti curve ~ total persistence (fine grid)
    amp = amplitude(D, metric="betti", metric_params={"p": 1, "n_bins": 3001})
    np.testing.assert_allclose(amp, total_persistence(D), atol=3e-3)
    # landscape amplitude, p=1, one layer: area under the top tent = sum of (l/2)^2 for disjoint tents
    one = np.array([[[0.0, 2.0, 0]]])
    amp = amplitude(one, metric="landscape", metric_params={"p": 1, "n_bins": 2001})
    np.testing.assert_allclose(amp, [[1.0]], atol=1e-5)
    with pytest.raises(InputError, match="metric"):
        Amplitude(metric="heat").fit(D)
    with pytest.raises(InputError, match="metric_params"):
        Amplitude(metric="bottleneck", metric_params={"p": 2}).fit(D)


def test_transformers_follow_sklearn_conventions():
    union = make_union(
        PersistenceEntropy(), TotalPersistence(p=2), NumberOfBars(), Amplitude(metric="wasserstein")
    )
    out = union.fit_transform(D)
    assert out.shape == (2, 8)
    names = list(union.get_feature_names_out())
    assert "persistenceentropy__persistence_entropy_h0" in names
    assert "amplitude__amplitude_wasserstein_h1" in names
    for est in (BettiCurve(5), PersistenceEntropy(normalize=True), Amplitude(metric="landscape")):
        fitted = est.fit(D)
        again = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(again.transform(D), fitted.transform(D))
        assert clone(est).get_params() == est.get_params()
    # fixed homology dimensions: absent ones give zero columns
    tp = TotalPersistence(homology_dimensions=[0, 2]).fit(D)
    np.testing.assert_allclose(tp.transform(D), [[3.0, 0.0], [3.0, 0.0]])
    # ragged list of single diagrams
    ragged = [np.array([[0.0, 1.0, 0]]), np.array([[0.0, 2.0, 0], [0.1, 0.4, 1]])]
    np.testing.assert_allclose(total_persistence(ragged), [[1.0, 0.0], [2.0, 0.3]])


def test_summary_records_are_tidy():
    recs = summary_records(D, cloud_ids=["a", "b"])
    assert len(recs) == 4
    assert [(r["cloud"], r["homology_dim"]) for r in recs] == [
        ("a", 0),
        ("a", 1),
        ("b", 0),
        ("b", 1),
    ]
    assert recs[0]["n_bars"] == 2
    np.testing.assert_allclose(recs[1]["total_persistence"], 1.6)
    np.testing.assert_allclose(recs[0]["persistence_entropy"], _entropy_bits([1, 2]))
    np.testing.assert_allclose(recs[2]["amplitude_bottleneck"], 1.5)


# ---------------------------------------------------------------------------------------------
# against giotto-tda (giotto stack only)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gtda_diagrams():
    pytest.importorskip("gtda")
    from gtda.homology import VietorisRipsPersistence

    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    clouds = [rng.normal(size=(40, 3)) for _ in range(3)]
    clouds.append(np.c_[np.cos(angles), np.sin(angles), 0.05 * rng.normal(size=40)])
    return VietorisRipsPersistence(homology_dimensions=(0, 1)).fit_transform(clouds)


@pytest.mark.giotto
def test_matches_giotto_betti_curve(gtda_diagrams):
    from gtda.diagrams import BettiCurve as GBettiCurve

    ours, theirs = (
        BettiCurve(n_bins=30).fit(gtda_diagrams),
        GBettiCurve(n_bins=30).fit(gtda_diagrams),
    )
    for d in (0, 1):
        np.testing.assert_allclose(ours.samplings_[d], theirs.samplings_[d])
    np.testing.assert_array_equal(ours.transform(gtda_diagrams), theirs.transform(gtda_diagrams))
    # with giotto's grid passed explicitly, also on diagrams padded with (0, 0) rows
    curves, _ = betti_curves(D, samplings=GBettiCurve(n_bins=9).fit(D).samplings_)
    np.testing.assert_array_equal(curves, GBettiCurve(n_bins=9).fit_transform(D))


@pytest.mark.giotto
@pytest.mark.parametrize("normalize", [False, True])
def test_matches_giotto_persistence_entropy(gtda_diagrams, normalize):
    from gtda.diagrams import PersistenceEntropy as GEntropy

    for X in (gtda_diagrams, D):
        np.testing.assert_allclose(
            PersistenceEntropy(normalize=normalize).fit_transform(X),
            GEntropy(normalize=normalize).fit_transform(X),
        )


@pytest.mark.giotto
@pytest.mark.parametrize(
    "metric, params",
    [
        ("bottleneck", None),
        ("wasserstein", None),
        ("wasserstein", {"p": 1}),
        ("betti", {"n_bins": 40}),
        ("landscape", {"n_bins": 40, "n_layers": 3, "p": 1}),
    ],
)
def test_matches_giotto_amplitude(gtda_diagrams, metric, params):
    from gtda.diagrams import Amplitude as GAmplitude
    from gtda.diagrams import NumberOfPoints

    for order in (None, 2):
        ours = Amplitude(metric=metric, metric_params=params, order=order).fit_transform(
            gtda_diagrams
        )
        theirs = GAmplitude(metric=metric, metric_params=params, order=order).fit_transform(
            gtda_diagrams
        )
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)
    np.testing.assert_array_equal(
        NumberOfBars().fit_transform(gtda_diagrams), NumberOfPoints().fit_transform(gtda_diagrams)
    )


@pytest.mark.giotto
def test_chains_with_giotto_pipeline(gtda_diagrams):
    from gtda.diagrams import Scaler
    from gtda.homology import VietorisRipsPersistence

    rng = np.random.default_rng(1)
    clouds = [rng.normal(size=(30, 2)) for _ in range(3)]
    pipe = make_pipeline(VietorisRipsPersistence(homology_dimensions=(0, 1)), PersistenceEntropy())
    assert pipe.fit_transform(clouds).shape == (3, 2)
    # giotto's own transformer on our-layout diagrams, then ours on its output
    scaler = Scaler().fit(D)
    ratio = total_persistence(scaler.transform(D)) / total_persistence(D)
    np.testing.assert_allclose(ratio, 1 / scaler.scale_)


# ---------------------------------------------------------------------------------------------
# intrinsic dimension
# ---------------------------------------------------------------------------------------------
def _sphere(n, d, ambient, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d + 1))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q, _ = np.linalg.qr(rng.normal(size=(ambient, d + 1)))
    return x @ q.T


@pytest.mark.parametrize("d", [2, 5, 10])
def test_twonn_recovers_sphere_dimension(d):
    est = twonn_dimension(_sphere(2500, d, 20, seed=d))
    assert abs(est - d) < 0.15 * d


@pytest.mark.parametrize("d", [2, 5])
def test_twonn_recovers_cube_dimension(d):
    rng = np.random.default_rng(10 + d)
    cube = rng.uniform(size=(2500, d))
    q, _ = np.linalg.qr(rng.normal(size=(30, d)))
    assert abs(twonn_dimension(cube @ q.T) - d) < 0.15 * d


def test_twonn_duplicates_and_collection():
    X = _sphere(1500, 3, 6, seed=0)
    est, info = twonn_dimension(X, return_info=True)
    dup = np.vstack([X, X[:100], X[:10]])
    est_dup, info_dup = twonn_dimension(dup, return_info=True)
    assert info["n_duplicates"] == 0 and info_dup["n_duplicates"] == 110
    assert est_dup == pytest.approx(est)
    assert info["n_used"] == int(np.floor(1500 * 0.9)) and 0.9 < info["r2"] <= 1.0
    dims = intrinsic_dimensions([X, _sphere(1500, 1, 4, seed=1)])
    assert dims.shape == (2,) and abs(dims[1] - 1) < 0.15
    with pytest.warns(UserWarning, match="110 duplicate"):
        out = IntrinsicDimension().fit_transform([dup])
    assert out.shape == (1, 1) and out[0, 0] == pytest.approx(est)
    with pytest.raises(InputError, match="at least 3 distinct"):
        twonn_dimension(np.zeros((10, 2)))
    with pytest.raises(InputError, match="method"):
        IntrinsicDimension(method="mle").fit([X])


# ---------------------------------------------------------------------------------------------
# linear probe
# ---------------------------------------------------------------------------------------------
def test_linear_probe_separable_versus_xor_and_circles():
    from sklearn.datasets import make_blobs, make_circles

    Xb, yb = make_blobs(n_samples=200, centers=[[-5, 0], [5, 0]], cluster_std=0.5, random_state=0)
    assert linear_probe_accuracy(Xb, yb) == 1.0
    rng = np.random.default_rng(0)
    Xx = rng.uniform(-1, 1, size=(400, 2))
    yx = (Xx[:, 0] * Xx[:, 1] > 0).astype(int)
    assert linear_probe_accuracy(Xx, yx) < 0.7
    Xc, yc = make_circles(n_samples=400, factor=0.4, noise=0.05, random_state=0)
    assert linear_probe_accuracy(Xc, yc) < 0.7
    # the same points lifted by (x, y) -> (x, y, x^2 + y^2) become separable
    lifted = np.c_[Xc, (Xc**2).sum(axis=1)]
    scores = linear_probe_scores({"input": Xc, "lifted": lifted}, yc)
    assert scores.shape == (2,) and scores[0] < 0.7 and scores[1] == 1.0


def test_linear_probe_input_checks():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(7, 2)), rng.normal(size=(3, 2)) + 10.0]
    with pytest.raises(InputError, match="at least 2 classes"):
        linear_probe_accuracy(X, np.zeros(10))
    with pytest.raises(InputError, match="labels"):
        linear_probe_accuracy(X, np.zeros(9))
    # a class of 3 points lowers the number of folds to 3 instead of failing
    y = np.r_[np.zeros(7), np.ones(3)]
    assert linear_probe_accuracy(X, y, cv=5) == 1.0


# ---------------------------------------------------------------------------------------------
# class-conditional clouds
# ---------------------------------------------------------------------------------------------
def test_split_by_class_order_and_content():
    labels = np.array([2, 0, 2, 1, 0, 2])
    layers = {"fc1": np.arange(12.0).reshape(6, 2), "fc2": np.arange(18.0).reshape(6, 3)}
    with pytest.warns(UserWarning, match="fewer than 2 points"):
        out = split_by_class(layers, labels)
    assert out.skipped == [("fc1", 1, 1), ("fc2", 1, 1)]
    assert list(out) == [("fc1", 0), ("fc1", 2), ("fc2", 0), ("fc2", 2)]
    np.testing.assert_array_equal(out["fc1", 2], [[0, 1], [4, 5], [10, 11]])
    np.testing.assert_array_equal(out.indices["fc2", 0], [1, 4])
    kept = split_by_class(layers, labels, min_points=1, classes=[2, 1, 7], warn=False)
    assert list(kept) == [("fc1", 1), ("fc1", 2), ("fc2", 1), ("fc2", 2)]
    assert kept.skipped == [("fc1", 7, 0), ("fc2", 7, 0)]
    assert kept.records()[0]["n_points"] == 1


def test_split_by_class_without_labels_lists_and_errors():
    cube = np.zeros((4, 2, 3))
    out = split_by_class([np.ones((4, 2)), cube])
    assert list(out) == [(0, "all"), (1, "all")]
    assert out[1, "all"].shape == (4, 6)
    with pytest.raises(InputError, match="layer 1: 4 points but 3 labels"):
        split_by_class([np.ones((3, 2)), cube], [0, 1, 1])


def test_predicted_labels():
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.0]])
    np.testing.assert_array_equal(predicted_labels(logits), [1, 0])
    np.testing.assert_array_equal(predicted_labels(np.array([[-0.5], [0.7]])), [0, 1])
    np.testing.assert_array_equal(predicted_labels([0.2, 0.9], threshold=0.5), [0, 1])

    class FakeTensor:  # the torch.Tensor methods predicted_labels relies on, without torch
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    np.testing.assert_array_equal(predicted_labels(FakeTensor(logits * 2)), [1, 0])


def test_import_is_cheap():
    code = (
        "import sys, tda_nn.features, tda_nn.datasets;"
        "print(any(m in sys.modules for m in ('sklearn', 'torch', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_no_warnings_on_plain_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BettiCurve(10).fit_transform(D)
        PersistenceEntropy().fit_transform(D)

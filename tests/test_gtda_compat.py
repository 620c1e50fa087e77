"""tda_nn.gtda: giotto-tda's signatures and defaults; its documented pipelines run on ours.

The signature tests run on both stacks (giotto-tda's 0.6.2 signatures are written out here);
the pipelines run on the giotto stack only (marked ``giotto``), once with giotto-tda's imports
and once with ours, on the same clouds.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline, make_union

from tda_nn.gtda import diagrams as gd
from tda_nn.gtda import homology as gh

#: giotto-tda 0.6.2's signatures (``inspect.signature``), metric_params={} written as None
GTDA_SIGNATURES = {
    gh.VietorisRipsPersistence: "(metric='euclidean', metric_params=None, homology_dimensions=(0, 1), "
    "collapse_edges=False, coeff=2, max_edge_length=inf, infinity_values=None, "
    "reduced_homology=True, n_jobs=None)",
    gd.PersistenceEntropy: "(normalize=False, nan_fill_value=-1.0, n_jobs=None)",
    gd.Amplitude: "(metric='landscape', metric_params=None, order=None, n_jobs=None)",
    gd.NumberOfPoints: "(n_jobs=None)",
    gd.BettiCurve: "(n_bins=100, n_jobs=None)",
}


def _signature(cls) -> str:
    sig = inspect.signature(cls)
    return "(" + ", ".join(f"{p.name}={p.default!r}" for p in sig.parameters.values()) + ")"


@pytest.mark.parametrize("cls", list(GTDA_SIGNATURES), ids=lambda c: c.__name__)
def test_signatures_are_giotto_tdas(cls):
    assert _signature(cls) == GTDA_SIGNATURES[cls]
    est = cls()
    assert clone(est).get_params() == est.get_params()


def make_point_clouds(n_samples_per_shape: int, n_points: int, noise: float, seed: int = 0):
    """Circles, spheres and tori with uniform noise, labels 0, 1, 2: giotto-tda's generator.

    As ``examples/data/generate_datasets.py`` of giotto-tda, used by its quickstart
    ("Topological feature extraction using VietorisRipsPersistence and PersistenceEntropy"),
    with a seeded generator.
    """
    rng = np.random.default_rng(seed)
    grid = [(t, s) for t in range(n_points) for s in range(n_points)]
    shapes = [
        lambda t, s: [np.sin(t * n_points + s), np.cos(t * n_points + s), 0.0],
        lambda t, s: [np.cos(s) * np.cos(t), np.cos(s) * np.sin(t), np.sin(s)],
        lambda t, s: [(2 + np.cos(s)) * np.cos(t), (2 + np.cos(s)) * np.sin(t), np.sin(s)],
    ]
    clouds, labels = [], []
    for label, shape in enumerate(shapes):
        base = np.asarray([shape(t, s) for t, s in grid])
        for _ in range(n_samples_per_shape):
            clouds.append(base + noise * rng.random((n_points**2, 3)))
            labels.append(label)
    return np.asarray(clouds), np.asarray(labels)


def _quickstart(VietorisRipsPersistence, PersistenceEntropy, clouds, labels):
    """giotto-tda's quickstart pipeline, verbatim but for the fixed random states."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split

    steps = [
        VietorisRipsPersistence(homology_dimensions=[0, 1, 2]),
        PersistenceEntropy(),
        RandomForestClassifier(random_state=0),
    ]
    pipeline = make_pipeline(*steps)
    pcs_train, pcs_valid, labels_train, labels_valid = train_test_split(
        clouds, labels, random_state=0
    )
    pipeline.fit(pcs_train, labels_train)
    return pipeline, pipeline.predict(pcs_valid), pipeline.score(pcs_valid, labels_valid), pcs_valid


def _union(VietorisRipsPersistence, PersistenceEntropy, NumberOfPoints, Amplitude, clouds):
    """giotto-tda's "classifying shapes" feature union (its metrics that tda-nn has)."""
    metrics = [{"metric": m} for m in ["bottleneck", "wasserstein", "landscape", "betti"]]
    feature_union = make_union(
        PersistenceEntropy(normalize=True),
        NumberOfPoints(n_jobs=2),
        *[Amplitude(**metric, n_jobs=2) for metric in metrics],
        Amplitude(),  # giotto-tda's default metric, landscape
    )
    pipe = make_pipeline(VietorisRipsPersistence(homology_dimensions=[0, 1, 2]), feature_union)
    return pipe.fit_transform(clouds)


@pytest.fixture(scope="module")
def shapes():
    return make_point_clouds(6, 10, 0.1)


@pytest.mark.giotto
def test_giotto_quickstart_runs_unchanged_with_our_imports(shapes):
    gtda_diagrams = pytest.importorskip("gtda.diagrams")
    gtda_homology = pytest.importorskip("gtda.homology")
    clouds, labels = shapes
    theirs = _quickstart(gtda_homology.VietorisRipsPersistence, gtda_diagrams.PersistenceEntropy,
                         clouds, labels)
    ours = _quickstart(gh.VietorisRipsPersistence, gd.PersistenceEntropy, clouds, labels)
    # the features: persistence entropy of H0, H1, H2 of every cloud
    feats = [p[:-1].transform(theirs[3]) for p in (theirs[0], ours[0])]
    assert feats[0].shape == feats[1].shape == (len(theirs[3]), 3)
    np.testing.assert_allclose(feats[1], feats[0], rtol=1e-6, atol=1e-9)
    # the same features give the same forest, so the same predictions and score
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2] == theirs[2]
    # the diagrams themselves, row by row (rows sorted; both computed by giotto-ph)
    d_theirs = theirs[0][0].transform(theirs[3])
    d_ours = ours[0][0].transform(theirs[3])
    assert d_ours.shape == d_theirs.shape
    for a, b in zip(d_ours, d_theirs, strict=True):
        np.testing.assert_allclose(np.unique(a, axis=0), np.unique(b, axis=0), atol=1e-6)


@pytest.mark.giotto
def test_giotto_feature_union_gives_the_same_numbers(shapes):
    gtda_diagrams = pytest.importorskip("gtda.diagrams")
    gtda_homology = pytest.importorskip("gtda.homology")
    clouds = shapes[0][::3]
    theirs = _union(gtda_homology.VietorisRipsPersistence, gtda_diagrams.PersistenceEntropy,
                    gtda_diagrams.NumberOfPoints, gtda_diagrams.Amplitude, clouds)
    ours = _union(gh.VietorisRipsPersistence, gd.PersistenceEntropy, gd.NumberOfPoints,
                  gd.Amplitude, clouds)
    assert ours.shape == theirs.shape == (len(clouds), 3 * 7)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


@pytest.mark.giotto
def test_infinity_values_and_threshold_as_giotto_tda(shapes):
    gtda_homology = pytest.importorskip("gtda.homology")
    clouds = shapes[0][:2]
    kw = dict(homology_dimensions=(0, 1), max_edge_length=0.4, infinity_values=9.0)
    ours = gh.VietorisRipsPersistence(**kw).fit_transform(clouds)
    theirs = gtda_homology.VietorisRipsPersistence(**kw).fit_transform(clouds)
    assert ours.shape == theirs.shape and (theirs[:, :, 1] == 9.0).any()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.unique(a, axis=0), np.unique(b, axis=0), atol=1e-6)


def test_pipeline_set_output_pandas_names_the_columns(shapes):
    import pandas as pd
    clouds = shapes[0][::6]
    pipe = make_pipeline(gh.VietorisRipsPersistence(), gd.PersistenceEntropy()).set_output(
        transform="pandas"
    )
    out = pipe.fit_transform(clouds)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["persistence_entropy_h0", "persistence_entropy_h1"]
    assert list(pipe.get_feature_names_out()) == list(out.columns)
    plain = make_pipeline(gh.VietorisRipsPersistence(), gd.PersistenceEntropy()).fit_transform(
        clouds
    )
    np.testing.assert_array_equal(out.to_numpy(), plain)

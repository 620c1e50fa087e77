"""The calibration/validation suite of benchmarks/betti_suite.py: builds, is well formed, and its
clouds are what the cases declare (cheap ground-truth checks; no homology is computed)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import betti_suite  # noqa: E402  (benchmarks/, put on the path above)

CASES = betti_suite.CASES


def test_splits_are_disjoint_and_fixed():
    cal = betti_suite.split_seeds("calibration")
    val = betti_suite.split_seeds("validation")
    hold = betti_suite.split_seeds("holdout")
    test = betti_suite.split_seeds("test")
    fresh = betti_suite.split_seeds("fresh")
    assert cal == (0, 1) and val == (100, 101, 102)
    assert hold == (200, 201, 202) and test == (300, 301, 302) and fresh == (400, 401, 402)
    splits = [set(betti_suite.split_seeds(s)) for s in betti_suite.SPLITS]
    assert len(splits) == 5
    assert sum(len(s) for s in splits) == len(set().union(*splits))
    with pytest.raises(ValueError):
        betti_suite.split_seeds("final")


def test_cases_are_well_formed():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert {c.category for c in CASES} == set(betti_suite.CATEGORIES)
    assert len(CASES) * len(betti_suite.VALIDATION_SEEDS) >= 230
    for c in CASES:
        assert c.name.startswith(c.category + "/")
        assert len(c.truth) == 3 and c.maxdim in (1, 2)
        assert all(t is None or (isinstance(t, int) and t >= 0) for t in c.truth)
        assert c.truth[0] is not None and c.truth[0] >= 1 and c.truth[1] is not None
        # H2 is computed exactly where it is scored, and only on clouds that are cheap for it
        assert (c.truth[2] is not None) == (c.maxdim == 2), c.name
        if c.maxdim == 2:
            assert c.n <= 1000, c.name
        assert 150 <= c.n <= 5000, c.name
        assert not c.hard or c.note, f"{c.name}: a hard case says why"
        if c.category == "blob":
            assert c.truth[:2] == (1, 0)


def test_every_cloud_is_finite_with_its_declared_shape():
    seed = betti_suite.CALIBRATION_SEEDS[0]
    for c in CASES:
        X = c.make(seed)
        assert X.dtype == np.float64 and X.shape == (c.n, c.d), c.name
        assert np.isfinite(X).all(), c.name


def test_clouds_are_functions_of_the_seed():
    for name in ("blob/gauss-d2-n500", "manifold/tadasets-torus-n1000",
                 "manifold/gudhi-sphere-n800", "ambient/circle-w64-n1000"):
        c = betti_suite.case_by_name(name)
        a, b, v = c.make(0), c.make(0), c.make(100)
        np.testing.assert_array_equal(a, b)
        assert not np.allclose(a, v), name


def test_build_pairs_every_case_with_the_split_seeds(monkeypatch):
    small = [betti_suite.case_by_name("blob/noise-box-d2-n300"),
             betti_suite.case_by_name("anisotropy/ellipse-30to1-n300")]
    monkeypatch.setattr(betti_suite, "CASES", small)
    out = betti_suite.build("validation")
    assert [(c.name, s) for c, s, _ in out] == [
        (c.name, s) for c in small for s in betti_suite.VALIDATION_SEEDS
    ]
    assert all(X.shape == (c.n, c.d) for c, _, X in out)


def test_klein_bottle_lies_on_its_embedding():
    X = betti_suite.case_by_name("manifold/klein-r4-n300").make(0)  # noise-free case
    x, y, z, w = X.T
    rho = np.hypot(x, y)
    # the tube: (rho - R)^2 + z^2 + w^2 = r^2, with R = 2, r = 1
    np.testing.assert_allclose((rho - 2.0) ** 2 + z**2 + w**2, 1.0, atol=1e-9)
    # (z, w) points along (cos(u/2), sin(u/2)), u = atan2(y, x): either branch of u/2 works
    u = np.arctan2(y, x)
    np.testing.assert_allclose(z * np.sin(u / 2) - w * np.cos(u / 2), 0.0, atol=1e-9)
    # u and u + 2 pi give the same point: the embedding is well defined (the Klein gluing)
    uu = np.linspace(0, 2 * np.pi, 7)
    vv = np.linspace(0.3, 5.0, 7)
    np.testing.assert_allclose(betti_suite.klein_bottle(uu + 2 * np.pi, -vv),
                               betti_suite.klein_bottle(uu, vv), atol=1e-12)


def test_rp2_identifies_antipodes_only():
    S = np.random.default_rng(0).standard_normal((200, 3))
    S /= np.linalg.norm(S, axis=1, keepdims=True)
    for f in (betti_suite.rp2_veronese, betti_suite.rp2_r4):
        np.testing.assert_allclose(f(S), f(-S), atol=1e-12)
        D = np.linalg.norm(f(S)[:, None] - f(S)[None], axis=2)
        np.fill_diagonal(D, np.inf)
        assert D.min() > 1e-3  # distinct lines stay distinct
    # the Veronese map is x x^T: trace 1, rank 1
    V = betti_suite.rp2_veronese(S)
    np.testing.assert_allclose(V[:, :3].sum(axis=1), 1.0)
    X = betti_suite.case_by_name("manifold/rp2-veronese-r6-n300").make(0)
    np.testing.assert_allclose(X[:, :3].sum(axis=1), 1.0)
    np.testing.assert_allclose(X[:, 3] ** 2, 2 * X[:, 0] * X[:, 1], atol=1e-12)


def test_outlier_fraction_is_as_declared():
    rng = np.random.default_rng(1)
    t = rng.uniform(0, 2 * np.pi, 800)
    X = np.column_stack([np.cos(t), np.sin(t)])
    Y = betti_suite.add_outliers(X, 0.05, rng)
    assert Y.shape == X.shape
    np.testing.assert_array_equal(Y[:760], X[:760])
    off = np.abs(np.linalg.norm(Y, axis=1) - 1) > 1e-9
    assert off.sum() == 40 and off[760:].all()
    lo, hi = X[:760].min(axis=0), X[:760].max(axis=0)
    assert (Y[760:] >= lo - 0.05 * (hi - lo)).all() and (Y[760:] <= hi + 0.05 * (hi - lo)).all()
    for c in CASES:
        if c.category == "outliers":
            frac = c.params["outlier_fraction"]
            assert frac in (0.01, 0.02, 0.05)
            assert c.params["n_outliers"] == round(frac * c.n)


def test_circle_outlier_case_has_its_outliers():
    c = betti_suite.case_by_name("outliers/circle-5%-n800")
    X = c.make(0)
    k = c.params["n_outliers"]
    # shape points have noise 0.02: none is 0.15 off the circle, most outliers are
    r = np.abs(np.linalg.norm(X, axis=1) - 1)
    assert (r[:-k] < 0.15).all()
    assert (r[-k:] > 0.15).sum() > k / 3


@pytest.mark.parametrize("jitter", [1e-6, 1e-4, 1e-3, 1e-2])
def test_jitter_magnitude_is_as_declared(jitter):
    rng = np.random.default_rng(2)
    base = rng.standard_normal((400, 16))
    X, idx = betti_suite.add_duplicates(base, jitter, rng)
    counts = np.bincount(idx, minlength=400)
    assert counts.min() >= 2 and counts.max() <= 10
    rms = np.sqrt(np.mean(np.sum((X - base[idx]) ** 2, axis=1)))
    assert 0.95 * jitter < rms < 1.05 * jitter


def test_duplicate_cases_hold_near_duplicates():
    for c in CASES:
        if c.category != "duplicates" or "jitter" not in c.params:
            continue
        X = c.make(0)
        D = np.linalg.norm(X[:, None] - X[None], axis=2) if c.n <= 300 else None
        if D is None:
            continue
        np.fill_diagonal(D, np.inf)
        nearest = D.min(axis=1)
        # most points have a copy within a few jitters
        assert np.median(nearest) < 5 * c.params["jitter"], c.name
        if c.params.get("exact"):
            assert c.n <= 300


def test_collapse_cases_put_30_percent_on_one_point():
    for name, at_center in (("duplicates/circle-30pct-on-one-point-n1000", False),
                            ("duplicates/circle-30pct-at-center-n1000", True)):
        X = betti_suite.case_by_name(name).make(0)
        centre = np.zeros(2) if at_center else X[0]
        near = np.linalg.norm(X - centre, axis=1) < 1e-2
        assert near.sum() == pytest.approx(300 + (not at_center), abs=5)


def test_collapse_keeps_the_whole_figure_eight():
    """The collapsed rows are random: the rest still runs along the whole curve (the points of
    ``infty_sign`` come in curve order, so collapsing the last 30 % would cut out an arc)."""
    X = betti_suite.case_by_name("duplicates/figure-eight-w64-30pct-on-one-point-n1500").make(0)
    centre = X[0]
    rest = X[np.linalg.norm(X - centre, axis=1) > 1e-2]
    assert len(rest) == pytest.approx(1050, abs=5)
    # both loops are still there (ripser, 300 greedy landmarks): no arc was cut out
    from ripser import ripser

    h1 = ripser(rest, maxdim=1, n_perm=300)["dgms"][1]
    assert np.count_nonzero(h1[:, 1] - h1[:, 0] > 0.3) == 2


def test_duplicated_figure_eight_is_one_figure_eight():
    """Topping up to n repeats the same sample: one figure eight of 60 points, not two rotated."""
    from scipy.cluster.hierarchy import fcluster, linkage

    case = betti_suite.case_by_name("duplicates/figure-eight-small-jitter1e-4-n280")
    for seed in (0, 201):
        X = case.make(seed)
        # copies of one base point lie within a few 1e-4 of each other, base points ~0.1 apart
        labels = fcluster(linkage(X, "single"), 2e-3, criterion="distance")
        assert len(np.unique(labels)) <= 60, seed


def test_gudhi_clouds_are_the_same_in_every_process():
    """GUDHI's compiled generators cannot be seeded: their clouds are stored, so a fresh
    interpreter builds the same cloud."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; sys.path.insert(0, sys.argv[1]); import betti_suite; "
            "print(betti_suite.case_by_name('manifold/gudhi-sphere-n800').make(300).tobytes().hex()"
            "[:4000])")
    here = str(Path(betti_suite.__file__).resolve().parent)
    runs = {subprocess.run([sys.executable, "-c", code, here], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1
    with pytest.raises(KeyError, match="make-gudhi-clouds"):
        betti_suite._gudhi("sphere", 800, 3, np.random.default_rng([999_999, 1]))

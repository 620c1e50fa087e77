"""Out-of-core landmarks (layers read by blocks of rows) against the in-memory path."""

from __future__ import annotations

import numpy as np
import pytest

from tda_nn.errors import InputError
from tda_nn.homology.chunked import ArrayRows, ChunkedCloud, open_chunked
from tda_nn.homology.metrics import metric_space
from tda_nn.homology.outofcore import ChunkedEuclidean
from tda_nn.homology.subsample import maxmin_landmarks, random_subsample
from tda_nn.homology.unit import compute_persistence
from tda_nn.io import save_activations


def _circle(n: int = 6000, d: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[np.cos(t), np.sin(t)] @ rng.normal(size=(2, d)) + 0.05 * rng.normal(size=(n, d))
    return X.astype(np.float32)


def _same(a, b) -> None:
    """Bit for bit: landmarks, covering radius, masses, cell radii, diagram."""
    assert np.array_equal(a.indices, b.indices)
    assert a.covering_radius == b.covering_radius
    assert np.array_equal(a.masses, b.masses)
    assert np.array_equal(a.cell_radii, b.cell_radii)
    assert np.array_equal(a.diagram, b.diagram)


@pytest.mark.parametrize("fmt", ["zarr", "h5", "safetensors"])
def test_stored_layer_gives_the_in_memory_result(tmp_path, fmt):
    X = _circle()
    path = tmp_path / f"acts.{fmt}"
    save_activations(path, {"layer": X})
    cloud = open_chunked(path, "layer", block_bytes=64 * 1024)
    assert len(cloud.blocks()) > 1
    ref = compute_persistence(X, n_landmarks=100)
    out = compute_persistence(cloud, n_landmarks=100)
    _same(ref, out)
    assert ref.bars(1).shape[0] >= 1 and (ref.bars(1)[:, 1] - ref.bars(1)[:, 0]).max() > 1.0


def test_many_passes_same_landmarks_and_cells():
    """With few candidates the selection needs many passes and still matches memory exactly."""
    X = _circle(n=5000, d=3, seed=1)
    ref = maxmin_landmarks(metric_space(X, "euclidean"), 150)
    space = ChunkedEuclidean(ChunkedCloud(ArrayRows(X), block_bytes=8 * 1024),
                             candidate_bytes=1024 * 3 * 4)
    out = space.maxmin(150)
    assert space.stats.n_passes >= 5 and space.stats.n_candidates == 1024
    assert np.array_equal(ref.indices, out.indices)
    assert ref.covering_radius == out.covering_radius
    assert np.array_equal(ref.masses, out.masses) and out.masses.sum() == 5000
    assert np.array_equal(ref.radii, out.radii) and out.radii.max() == out.covering_radius


def test_greedy_is_exact_up_to_float32_rounding():
    """Each landmark is the farthest point from the earlier ones, up to float32 rounding."""
    X = _circle(n=4000, d=64, seed=2)
    space = ChunkedEuclidean(ChunkedCloud(ArrayRows(X), block_bytes=16 * 1024),
                             candidate_bytes=1024 * 64 * 4)
    sub = space.maxmin(120)
    E = X.astype(np.float64) - X.mean(axis=0, dtype=np.float64)
    mind = np.linalg.norm(E - E[sub.indices[0]], axis=1)
    tol = 3 * np.finfo(np.float32).eps * float((E**2).sum(axis=1).max())
    for j in sub.indices[1:]:
        assert mind[j] >= mind.max() - tol
        mind = np.minimum(mind, np.linalg.norm(E - E[j], axis=1))
    assert abs(mind.max() - sub.covering_radius) < 1e-9


def test_random_subsample_matches_memory():
    X = _circle(n=3000)
    ref = random_subsample(metric_space(X, "euclidean"), 80, 5)
    out = ChunkedEuclidean(ChunkedCloud(ArrayRows(X), block_bytes=32 * 1024)).random(80, 5)
    assert np.array_equal(ref.indices, out.indices)
    assert ref.covering_radius == out.covering_radius


def test_seeded_first_landmark_matches_memory():
    X = _circle(n=3000)
    cloud = ChunkedCloud(ArrayRows(X), block_bytes=32 * 1024)
    _same(compute_persistence(X, n_landmarks=60, random_state=7),
          compute_persistence(cloud, n_landmarks=60, random_state=7))


def test_run_store_layer_is_read_by_blocks(tmp_path):
    from tda_nn.io import RunStore

    X = _circle(n=2000)
    store = RunStore.create(tmp_path / "run", layer_names=["fc"], n_samples=2000)
    store.write_activations(0, "fc", X)
    store.mark_complete(0)
    cloud = open_chunked(tmp_path / "run", "fc", block_bytes=16 * 1024)
    assert type(cloud.source).__name__ == "MemmapRows"
    _same(compute_persistence(X, n_landmarks=50), compute_persistence(cloud, n_landmarks=50))


def test_refusals_name_the_layer_and_the_option(tmp_path):
    X = _circle(n=7000, d=4)
    save_activations(tmp_path / "a.zarr", {"enc/0": X})
    cloud = open_chunked(tmp_path / "a.zarr", "enc/0")
    with pytest.raises(InputError, match=r"a\.zarr: layer 'enc/0'.*metric='cosine'.*euclidean"):
        compute_persistence(cloud, metric="cosine")
    with pytest.raises(InputError, match=r"'enc/0'.*subsample=None.*subsample='auto'"):
        compute_persistence(cloud, subsample=None)
    bad = X.copy()
    bad[4321, 2] = np.nan
    save_activations(tmp_path / "b.zarr", {"fc": bad})
    with pytest.raises(InputError, match=r"b\.zarr: layer 'fc': row 4321 contains NaN"):
        compute_persistence(open_chunked(tmp_path / "b.zarr", "fc"))


def test_dask_cluster_gives_the_local_result(tmp_path):
    import distributed
    X = _circle(n=4000)
    save_activations(tmp_path / "a.zarr", {"layer": X})
    cloud = open_chunked(tmp_path / "a.zarr", "layer", block_bytes=64 * 1024)
    local = compute_persistence(cloud, n_landmarks=80)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = compute_persistence(cloud, n_landmarks=80, scheduler=cluster.scheduler_address)
    _same(local, remote)
    _same(local, compute_persistence(X, n_landmarks=80))


def test_persistence_job_reads_a_large_layer_by_blocks(tmp_path):
    """A layer above max_cloud_bytes is measured out of core: the in-memory diagram, no warning."""
    import warnings

    from tda_nn.analysis.api import persistence_job
    from tda_nn.analysis.memory import unit_bytes
    from tda_nn.analysis.units import TopologyParams

    X = _circle(n=4000, d=16)
    save_activations(tmp_path / "a.zarr", {"fc": X})
    small = TopologyParams(max_cloud_bytes=4000 * 16, intrinsic_dimension=False,
                           linear_probe=False)
    assert unit_bytes(4000, 16, small) > unit_bytes(4000, 16, TopologyParams())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        persistence_job(tmp_path / "a.zarr", tmp_path / "out", params=small, progress=False,
                        log=None)
    with np.load(tmp_path / "out" / "diagrams.npz") as data:
        (diagram,) = [data[k] for k in data.files]
    assert np.array_equal(diagram, compute_persistence(X, random_state=small.random_state).diagram)


def test_exact_cells_match_brute_force_far_from_the_origin():
    """Cells by float64 argmin (ties to the earlier landmark) and exact cell radii, on a cloud
    far from its centroid's scale with duplicated rows (exact ties)."""
    from tda_nn.homology.metrics import owner_distances
    from tda_nn.homology.outofcore import centred32, exact_cells

    rng = np.random.default_rng(3)
    X = (rng.normal(size=(3000, 48)) + 500.0).astype(np.float32)
    X[1500:1600] = X[:100]
    shift = X.mean(axis=0, dtype=np.float64)
    E = X.astype(np.float64) - shift
    sq = np.einsum("ij,ij->i", E, E)
    idx = np.r_[0, 1500, rng.choice(3000, 60, replace=False)]  # 1500 duplicates 0
    L = E[idx]
    cover, cell = exact_cells(X, sq, shift, L)
    d = np.sqrt(((E[:, None, :] - L[None, :, :]) ** 2).sum(axis=2))
    ref = d.argmin(axis=1)
    assert np.array_equal(cell, ref) and not (cell == 1).any()  # the duplicate loses its tie
    exact = owner_distances(E, L, ref)
    for k in np.unique(ref):
        assert cover[ref == k].max() == exact[ref == k].max()
    assert np.all(cover <= exact.max())
    assert centred32(X, shift).dtype == np.float32
    assert np.array_equal(centred32(X, shift), (X.astype(np.float64) - shift).astype(np.float32))


def test_candidates_break_ties_by_index():
    """The candidates are the top points by (-mind, index), whatever the blocks returned."""
    X = _circle(n=500, d=4)
    space = ChunkedEuclidean(ChunkedCloud(ArrayRows(X), block_bytes=4 * 1024))
    mind = np.zeros(500)
    mind[[7, 300, 499]] = 5.0
    mind[[3, 100, 200, 400]] = 2.0  # four-way tie for the last two places
    chosen, rows, tau = space._candidates(mind, np.array([400, 7]), X[[400, 7]], 5)
    assert chosen.tolist() == [3, 7, 100, 300, 499] and tau == 2.0
    assert np.array_equal(rows, X[chosen])

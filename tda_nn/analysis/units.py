"""Units of work for topology measurements: one (run, step, layer, class) point cloud each.

A unit is small and picklable: it says where its cloud lives (a saved-activations file or a run store,
a layer, a step, the row indices of its class), not the cloud itself. ``measure_unit`` is a pure function
of the unit and the parameters: it loads the cloud (memory-mapped), computes persistence and features,
writes its result atomically to ``OUT/units/<key>.npz`` and returns the table rows. A unit whose result
file exists with the same parameters is read back instead of recomputed, which is what makes every
job resumable after a kill.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn._atomic import write_npz
from tda_nn.analysis.measures import measure_cloud
from tda_nn.analysis.trimming import OUTLIER_RATIO
from tda_nn.errors import InputError, StoreError
from tda_nn.homology.params import PersistenceParams
from tda_nn.names import escape_key

#: A cloud larger than this many bytes (float32) is randomly subsampled by rows before anything else,
#: with a warning; the persistence computation itself uses landmarks far below this size.
MAX_CLOUD_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class TopologyParams(PersistenceParams):
    """Everything that determines a unit's result (hashed into every result file).

    The persistence fields (``homology_dimensions`` .. ``coeff``, first and in this order) and
    their validation, defaults and dict form are :class:`~tda_nn.homology.params.PersistenceParams`'
    own; the fields below are the job's (Betti rule, companion measures, memory).

    Parameters
    ----------
    homology_dimensions : tuple of int
        Homology dimensions to compute, e.g. ``(0, 1)``.
    metric : {"euclidean", "cosine", "knn_geodesic", "precomputed"}
        Metric of the clouds (see :func:`tda_nn.homology.metric_space`).
    metric_params : tuple of (str, value) pairs
        The metric's parameters as sorted items (hashable), e.g. ``(("n_neighbors", 14),)``.
    subsample : {"auto", "maxmin", "random", "none"}
        As in :func:`tda_nn.homology.compute_persistence`.
    n_landmarks : int or None
        Subsample size; None: the library default (300).
    max_edge_length : float or None
        Rips threshold; None: the full filtration.
    backend : {"giotto-ph", "ripser", "gudhi", "giotto-tda"}
        Persistence backend.
    coeff : int
        Prime ``p``: homology with coefficients in Z/pZ.
    betti_method : {"significant", "auto", "test", "scale"}
        Which answer fills the ``betti`` column (``tda-nn persistence`` passes ``"auto"``, its
        default; see ``docs/betti-numbers.md``).
    betti_scale : float or None
        Scale for ``betti_method="scale"``.
    alpha : float
        Level of the universal-null test.
    correction : {"bonferroni", "holm", "bh"}
        Multiple-testing correction of the test.
    stability_seeds : int
        Landmark seeds besides the default whose answers give ``betti_seed_min`` /
        ``betti_seed_max`` (0: not checked).
    intrinsic_dimension : bool
        Compute the TwoNN intrinsic dimension of each cloud.
    linear_probe : bool
        Compute the linear-probe accuracy of each whole cloud (needs labels).
    outlier_ratio : float
        Points whose outlier ratio (mean distance to their 10 nearest neighbours over the median
        of that mean among the neighbours) is above this are trimmed and the cloud is measured
        again; each ``beta_k`` (k >= 1) is the larger answer (:mod:`tda_nn.analysis.trimming`;
        0: off).
    denser_look : bool
        Where the top H1 bars of a landmark cloud stand apart from the rest, look again with
        twice the landmarks and count them if they stand further apart and grew
        (:mod:`tda_nn.analysis.denser_look`).
    random_state : int
        Seed of the subsamples (landmarks, random row subsamples, companion rows).
    max_cloud_bytes : int
        A whole layer larger than this is read by blocks (out of core) where its format allows,
        else randomly subsampled by rows with a warning; default 2 GiB.
    """

    betti_method: str = "significant"
    betti_scale: float | None = None
    alpha: float = 0.05
    correction: str = "bonferroni"
    stability_seeds: int = 0
    intrinsic_dimension: bool = True
    linear_probe: bool = True
    outlier_ratio: float = OUTLIER_RATIO
    denser_look: bool = True
    random_state: int = 0
    max_cloud_bytes: int = MAX_CLOUD_BYTES

    def __post_init__(self) -> None:
        super().__post_init__()
        ratio = self.outlier_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not (
            ratio == 0 or 1 < ratio < float("inf")
        ):
            raise InputError(f"outlier_ratio must be 0 (off) or a number > 1, got {ratio!r}")
        object.__setattr__(self, "outlier_ratio", float(ratio))

    def digest(self) -> str:
        """A short hash of the parameters; results computed under other parameters are not reused."""
        blob = json.dumps(self.as_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class Unit:
    """One point cloud to measure.

    Parameters
    ----------
    run : str
        Training run the cloud comes from (``"activations"`` for saved activations).
    step : int
        Captured training step; ``-1`` for saved activations (no step).
    layer : str
        Layer name.
    layer_index : int
        Position of the layer in the model's layer order (sorts the table).
    cls : str
        Class label of the cloud, or ``"all"`` for the whole layer.
    source : str
        A saved-activations path (``kind="activations"``) or a run-store root
        (``kind="store"``).
    kind : {"activations", "store"}
        What ``source`` is.
    indices : numpy.ndarray or None
        The rows of this unit's class; None: all rows.
    labels : numpy.ndarray or None
        Probe labels (all rows), carried only by units whose features need them (the linear
        probe of a whole cloud).
    """

    run: str
    step: int
    layer: str
    layer_index: int
    cls: str
    source: str
    kind: str
    indices: np.ndarray | None = field(default=None, compare=False)
    labels: np.ndarray | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """File-safe identifier, unique within a job; also the key into diagrams.npz.

        Injective: run, layer and class are escaped with :func:`tda_nn.names.escape_key`, so
        labels that differ only in characters a file name cannot hold (``"a b"`` / ``"a-b"``,
        ``"x/y"`` / ``"x:y"``, non-ASCII text) get different keys. Plain names keep themselves.
        """
        layer, cls, run = escape_key(self.layer), escape_key(self.cls), escape_key(self.run)
        unit = f"l{self.layer_index:03d}-{layer}__c-{cls}"
        return unit if self.step < 0 else f"{run}__s{self.step:08d}__{unit}"


def load_cloud(unit: Unit, params: TopologyParams) -> tuple[np.ndarray, int, bool]:
    """Load a unit's cloud as float32 ``(n_points, n_features)``.

    A whole layer larger than ``max_cloud_bytes`` in a format read by blocks (zarr, HDF5,
    safetensors, ``.npy``, run store) comes back as a
    :class:`~tda_nn.homology.chunked.ChunkedCloud` (persistence out of core, exact landmarks);
    other large clouds are randomly subsampled by rows, with a warning.

    Returns the cloud, the number of rows before any memory-driven subsample, and whether one was
    taken. Raises InputError (naming source, step, layer, class) for NaN/inf or too few points.
    """
    from tda_nn.io import RunStore, load_activations

    if unit.kind == "store":
        array = RunStore(unit.source).read_activations(unit.step, unit.layer)
    else:
        array = load_activations(unit.source)[unit.layer]
    rows = np.arange(array.shape[0]) if unit.indices is None else np.asarray(unit.indices)
    n_rows = len(rows)
    n_features = int(np.prod(array.shape[1:])) if array.ndim > 1 else 1
    max_rows = max(2, params.max_cloud_bytes // (4 * max(n_features, 1)))
    subsampled = n_rows > max_rows
    if subsampled and unit.indices is None and params.metric == "euclidean" and (
        params.subsample in ("auto", "maxmin", "random")
    ):
        from tda_nn.homology.chunked import open_chunked

        try:  # the whole layer, read by blocks (out of core) instead of a random subsample
            return open_chunked(unit.source, unit.layer, step=None if unit.step < 0 else unit.step
                                ), n_rows, False
        except InputError:
            pass  # a format that cannot be read by blocks (.npz, .pt): the random subsample
    if subsampled:
        rng = np.random.default_rng(params.random_state)
        rows = np.sort(rng.choice(rows, size=max_rows, replace=False))
        warnings.warn(
            f"{_where(unit)}: {n_rows} x {n_features} does not fit in "
            f"{params.max_cloud_bytes / 1024**3:.1f} GiB; using a random subsample of {max_rows} rows",
            stacklevel=2,
        )
    cloud = np.asarray(array[rows], dtype=np.float32).reshape(len(rows), -1)
    if cloud.shape[0] < 2:
        raise InputError(f"{_where(unit)}: needs at least 2 points, got {cloud.shape[0]}")
    if not np.isfinite(cloud).all():
        bad = int((~np.isfinite(cloud)).any(axis=1).sum())
        raise InputError(f"{_where(unit)}: {bad} point(s) contain NaN or infinite values")
    return cloud, n_rows, subsampled


def measure_unit(unit: Unit, params: TopologyParams, out_dir: str) -> list[dict[str, Any]]:
    """Compute (or read back) one unit's persistence diagram and table rows.

    Returns one row per homology dimension (see ``tda_nn.analysis.tables`` for the columns).
    """
    path = Path(out_dir) / "units" / f"{unit.key}.npz"
    digest = params.digest()
    cached = _read_result(path, digest)
    if cached is not None:
        return cached
    cloud, n_rows, subsampled = load_cloud(unit, params)
    rows, diagram = compute_rows(cloud, unit, params)
    for row in rows:
        row["n_points"] = n_rows
        row["row_subsampled"] = subsampled
    meta = json.dumps({"digest": digest, "rows": rows}, default=_json_default)
    write_npz(path, {"diagram": diagram, "meta": np.array(meta)})
    return rows


def compute_rows(
    cloud: np.ndarray, unit: Unit, params: TopologyParams
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Persistence, Betti numbers and features of one cloud; returns (rows, diagram (n_bars, 3))."""
    return measure_cloud(cloud, unit, params)


def read_diagram(out_dir: str | Path, unit: Unit) -> np.ndarray:
    """The stored diagram ``(n_bars, 3)`` of a finished unit."""
    path = Path(out_dir) / "units" / f"{unit.key}.npz"
    with np.load(path, allow_pickle=False) as data:
        return np.asarray(data["diagram"])


def _read_result(path: Path, digest: str) -> list[dict[str, Any]] | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        raise StoreError(f"{path}: unreadable unit result ({exc}); delete it to recompute") from exc
    if meta.get("digest") != digest:
        return None
    return list(meta["rows"])


def _where(unit: Unit) -> str:
    step = f" step {unit.step}" if unit.step >= 0 else ""
    cls = f" class {unit.cls}" if unit.cls != "all" else ""
    return f"{unit.source}:{step} layer {unit.layer!r}{cls}"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")

"""UMAP projections of activations, coloured by class; small multiples across layers or steps.

UMAP (umap-learn) is imported inside the functions: it is slow to import and JIT-compiles on first
use. Every projection is seeded (``random_state``), and clouds larger than ``max_points`` are
subsampled with a seeded generator: the same points for every cloud of the same size, so panels
of one grid show the same inputs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from tda_nn.errors import InputError
from tda_nn.plotting.style import (
    SEQUENTIAL_CMAP,
    category_color,
    category_marker,
    new_figure,
    tda_style,
)

_MIN_POINTS = 4
_CONTINUOUS_MIN_UNIQUE = 21


def _as_cloud(X: Any, name: str) -> np.ndarray:
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"{name} must be 2-D (n_points, n_features), got shape {arr.shape}")
    if arr.shape[0] < _MIN_POINTS:
        raise InputError(f"{name} has {arr.shape[0]} points; UMAP needs at least {_MIN_POINTS}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} contains NaN or infinite values")
    return arr


def subsample_indices(n_points: int, max_points: int | None, random_state: int | None) -> np.ndarray:
    """Sorted indices of a seeded uniform subsample of ``max_points`` out of ``n_points``
    (all indices when ``max_points`` is None or not smaller).

    Parameters
    ----------
    n_points : int
        Size of the cloud.
    max_points : int or None
        Points to keep; None: all.
    random_state : int or None
        Seed of the draw.
    """
    if max_points is None or n_points <= max_points:
        return np.arange(n_points)
    if max_points < _MIN_POINTS:
        raise InputError(f"max_points must be at least {_MIN_POINTS}, got {max_points}")
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n_points, size=int(max_points), replace=False))


def umap_embedding(
    X: Any,
    random_state: int | None = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    n_epochs: int | None = None,
) -> np.ndarray:
    """2-D UMAP embedding of one cloud.

    Parameters
    ----------
    X : array-like, shape (n_points, n_features)
        The point cloud to project.
    random_state : int or None
        Seed (UMAP then runs single-threaded, which makes it reproducible).
    n_neighbors : int
        Clipped to ``n_points - 1``.
    min_dist : float
        UMAP's ``min_dist``.
    metric : str
        Any metric umap-learn accepts (``"euclidean"``, ``"cosine"``, ...).
    n_epochs : int, optional
        Optimisation epochs (umap-learn's default when None).

    Returns
    -------
    ndarray, shape (n_points, 2)
    """
    arr = _as_cloud(X, "X")
    import umap

    k = int(max(2, min(n_neighbors, arr.shape[0] - 1)))
    reducer = umap.UMAP(
        n_components=2,
        n_neighbors=k,
        min_dist=float(min_dist),
        metric=metric,
        n_epochs=n_epochs,
        random_state=random_state,
        precomputed_knn=_exact_knn(arr, k, metric),
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*n_jobs.*overridden.*")
        warnings.filterwarnings("ignore", message=".*is not installed.*")
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        return np.asarray(reducer.fit_transform(arr), dtype=np.float64)


def _exact_knn(X: np.ndarray, k: int, metric: str) -> tuple[Any, ...]:
    """Exact k nearest neighbours (each point first, at distance 0) with scikit-learn, in
    umap-learn's ``precomputed_knn`` form. umap-learn computes the same exact neighbours for
    small data, but through a parallel numba kernel whose first-call compilation costs seconds;
    metrics scikit-learn does not know fall back to umap-learn's own search."""
    from sklearn.neighbors import NearestNeighbors

    try:
        dist, idx = NearestNeighbors(n_neighbors=k, metric=metric).fit(X).kneighbors(X)
    except (ValueError, TypeError):
        return (None, None, None)
    return (idx.astype(np.int32), dist.astype(np.float32), None)


def align_embedding(Y: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Rotate/reflect ``Y`` about its centroid to best match ``reference`` (orthogonal
    Procrustes; same points in the same order). UMAP's orientation is arbitrary, so aligning
    consecutive panels makes them easier to compare; distances within ``Y`` are unchanged.

    Parameters
    ----------
    Y, reference : ndarray, shape (n_points, 2)
        The embedding to rotate and the one to match (same points, same order).

    Returns
    -------
    ndarray, shape (n_points, 2)
    """
    from scipy.linalg import orthogonal_procrustes

    center = Y.mean(axis=0)
    rotation, _ = orthogonal_procrustes(Y - center, reference - reference.mean(axis=0))
    return (Y - center) @ rotation + center


def _is_continuous(labels: np.ndarray) -> bool:
    return (
        labels.dtype.kind == "f" and len(np.unique(labels)) >= _CONTINUOUS_MIN_UNIQUE
    )


def _draw_points(
    ax: Axes, Y: np.ndarray, labels: np.ndarray | None, categories: list[Any],
    limits: tuple[float, float] | None = None,
) -> Any:
    """Scatter ``Y``: one collection per class (``gid='class-<name>'``), or one coloured by a
    continuous label. Returns the mappable for a colour bar, if any."""
    size = float(np.clip(3000.0 / len(Y), 2.0, 18.0))
    if labels is None:
        ax.scatter(Y[:, 0], Y[:, 1], s=size, color=category_color(0), linewidths=0,
                   gid="points")
        mappable = None
    elif not categories:
        vmin, vmax = limits if limits is not None else (None, None)
        mappable = ax.scatter(Y[:, 0], Y[:, 1], s=size, c=labels, cmap=SEQUENTIAL_CMAP,
                              vmin=vmin, vmax=vmax, linewidths=0, gid="points")
    else:
        mappable = None
        for i, c in enumerate(categories):
            sel = labels == c
            ax.scatter(Y[sel, 0], Y[sel, 1], s=size, color=category_color(i),
                       marker=category_marker(i), linewidths=0, alpha=0.8, gid=f"class-{c}",
                       label=str(c))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal", adjustable="datalim")
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return mappable


def _class_handles(categories: list[Any]) -> list[Line2D]:
    return [
        Line2D([], [], linestyle="none", marker=category_marker(i), color=category_color(i),
               label=str(c))
        for i, c in enumerate(categories)
    ]


def _labels_for(labels: Any, n_points: int, name: str) -> np.ndarray | None:
    if labels is None:
        return None
    arr = np.asarray(labels)
    if arr.ndim != 1 or len(arr) != n_points:
        raise InputError(f"{name} has shape {arr.shape}, expected ({n_points},)")
    return arr


def _is_label_vector(labels: Any) -> bool:
    """True for one label per point (shared by all clouds), False for one label array per cloud."""
    if len(labels) == 0:
        return True
    first = labels.iloc[0] if hasattr(labels, "iloc") else labels[0]
    return np.ndim(first) == 0


def _categories(label_sets: Sequence[np.ndarray | None]) -> list[Any]:
    present = [lab for lab in label_sets if lab is not None]
    if not present or any(_is_continuous(lab) for lab in present):
        return []
    return sorted(set(np.concatenate(present).tolist()), key=lambda v: (str(type(v)), v))


def plot_umap(
    X: Any,
    labels: Any = None,
    ax: Axes | None = None,
    random_state: int | None = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    max_points: int | None = 2000,
    title: str | None = None,
    metric: str = "euclidean",
    n_epochs: int | None = None,
) -> Figure:
    """UMAP projection of one layer's activations, coloured by class.

    Parameters
    ----------
    X : array-like, shape (n_points, n_features)
        The point cloud to project.
    labels : array-like, shape (n_points,), optional
        Class of each point (categorical: one colour and marker per class, legend), or a float
        value with many distinct values (continuous colour map, colour bar).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; default a new figure.
    random_state : int or None
        Seed of the subsample and of UMAP.
    n_neighbors, min_dist, metric, n_epochs
        Passed to :func:`umap_embedding`.
    max_points : int or None
        Seeded uniform subsample above this many points (None: all points).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    arr = _as_cloud(X, "X")
    lab = _labels_for(labels, arr.shape[0], "labels")
    idx = subsample_indices(arr.shape[0], max_points, random_state)
    arr = arr[idx]
    lab = lab[idx] if lab is not None else None
    Y = umap_embedding(arr, random_state, n_neighbors, min_dist, metric, n_epochs)
    categories = _categories([lab])
    with tda_style():
        if ax is None:
            fig, grid = new_figure(panel_size=(3.6, 3.4))
            ax = grid[0, 0]
        else:
            fig = ax.figure
        mappable = _draw_points(ax, Y, lab, categories)
        if categories:
            ax.legend(handles=_class_handles(categories), title="class", loc="center left",
                      bbox_to_anchor=(1.0, 0.5))
        elif mappable is not None:
            fig.colorbar(mappable, ax=ax)
        ax.set_xlabel("UMAP 1")
        ax.set_ylabel("UMAP 2")
        if title:
            ax.set_title(title)
    return fig  # type: ignore[return-value]


def plot_umap_grid(
    clouds: Sequence[Any],
    labels: Any = None,
    titles: Sequence[str] | None = None,
    random_state: int | None = 0,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    max_points: int | None = 2000,
    ncols: int | None = None,
    align: bool = True,
    metric: str = "euclidean",
    n_epochs: int | None = None,
    title: str | None = None,
) -> Figure:
    """Small multiples of UMAP projections: one panel per cloud (layers, or one layer at
    several training steps; for a steps × layers grid pass the clouds row by row with ``ncols``
    equal to the number of layers).

    Parameters
    ----------
    clouds : sequence of array-like, each (n_points_i, n_features_i)
        One cloud per panel.
    labels : array-like (n_points,) shared by every cloud, or a sequence with one per cloud
        Colours of the points.
    titles : sequence of str, optional
        One per cloud.
    random_state, n_neighbors, min_dist, max_points, metric, n_epochs
        As in :func:`plot_umap`; every panel uses the same seed.
    ncols : int, optional
        Panels per row (default up to 4).
    align : bool
        Rotate each panel onto the previous one (orthogonal Procrustes) when they show the same
        points, so orientation is comparable across panels.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One visible axes per cloud, each holding that cloud's (subsampled) points.
    """
    arrays = [_as_cloud(c, f"clouds[{i}]") for i, c in enumerate(clouds)]
    if not arrays:
        raise InputError("clouds is empty")
    if titles is not None and len(titles) != len(arrays):
        raise InputError(f"titles has {len(titles)} entries for {len(arrays)} clouds")
    if labels is None:
        label_sets: list[np.ndarray | None] = [None] * len(arrays)
    elif _is_label_vector(labels):
        label_sets = [_labels_for(labels, a.shape[0], f"labels (for clouds[{i}])")
                      for i, a in enumerate(arrays)]
    else:
        if len(labels) != len(arrays):
            raise InputError(f"labels has {len(labels)} entries for {len(arrays)} clouds")
        label_sets = [_labels_for(lab, a.shape[0], f"labels[{i}]")
                      for i, (lab, a) in enumerate(zip(labels, arrays, strict=True))]
    subsets = [subsample_indices(a.shape[0], max_points, random_state) for a in arrays]
    embeddings: list[np.ndarray] = []
    for i, (a, idx) in enumerate(zip(arrays, subsets, strict=True)):
        Y = umap_embedding(a[idx], random_state, n_neighbors, min_dist, metric, n_epochs)
        if align and i > 0 and arrays[i - 1].shape[0] == a.shape[0]:
            Y = align_embedding(Y, embeddings[-1])
        embeddings.append(Y)
    picked = [lab[idx] if lab is not None else None
              for lab, idx in zip(label_sets, subsets, strict=True)]
    categories = _categories(picked)
    present = [lab for lab in picked if lab is not None]
    limits = None
    if present and not categories:
        values = np.concatenate(present).astype(float)
        limits = (float(values.min()), float(values.max()))
    n = len(arrays)
    ncols = max(1, min(ncols or 4, n))
    nrows = math.ceil(n / ncols)
    with tda_style():
        fig, axes = new_figure(nrows, ncols, panel_size=(2.6, 2.5))
        mappable = None
        for i, (Y, lab) in enumerate(zip(embeddings, picked, strict=True)):
            ax = axes[i // ncols, i % ncols]
            mappable = _draw_points(ax, Y, lab, categories, limits) or mappable
            if titles is not None:
                ax.set_title(str(titles[i]))
        for j in range(n, nrows * ncols):
            axes[j // ncols, j % ncols].set_visible(False)
        if categories:
            fig.legend(handles=_class_handles(categories), title="class",
                       loc="outside right upper")
        elif mappable is not None:
            fig.colorbar(mappable, ax=axes.ravel().tolist())
        if title:
            fig.suptitle(title)
    return fig

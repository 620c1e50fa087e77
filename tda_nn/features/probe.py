"""Linear separability of each layer's representation: cross-validated linear-probe accuracy.

A probe is ``StandardScaler`` followed by ``LogisticRegression`` (L2, ``C = 1``), scored by mean
accuracy over stratified, shuffled ``cv``-fold splits. The scaler is fitted inside each training
fold, so no test-fold statistics leak into the probe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tda_nn.checks import check_int
from tda_nn.errors import InputError, InputTypeError

__all__ = ["linear_probe_accuracy", "linear_probe_scores"]


def _as_features(X: Any, name: str, *, require_points: bool = True) -> np.ndarray:
    """A finite float64 ``(n_points, n_features)`` array (1-D lifted, trailing axes flattened).

    Shared with :mod:`tda_nn.features.intrinsic_dimension`, which counts points itself
    (``require_points=False``).
    """
    if type(X).__module__.startswith("scipy.sparse"):
        raise InputError(f"{name}: sparse input is not supported; pass a dense array")
    if isinstance(X, np.ndarray) and np.iscomplexobj(X):
        raise InputError(f"{name}: Complex data not supported")
    try:
        A = np.asarray(X, dtype=np.float64)
    except TypeError as exc:
        raise InputTypeError(f"{name}: cannot be read as a float array ({exc})") from None
    except ValueError as exc:
        raise InputError(f"{name}: cannot be read as a float array ({exc})") from None
    if A.ndim == 1:
        A = A[:, None]
    if A.ndim > 2:
        A = A.reshape(A.shape[0], -1)
    if require_points and (A.ndim != 2 or A.shape[0] == 0):
        raise InputError(
            f"{name}: expected a non-empty 2-D array (n_points, n_features), got {A.shape}"
        )
    if A.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array (n_points, n_features), got {A.shape}")
    if A.shape[1] == 0:
        raise InputError(
            f"{name}: Found array with 0 feature(s) (shape={A.shape}) while a minimum of 1 is "
            "required."
        )
    if not np.isfinite(A).all():
        raise InputError(f"{name}: contains NaN or infinite values")
    return A


def _as_labels(y: Any, n: int, name: str) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim != 1:
        labels = labels.reshape(-1) if labels.size == n else labels
    if labels.ndim != 1 or labels.shape[0] != n:
        raise InputError(f"y: expected {n} labels to match {name}, got shape {np.shape(y)}")
    return labels


def linear_probe_accuracy(
    X: Any,
    y: Any,
    *,
    cv: int = 5,
    random_state: int | None = 0,
    max_iter: int = 1000,
    C: float = 1.0,
    name: str = "X",
) -> float:
    """Mean stratified cross-validated accuracy of a standardised logistic-regression probe.

    Parameters
    ----------
    X : array-like of shape (n_points, n_features)
        Representation of one layer (trailing axes are flattened).
    y : array-like of shape (n_points,)
        Class labels.
    cv : int, default 5
        Number of folds; lowered to the size of the smallest class when that is smaller (it must
        be at least 2).
    random_state : int or None
        Seed of the fold shuffling.
    max_iter : int
        Iterations of the logistic-regression solver.
    C : float
        Inverse regularisation strength.
    name : str
        Name used in error messages (e.g. the layer).

    Returns
    -------
    accuracy : float
        In ``[0, 1]``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    A = _as_features(X, name)
    labels = _as_labels(y, A.shape[0], name)
    check_int(cv, "cv", 2)
    _, counts = np.unique(labels, return_counts=True)
    if len(counts) < 2:
        raise InputError(f"y: a linear probe of {name} needs at least 2 classes, got {len(counts)}")
    n_splits = min(int(cv), int(counts.min()))
    if n_splits < 2:
        raise InputError(f"y: every class needs at least 2 points for a probe of {name}")
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
    scores = cross_val_score(model, A, labels, cv=folds, scoring="accuracy")
    return float(np.mean(scores))


def linear_probe_scores(
    clouds: Any,
    y: Any,
    *,
    cv: int = 5,
    random_state: int | None = 0,
    max_iter: int = 1000,
    C: float = 1.0,
) -> np.ndarray:
    """Linear-probe accuracy of every layer of a collection, with the same labels and folds.

    Parameters
    ----------
    clouds : list of array-like (n_points, n_features_i), or dict name -> array
        One representation per layer; all share the same points (rows) and labels.
    y : array-like of shape (n_points,)
        Class labels, one per point.
    cv, random_state, max_iter, C
        As in :func:`linear_probe_accuracy`.

    Returns
    -------
    scores : ndarray of shape (n_clouds,)
        In the order of ``clouds`` (insertion order for a dict).
    """
    if isinstance(clouds, Mapping):
        named = [(str(k), v) for k, v in clouds.items()]
    elif isinstance(clouds, Sequence) and not isinstance(clouds, str | bytes):
        named = [(f"clouds[{i}]", c) for i, c in enumerate(clouds)]
    elif isinstance(clouds, np.ndarray) and clouds.ndim == 3:
        named = [(f"clouds[{i}]", c) for i, c in enumerate(clouds)]
    else:
        raise InputError("clouds: expected a list or dict of 2-D arrays (n_points, n_features)")
    return np.array(
        [
            linear_probe_accuracy(
                c, y, cv=cv, random_state=random_state, max_iter=max_iter, C=C, name=name
            )
            for name, c in named
        ],
        dtype=np.float64,
    )

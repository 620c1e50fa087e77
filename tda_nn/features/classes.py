"""Class-conditional point clouds: split each layer's cloud by true or predicted label.

Naitzat et al. (JMLR 2020) measure the topology of each class separately, split by the label the
network *predicts*; :func:`predicted_labels` turns logits or scores into those labels and
:func:`split_by_class` cuts every layer's cloud into one cloud per class.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from tda_nn.errors import InputError

__all__ = ["ClassClouds", "predicted_labels", "split_by_class"]

ALL = "all"


def _to_numpy(a: Any) -> np.ndarray:
    if hasattr(a, "detach") and callable(a.detach):
        a = a.detach()
        if hasattr(a, "cpu"):
            a = a.cpu()
        a = a.numpy()
    return np.asarray(a)


def predicted_labels(scores: Any, *, threshold: float = 0.0) -> np.ndarray:
    """Predicted class of each sample: the argmax of its logits / scores / probabilities.

    Parameters
    ----------
    scores : array-like or torch tensor of shape (n_samples, n_classes), (n_samples, 1) or (n_samples,)
        With one column, the score of the positive class: label 1 where ``score > threshold``.
    threshold : float, default 0.0
        For one-column input only; 0 suits logits, use 0.5 for probabilities.

    Returns
    -------
    labels : ndarray of shape (n_samples,), int64
    """
    S = _to_numpy(scores)
    if S.ndim == 2 and S.shape[1] == 1:
        S = S[:, 0]
    if S.ndim == 1:
        if not np.isfinite(S).all():
            raise InputError("scores: contains NaN or infinite values")
        return (S > threshold).astype(np.int64)
    if S.ndim != 2 or S.shape[1] == 0:
        raise InputError(f"scores: expected shape (n_samples, n_classes), got {S.shape}")
    if np.isnan(S).any():
        raise InputError("scores: contains NaN")
    return np.argmax(S, axis=1).astype(np.int64)


class ClassClouds(Mapping):
    """Read-only mapping ``(layer, class) -> (n_c, n_features)`` cloud, in layer then class order.

    Built by :func:`split_by_class`; every parameter but ``clouds`` is kept as an attribute.

    Parameters
    ----------
    clouds : dict
        ``(layer, class) ->`` cloud of shape ``(n_c, n_features)``.
    indices : dict
        ``(layer, class) ->`` row indices (into the layer's cloud) of the points kept.
    skipped : list of tuple
        ``(layer, class, n_points)`` for classes left out because they had fewer than
        ``min_points`` points (or none).
    layers : list
        Layer keys in order.
    classes : list
        Class values in sorted order (``["all"]`` without labels).
    """

    def __init__(
        self,
        clouds: dict[tuple[Any, Any], np.ndarray],
        indices: dict[tuple[Any, Any], np.ndarray],
        skipped: list[tuple[Any, Any, int]],
        layers: list[Any],
        classes: list[Any],
    ) -> None:
        self._clouds = clouds
        self.indices = indices
        self.skipped = skipped
        self.layers = layers
        self.classes = classes

    def __getitem__(self, key: tuple[Any, Any]) -> np.ndarray:
        return self._clouds[key]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self._clouds)

    def __len__(self) -> int:
        return len(self._clouds)

    def __repr__(self) -> str:
        return (
            f"ClassClouds({len(self)} clouds, layers={self.layers!r}, classes={self.classes!r}, "
            f"skipped={len(self.skipped)})"
        )

    def records(self) -> list[dict[str, Any]]:
        """One record per kept cloud: ``layer``, ``class``, ``n_points``, ``cloud``."""
        return [
            {"layer": k[0], "class": k[1], "n_points": int(v.shape[0]), "cloud": v}
            for k, v in self._clouds.items()
        ]


def _layers(clouds: Any) -> list[tuple[Any, Any]]:
    """(layer key, array) pairs from a dict, an ActivationSet-like object or a list."""
    if isinstance(clouds, Mapping):
        return list(clouds.items())
    items = getattr(clouds, "items", None)
    if callable(items):
        return list(items())
    names = getattr(clouds, "layer_names", None) or getattr(clouds, "layers", None)
    if names is not None and not isinstance(names, str) and hasattr(clouds, "__getitem__"):
        return [(name, clouds[name]) for name in names]
    if isinstance(clouds, np.ndarray) and clouds.ndim == 2:
        return [(0, clouds)]
    if isinstance(clouds, Sequence | np.ndarray) and not isinstance(clouds, str | bytes):
        return list(enumerate(clouds))
    raise InputError("clouds: expected a dict layer -> array, a list of arrays or an ActivationSet")


def _sort_classes(values: Sequence[Any]) -> list[Any]:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def split_by_class(
    clouds: Any,
    labels: Any = None,
    *,
    classes: Sequence[Any] | None = None,
    min_points: int = 2,
    warn: bool = True,
) -> ClassClouds:
    """Split the cloud of every layer into one cloud per class.

    Parameters
    ----------
    clouds : dict layer -> array (n_points, ...), list of arrays, or ActivationSet-like
        Every layer holds the same ``n_points`` samples in the same order (trailing axes are
        flattened). List positions become the layer keys ``0, 1, ...``.
    labels : array-like of shape (n_points,), optional
        True or predicted labels (see :func:`predicted_labels`). None: one class ``"all"``.
    classes : sequence, optional
        Classes to keep (default: every label value); output in sorted order.
    min_points : int, default 2
        Classes with fewer points are left out and listed in ``skipped`` (with a warning).
    warn : bool
        Warn about skipped classes.

    Returns
    -------
    ClassClouds
        Mapping ``(layer, class) -> (n_c, n_features)`` float array, layers in input order and
        classes sorted; ``.skipped`` lists what was left out and why (its point count).
    """
    if (
        isinstance(min_points, bool)
        or not isinstance(min_points, int | np.integer)
        or min_points < 1
    ):
        raise InputError(f"min_points: expected an integer >= 1, got {min_points!r}")
    pairs = _layers(clouds)
    if not pairs:
        raise InputError("clouds: no layer given")
    arrays = []
    for key, value in pairs:
        A = _to_numpy(value)
        if A.ndim == 1 or A.ndim == 0:
            raise InputError(
                f"layer {key!r}: expected an array (n_points, n_features), got {A.shape}"
            )
        arrays.append((key, A.reshape(A.shape[0], -1)))

    if labels is None:
        if classes is not None:
            raise InputError("classes: given without labels")
        lab = None
        class_list: list[Any] = [ALL]
    else:
        lab = _to_numpy(labels)
        if lab.ndim == 2 and lab.shape[1] == 1:
            lab = lab[:, 0]
        if lab.ndim != 1:
            raise InputError(f"labels: expected shape (n_points,), got {lab.shape}")
        present = [_plain(v) for v in np.unique(lab)]
        class_list = _sort_classes([_plain(c) for c in classes] if classes is not None else present)

    out: dict[tuple[Any, Any], np.ndarray] = {}
    indices: dict[tuple[Any, Any], np.ndarray] = {}
    skipped: list[tuple[Any, Any, int]] = []
    for key, A in arrays:
        if lab is not None and A.shape[0] != lab.shape[0]:
            raise InputError(f"layer {key!r}: {A.shape[0]} points but {lab.shape[0]} labels")
        for c in class_list:
            idx = np.arange(A.shape[0]) if lab is None else np.flatnonzero(lab == c)
            if idx.size < min_points:
                skipped.append((key, c, int(idx.size)))
                continue
            out[(key, c)] = A[idx]
            indices[(key, c)] = idx
    if skipped and warn:
        shown = ", ".join(f"({k!r}, {c!r}): {n}" for k, c, n in skipped[:5])
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        warnings.warn(
            f"split_by_class: {len(skipped)} (layer, class) clouds with fewer than "
            f"{min_points} points skipped: {shown}{more}",
            UserWarning,
            stacklevel=2,
        )
    return ClassClouds(out, indices, skipped, [k for k, _ in arrays], class_list)

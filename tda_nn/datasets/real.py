"""Offline real data (scikit-learn digits, MNIST-1D) and the ``load_dataset`` registry.

Nothing here downloads: digits ship with scikit-learn, and MNIST-1D is *generated* with the
``mnist1d`` package's own procedure (``mnist1d.data.make_dataset``), never fetched from its URL.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from tda_nn.checks import check_int
from tda_nn.datasets.naitzat import NAITZAT_DATASETS
from tda_nn.datasets.shapes import SHAPES, embed
from tda_nn.errors import InputError

__all__ = [
    "DATASETS",
    "Dataset",
    "TrainTestSplit",
    "available_datasets",
    "digits",
    "load_dataset",
    "mnist1d",
]


class TrainTestSplit(NamedTuple):
    """``(X_train, y_train, X_test, y_test)``; unpacks like a tuple."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass
class Dataset:
    """What :func:`load_dataset` returns, whatever the source.

    Attributes
    ----------
    name : str
    X : ndarray of shape (n, d), float32
        The (training) points.
    y : ndarray of shape (n,), int64, or None
        Labels (None for unlabelled shapes).
    X_test, y_test : ndarray or None
        Held-out split when the source has one (MNIST-1D).
    info : dict
        Known Betti numbers (``info["betti"]``) for synthetic data, parameters, description.
    """

    name: str
    X: np.ndarray
    y: np.ndarray | None = None
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


def digits(*, standardize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits (offline, shipped with scikit-learn).

    Parameters
    ----------
    standardize : bool, default True
        Scale every pixel to zero mean and unit variance (constant pixels stay 0).

    Returns
    -------
    X : ndarray of shape (1797, 64), float32
    y : ndarray of shape (1797,), int64, values 0..9
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    X = data.data.astype(np.float64)
    if standardize:
        std = X.std(axis=0)
        std[std == 0] = 1.0
        X = (X - X.mean(axis=0)) / std
    return X.astype(np.float32), data.target.astype(np.int64)


def mnist1d(
    n_samples: int = 5000,
    *,
    train_split: float = 0.8,
    random_state: int = 42,
    **overrides: Any,
) -> TrainTestSplit:
    """MNIST-1D (Greydanus 2020), generated offline with the ``mnist1d`` package.

    The package's defaults (template length 12, padding 36-60, 40-sample signals, noise and shear
    settings) are used, with ``num_samples = n_samples`` and ``seed = random_state``; the package's
    default seed 42 with 5000 samples reproduces its reference data set. Python's and NumPy's
    global random states, which the package reseeds, are restored afterwards.

    Parameters
    ----------
    n_samples : int, default 5000
        Total number of signals; rounded down to a multiple of 10 (equal classes).
    train_split : float, default 0.8
        Fraction in the training part.
    random_state : int, default 42
        Seed of the MNIST-1D generator (``seed`` of its settings).
    **overrides
        Other ``mnist1d.data.get_dataset_args`` fields (e.g. ``iid_noise_scale``,
        ``final_seq_length``); ``url`` is refused.

    Returns
    -------
    TrainTestSplit
        ``X_train`` float32 (n_train, 40), ``y_train`` int64 in 0..9, ``X_test``, ``y_test``.
    """
    check_int(n_samples, "n_samples", 20)
    try:
        train_split = float(train_split)
    except (TypeError, ValueError):
        raise InputError(f"train_split: expected a number in (0, 1), got {train_split!r}") from None
    if not 0.0 < train_split < 1.0:
        raise InputError(f"train_split: expected a number in (0, 1), got {train_split}")
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise InputError(f"random_state: expected an integer seed, got {random_state!r}")
    from mnist1d.data import get_dataset_args, make_dataset  # seconds to import: only when used

    args = get_dataset_args()
    allowed = set(vars(args)) - {"url", "num_samples", "train_split", "seed"}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise InputError(f"mnist1d: unknown option(s) {unknown}; accepted: {sorted(allowed)}")
    vars(args).update(overrides)
    args.num_samples = int(n_samples)
    args.train_split = train_split
    args.seed = int(random_state)

    # mnist1d reseeds the legacy global generators: save and restore them
    np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
    try:
        data = make_dataset(args)
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    return TrainTestSplit(
        np.asarray(data["x"], dtype=np.float32),
        np.asarray(data["y"], dtype=np.int64),
        np.asarray(data["x_test"], dtype=np.float32),
        np.asarray(data["y_test"], dtype=np.int64),
    )


# ---------------------------------------------------------------------------------------------
# registry
# ---------------------------------------------------------------------------------------------
def _call(fn: Callable[..., Any], name: str, kwargs: dict[str, Any]) -> Any:
    """Call ``fn(**kwargs)``, turning unknown / missing keyword arguments into an InputError."""
    try:
        inspect.signature(fn).bind(**kwargs)
    except TypeError as exc:
        raise InputError(f"dataset {name!r}: {exc}") from None
    return fn(**kwargs)


def _load_digits(**kw: Any) -> Dataset:
    X, y = _call(digits, "digits", kw)
    return Dataset("digits", X, y, info={"description": "scikit-learn digits, 8x8 pixels"})


def _load_mnist1d(**kw: Any) -> Dataset:
    split = _call(mnist1d, "mnist1d", kw)
    return Dataset(
        "mnist1d",
        split.X_train,
        split.y_train,
        split.X_test,
        split.y_test,
        info={"description": "MNIST-1D generated offline with the mnist1d package", "params": kw},
    )


def _naitzat(name: str) -> Callable[..., Dataset]:
    def load(**kw: Any) -> Dataset:
        X, y, info = _call(NAITZAT_DATASETS[name], name, kw)
        return Dataset(name, X, y, info=info)

    load.__doc__ = (
        f"Load Naitzat et al.'s {name.upper()} (see :func:`tda_nn.datasets.naitzat.{name}`)."
    )
    return load


#: built-in name -> loader returning a :class:`Dataset`
DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": _load_digits,
    "mnist1d": _load_mnist1d,
    "d1": _naitzat("d1"),
    "d2": _naitzat("d2"),
    "d3": _naitzat("d3"),
}


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`: the built-ins, then the shapes registry."""
    return list(DATASETS) + [n for n in SHAPES if n not in DATASETS]


def _load_shape(name: str, entry: Any, kwargs: dict[str, Any]) -> Dataset:
    """Run a shapes-registry entry, ``generator`` or ``(generator, betti)``, and wrap the cloud."""
    generator, betti = (entry[0], entry[1]) if isinstance(entry, tuple) else (entry, None)
    kwargs = dict(kwargs)
    ambient_dim = kwargs.pop("ambient_dim", None)
    X = np.asarray(_call(generator, name, kwargs), dtype=np.float64)
    if ambient_dim is not None:
        X = embed(X, ambient_dim, random_state=kwargs.get("random_state"))
    info: dict[str, Any] = {
        "name": name,
        "description": f"shape {name!r} from tda_nn.datasets.shapes",
        "params": {**kwargs, "ambient_dim": ambient_dim},
    }
    if betti is not None:
        info["betti"] = {"all": tuple(int(b) for b in betti)}
    return Dataset(name, X.astype(np.float32), None, info=info)


def load_dataset(name: str, **kwargs: Any) -> Dataset:
    """Load a data set by name, for pipeline specs.

    Parameters
    ----------
    name : str
        ``"digits"``, ``"mnist1d"``, ``"d1"``, ``"d2"``, ``"d3"``, or a name of the shapes
        registry (:data:`tda_nn.datasets.shapes.SHAPES`, e.g. ``"torus"``).
    **kwargs
        Passed to the generator (e.g. ``n_samples``, ``random_state``, ``step``; ``n``,
        ``noise`` for shapes). Shapes also accept ``ambient_dim``: the cloud is then placed in
        that many dimensions by a random isometry (:func:`tda_nn.datasets.shapes.embed`).

    Returns
    -------
    Dataset
        ``info["betti"]`` maps each label to its ``(beta0, beta1, beta2)``; for an unlabelled
        shape the single key is ``"all"`` (the class name :func:`~tda_nn.features.split_by_class`
        uses without labels).
    """
    if not isinstance(name, str):
        raise InputError(f"dataset: expected a name, got {name!r}")
    key = name.strip().lower()
    loader = DATASETS.get(key)
    if loader is not None:
        return loader(**kwargs)
    entry = SHAPES.get(name, SHAPES.get(key))
    if entry is None:
        raise InputError(
            f"dataset: unknown name {name!r}; available: {', '.join(available_datasets())}"
        )
    return _load_shape(key if key in SHAPES else name, entry, kwargs)

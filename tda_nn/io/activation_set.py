"""``ActivationSet``: an ordered, lazy mapping from layer name to a ``(n_samples, n_features)`` array."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from tda_nn.errors import InputError, StoreError
from tda_nn.io._common import (
    MEMORY,
    as_features,
    as_labels,
    check_layer_meta,
    check_same_n_samples,
    flat_shape,
    select_layers,
    to_numpy,
    unknown_layer,
)

Loader = Callable[[], Any]


class _ArrayLoader:
    """A loader that returns an array held in memory (picklable, unlike a lambda)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __call__(self) -> np.ndarray:
        return self.array

    def __getstate__(self) -> np.ndarray:
        return self.array

    def __setstate__(self, state: np.ndarray) -> None:
        self.array = state


class ActivationSet(Mapping[str, np.ndarray]):
    """Activations of several named layers over the same samples, loaded lazily.

    A read-only mapping ``layer name -> (n_samples, n_features)`` float array, in the order the
    layers were stored (``.npz`` and ``.pt``: key order; HDF5: creation order where tracked, else
    name order; ``.npy`` directory, safetensors, zarr: the recorded order, else names sorted
    with numbers compared as numbers; run store: the manifest's order). Arrays with more than two axes are flattened per sample (C order), 1-D
    arrays become one column; float32 and float64 are kept, float16 becomes float32 and integers
    float64. Each access loads the layer again (a memory map where the format allows it, so this is
    cheap); keep the returned array to reuse it. Unknown names raise
    :class:`~tda_nn.errors.InputError` (also a ``KeyError``) listing close matches.

    Parameters
    ----------
    layers : mapping of str to array-like or callable
        ``name -> array`` (NumPy array, torch tensor, anything ``np.asarray`` takes) or
        ``name -> loader``, a zero-argument callable returning the array when asked for. Loaders
        must be picklable for the set to be sent to other processes (Dask workers).
    labels : array-like of shape (n_samples,), optional
        One label per sample (e.g. the true classes of the probe inputs).
    source : str, default "<memory>"
        Where the activations came from; used in error messages.
    step : int, optional
        Training step the activations belong to.
    shapes : mapping of str to tuple of int, optional
        Shape of each loader's array (any number of axes), so that ``n_samples`` and ``shapes``
        are known without loading. Loaders without a shape are loaded when the shape is needed.
    predictions : array-like of shape (n_samples,), optional
        The model's predicted label for each sample.
    metadata : dict, optional
        Free-form description (model, data, file metadata).

    Attributes
    ----------
    layer_names : list of str
    labels : ndarray of shape (n_samples,) or None
    predictions : ndarray of shape (n_samples,) or None
    source : str
    step : int or None
    metadata : dict
    """

    def __init__(
        self,
        layers: Mapping[str, Any],
        labels: Any = None,
        *,
        source: str = MEMORY,
        step: int | None = None,
        shapes: Mapping[str, Iterable[int]] | None = None,
        predictions: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        source = str(source)
        if not isinstance(layers, Mapping):
            raise InputError(f"{source}: layers must be a mapping of name -> array")
        if not layers:
            raise InputError(f"{source}: no layers given")
        shapes = dict(shapes or {})
        loaders: dict[str, Loader] = {}
        flat: dict[str, tuple[int, int] | None] = {}
        for name, value in layers.items():
            if not isinstance(name, str) or not name:
                raise InputError(f"{source}: layer names must be non-empty strings, got {name!r}")
            if callable(value) and not hasattr(value, "__array__"):
                loaders[name] = value
                flat[name] = None if name not in shapes else flat_shape(tuple(shapes[name]))
                continue
            array = to_numpy(value)
            check_layer_meta(source, name, array.shape, array.dtype, InputError)
            array = as_features(array, source, name)
            loaders[name] = _ArrayLoader(array)
            flat[name] = array.shape
        known = {k: v for k, v in flat.items() if v is not None}
        if known:
            check_same_n_samples(source, known, InputError)
        self._init(source, loaders, flat, labels=None, step=step, predictions=None, metadata=metadata)
        if labels is not None:
            self.labels = self._checked_labels(labels, "labels")
        if predictions is not None:
            self.predictions = self._checked_labels(predictions, "predictions")

    @classmethod
    def _build(
        cls,
        source: str,
        loaders: Mapping[str, Loader],
        shapes: Mapping[str, tuple[int, int] | None],
        *,
        labels: np.ndarray | None = None,
        step: int | None = None,
        predictions: np.ndarray | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ActivationSet:
        """Assemble a set from already-validated parts (used by the readers)."""
        obj = cls.__new__(cls)
        obj._init(source, loaders, shapes, labels, step, predictions, metadata)
        return obj

    def _init(
        self,
        source: str,
        loaders: Mapping[str, Loader],
        shapes: Mapping[str, tuple[int, int] | None],
        labels: np.ndarray | None,
        step: int | None,
        predictions: np.ndarray | None,
        metadata: Mapping[str, Any] | None,
    ) -> None:
        self.source = str(source)
        self._loaders = dict(loaders)
        self._shapes = dict(shapes)
        self.layer_names = list(self._loaders)
        self.labels = labels
        self.predictions = predictions
        self.step = None if step is None else int(step)
        self.metadata = dict(metadata or {})

    # -- Mapping ---------------------------------------------------------------------------------
    def __getitem__(self, layer: str) -> np.ndarray:
        loader = self._loaders.get(layer) if isinstance(layer, str) else None
        if loader is None:
            raise unknown_layer(self.source, layer, self.layer_names)
        array = to_numpy(loader())
        expected = self._shapes.get(layer)
        if expected is None:
            check_layer_meta(self.source, layer, array.shape, array.dtype, StoreError)
        array = as_features(array, self.source, layer)
        if expected is None:
            self._shapes[layer] = array.shape
            check_same_n_samples(self.source, self._known_shapes(), StoreError)
        elif array.shape != tuple(expected):
            raise StoreError(
                f"{self.source}: layer {layer!r} has shape {array.shape}, expected "
                f"{tuple(expected)} (changed since it was opened?)"
            )
        return array

    def __iter__(self) -> Iterator[str]:
        return iter(self.layer_names)

    def __len__(self) -> int:
        return len(self.layer_names)

    def __contains__(self, layer: object) -> bool:
        return isinstance(layer, str) and layer in self._loaders

    def get(self, layer: str, default: Any = None) -> Any:
        """``self[layer]`` if the layer exists, else ``default``.

        Parameters
        ----------
        layer : str
            Layer name.
        default : object
            Returned when there is no such layer.
        """
        return self[layer] if layer in self else default

    __eq__ = object.__eq__
    __hash__ = object.__hash__

    # -- shapes ----------------------------------------------------------------------------------
    def _known_shapes(self) -> dict[str, tuple[int, int]]:
        return {k: v for k, v in self._shapes.items() if v is not None}

    def shape(self, layer: str) -> tuple[int, int]:
        """``(n_samples, n_features)`` of ``layer``, from file headers where possible.

        Parameters
        ----------
        layer : str
            Layer name.
        """
        if layer not in self._loaders:
            raise unknown_layer(self.source, layer, self.layer_names)
        found = self._shapes.get(layer)
        if found is None:
            found = self[layer].shape
        return (int(found[0]), int(found[1]))

    @property
    def shapes(self) -> dict[str, tuple[int, int]]:
        """``{layer: (n_samples, n_features)}`` in layer order."""
        return {name: self.shape(name) for name in self.layer_names}

    @property
    def n_samples(self) -> int:
        """Number of samples (rows) shared by every layer."""
        known = self._known_shapes()
        if known:
            return int(next(iter(known.values()))[0])
        return self.shape(self.layer_names[0])[0]

    # -- derived sets ----------------------------------------------------------------------------
    def subset(self, layers: str | Iterable[str]) -> ActivationSet:
        """A set with only ``layers``, in the order given (same labels, step, source).

        Parameters
        ----------
        layers : str or iterable of str
            Layer names.
        """
        names = select_layers(self.source, self.layer_names, layers)
        return self._build(
            self.source,
            {n: self._loaders[n] for n in names},
            {n: self._shapes.get(n) for n in names},
            labels=self.labels,
            step=self.step,
            predictions=self.predictions,
            metadata=self.metadata,
        )

    def with_labels(self, labels: Any, *, labels_source: str = "labels") -> ActivationSet:
        """A copy whose labels are replaced by ``labels`` (length checked against ``n_samples``).

        Parameters
        ----------
        labels : array-like of shape (n_samples,) or None
            The new labels; None removes them.
        labels_source : str
            Where the labels came from, named in error messages.
        """
        out = self.subset(self.layer_names)
        out.labels = None if labels is None else self._checked_labels(labels, labels_source)
        return out

    def _checked_labels(self, labels: Any, what: str) -> np.ndarray:
        arr = as_labels(labels, what)
        n = self.n_samples
        if arr.shape[0] != n:
            raise InputError(
                f"{what}: {arr.shape[0]} labels but {self.source} has {n} samples"
            )
        return arr

    def __repr__(self) -> str:
        names = ", ".join(repr(n) for n in self.layer_names[:6])
        if len(self.layer_names) > 6:
            names += f", ... ({len(self.layer_names)} layers)"
        step = "" if self.step is None else f", step={self.step}"
        labels = "" if self.labels is None else ", labels"
        return f"ActivationSet({self.source!r}{step}, layers=[{names}]{labels})"


def assemble(
    source: str,
    names: list[str],
    layers: str | Iterable[str] | None,
    meta: Callable[[str], tuple[tuple[int, ...], Any]],
    loader: Callable[[str], Loader],
    *,
    labels: Any = None,
    step: int | None = None,
    predictions: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> ActivationSet:
    """Build a file-backed set: select layers, check shapes/dtypes from headers, check labels.

    ``meta(name)`` returns the stored shape and dtype of a layer without loading it;
    ``loader(name)`` (called after ``meta``) returns its picklable loader. Problems are
    :class:`~tda_nn.errors.StoreError` naming ``source`` and the layer.
    """
    if not names:
        raise StoreError(f"{source}: no activation arrays found")
    chosen = select_layers(source, names, layers)
    shapes: dict[str, tuple[int, int] | None] = {}
    for name in chosen:
        shape, dtype = meta(name)
        shapes[name] = check_layer_meta(source, name, shape, np.dtype(dtype), StoreError)
    n_samples = check_same_n_samples(source, shapes, StoreError)  # type: ignore[arg-type]
    extras = {}
    for what, values in (("labels", labels), ("predictions", predictions)):
        if values is None:
            extras[what] = None
            continue
        try:
            arr = as_labels(values, f"{source} ({what!r})")
        except InputError as exc:
            raise StoreError(str(exc)) from None
        if arr.shape[0] != n_samples:
            raise StoreError(
                f"{source}: {what!r} has {arr.shape[0]} entries but the layers have "
                f"{n_samples} samples"
            )
        extras[what] = arr
    return ActivationSet._build(
        source, {name: loader(name) for name in chosen}, shapes,
        labels=extras["labels"], step=step, predictions=extras["predictions"], metadata=metadata,
    )

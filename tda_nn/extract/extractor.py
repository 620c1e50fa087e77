"""ActivationExtractor: read named layers of a torch model with forward hooks, batch by batch."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from torch import nn

from tda_nn.checks import check_int
from tda_nn.errors import InputError
from tda_nn.extract.inputs import Batch, as_source
from tda_nn.extract.layers import INPUT, find_modules, resolve_layers
from tda_nn.extract.outputs import REDUCTIONS, reduce_tensor, select_output, to_numpy

OutputIndex = int | str | None


class _Collector:
    """Gathers one layer's per-batch arrays into one array, preallocated when n is known."""

    def __init__(self, name: str, n_samples: int | None, dtype: np.dtype) -> None:
        self.name = name
        self.n_samples = n_samples
        self.dtype = dtype
        self.parts: list[np.ndarray] = []
        self.out: np.ndarray | None = None
        self.filled = 0

    def add(self, array: np.ndarray) -> None:
        if self.out is None and self.parts == [] and self.n_samples is not None:
            self.out = np.empty((self.n_samples, *array.shape[1:]), dtype=self.dtype)
        reference = self.out if self.out is not None else (self.parts[0] if self.parts else None)
        if reference is not None and reference.shape[1:] != array.shape[1:]:
            raise InputError(
                f"{self.name} has shape {array.shape[1:]} per sample in one batch but "
                f"{reference.shape[1:]} in another; use reduce='mean' or 'max' for inputs of varying size"
            )
        if self.out is not None:
            self.out[self.filled : self.filled + len(array)] = array
        else:
            self.parts.append(array)
        self.filled += len(array)

    def result(self) -> np.ndarray:
        if self.out is not None:
            return self.out[: self.filled]
        if not self.parts:
            raise InputError("X holds no samples (the loader gave no batch)")
        return np.concatenate(self.parts, axis=0)


def _model_device(model: nn.Module) -> tuple[torch.device, bool]:
    """The device of the model's first parameter/buffer (cpu if none) and whether all agree."""
    devices = {t.device for t in (*model.parameters(), *model.buffers())}
    if not devices:
        return torch.device("cpu"), True
    first = next(iter((*model.parameters(), *model.buffers()))).device
    return first, len(devices) == 1


def _float_dtype(model: nn.Module) -> torch.dtype:
    for tensor in (*model.parameters(), *model.buffers()):
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def _same_device(a: torch.device, b: torch.device) -> bool:
    def index(d: torch.device) -> int | None:
        if d.index is None and d.type == "cuda":
            return torch.cuda.current_device()
        return d.index

    return a.type == b.type and (a.type == "cpu" or index(a) == index(b))


def _resolve_device(device: Any) -> torch.device | None:
    """The requested device (None means: where the model already is)."""
    if device is None:
        return None
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise InputError(f"device {device!r} is not a torch device: {exc}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} was asked for but CUDA is not available")
    return resolved


class ActivationExtractor(TransformerMixin, BaseEstimator):
    """Read the activations of named layers of a PyTorch model as point clouds.

    One forward pass per batch with forward hooks on the requested modules; each captured output
    is reduced to ``(batch, n_features)``, copied to CPU numpy at once and written into the
    per-layer result, so no more than the requested layers is ever held. The model runs in
    ``eval()`` mode under ``torch.no_grad()``; afterwards the ``training`` flag of every submodule
    is restored, every hook removed and the model moved back to its device, even when the forward
    pass raises.

    Parameters
    ----------
    model : torch.nn.Module
        The model. It is not copied (``clone`` deep-copies it, as scikit-learn does with any
        parameter).
    layers : list of str, str or None, default=None
        Module paths as in ``model.named_modules()`` (``"encoder.0"``, ``"bert.encoder.layer.3"``);
        ``"input"`` is the input itself (for a mapping input, its first array entry, e.g.
        ``input_ids``). The result follows this order. ``None`` picks, by the first rule that
        matches (module order = ``named_modules()`` order, execution order for ``nn.Sequential``):

        1. transformers: each block, i.e. the non-leaf modules whose path ends in ``layer.N``,
           ``layers.N``, ``h.N`` or ``blocks.N`` (outermost only; e.g. BERT's
           ``encoder.layer.N``, GPT-2's ``h.N``, Llama's ``model.layers.N``);
        2. MLPs and CNNs: the output of every activation module (ReLU, Tanh, LeakyReLU, GELU,
           ...) plus the last leaf module (the head); when the model has convolutions, an
           activation directly followed by a pooling module is replaced by the pooling module,
           so each conv block is read at its end;
        3. otherwise every leaf module.

        Activations applied functionally (``F.relu`` in ``forward``) have no module and are not
        seen by rule 2. A module called several times per forward pass (a shared ``self.relu``)
        gives the output of its last call.
    batch_size : int, default=256
        Samples per forward pass for array, tensor and mapping inputs (a DataLoader keeps its own
        batches).
    device : str, torch.device or None, default=None
        ``None`` runs where the model is. ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...: inputs go
        there, and the model is moved there for the extraction and moved back afterwards if it
        was elsewhere. ``"auto"``: ``"cuda"`` if available, else ``"cpu"``.
    reduce : {"flatten", "mean", "max"}, default="flatten"
        How an output with more than two axes becomes ``(n_samples, n_features)``: flattened per
        sample (C-order, i.e. ``(C, H, W)`` -> ``C*H*W``), or mean/max-pooled over every axis but
        the batch and channel axes. With a mapping input that has an ``attention_mask`` entry of
        shape ``(n, seq)``, "mean" and "max" are mask-aware: for outputs shaped ``(n, seq, ...)``
        with channels last, only positions with ``mask != 0`` are pooled (padding is ignored).
        "flatten" keeps padded positions.
    output_index : int, str, dict or None, default=None
        Which part of a module output that is a tuple, list, mapping or model-output object
        (e.g. transformers' ``BaseModelOutput``) to read: ``None`` takes the first tensor, an int
        indexes the parts (None parts skipped for mappings), a str is a key or attribute. A dict
        ``{layer: index}`` sets it per layer. Plain tensor outputs are used as they are.
    channel_axis : "auto" or int, default="auto"
        The axis kept by "mean"/"max" pooling. "auto": the last axis for mapping (keyword) inputs,
        as for transformers' ``(batch, seq, hidden)``; axis 1 otherwise (``(N, C, H, W)`` maps).
    dtype : numpy float dtype, default=numpy.float32
        dtype of the returned arrays.

    Attributes
    ----------
    layer_names_ : list of str
        The layers read, in output order.

    Notes
    -----
    Floating-point inputs are cast to the dtype of the model's floating parameters; integer
    inputs (token ids) are kept. Every module output must have the batch on axis 0.

    Examples
    --------
    >>> ext = ActivationExtractor(model, layers=["encoder.0", "head"], device="cpu")
    >>> clouds = ext.fit_transform(X)          # [array (n, d0), array (n, d1)]
    >>> clouds, logits = ext.extract(X)        # plus the model's output, same pass
    """

    def __init__(
        self,
        model: nn.Module,
        layers: str | Iterable[str] | None = None,
        *,
        batch_size: int = 256,
        device: str | torch.device | None = None,
        reduce: str = "flatten",
        output_index: OutputIndex | Mapping[str, OutputIndex] = None,
        channel_axis: str | int = "auto",
        dtype: Any = np.float32,
    ) -> None:
        self.model = model
        self.layers = layers
        self.batch_size = batch_size
        self.device = device
        self.reduce = reduce
        self.output_index = output_index
        self.channel_axis = channel_axis
        self.dtype = dtype

    def _check_params(self) -> None:
        if not isinstance(self.model, nn.Module):
            raise InputError(f"model must be a torch.nn.Module; got {type(self.model).__name__}")
        size = self.batch_size
        check_int(size, "batch_size", 1)
        if self.reduce not in REDUCTIONS:
            raise InputError(f"reduce must be one of {', '.join(REDUCTIONS)}; got {self.reduce!r}")
        axis = self.channel_axis
        if not (axis == "auto" or (isinstance(axis, numbers.Integral) and not isinstance(axis, bool)
                                   and axis != 0)):
            raise InputError(f"channel_axis must be 'auto' or a non-zero int; got {axis!r}")
        try:
            kind = np.dtype(self.dtype).kind
        except TypeError:
            kind = ""
        if kind != "f":
            raise InputError(f"dtype must be a numpy float dtype; got {self.dtype!r}")
        _resolve_device(self.device)

    def _check_output_index(self, names: list[str]) -> None:
        index = self.output_index
        values = index.values() if isinstance(index, Mapping) else [index]
        for value in values:
            if value is not None and (isinstance(value, bool) or not isinstance(value, (numbers.Integral, str))):
                raise InputError(f"output_index must be None, an int or a str; got {value!r}")
        if isinstance(index, Mapping):
            extra = [k for k in index if k not in names]
            if extra:
                raise InputError(f"output_index names layers that are not extracted: {extra!r}")

    def fit(self, X: Any, y: Any = None) -> ActivationExtractor:
        """Check the parameters and the input, and resolve the layer names.

        Parameters
        ----------
        X : array-like, torch.Tensor, mapping of arrays, or DataLoader
            The probe inputs (see :meth:`transform`); checked, not run.
        y : ignored

        Returns
        -------
        self : ActivationExtractor
        """
        self._check_params()
        as_source(X)
        names = resolve_layers(self.model, self.layers)
        self._check_output_index(names)
        self.layer_names_ = names
        return self

    def transform(self, X: Any) -> list[np.ndarray]:
        """Run the model on ``X`` and return the requested layers' activations.

        Parameters
        ----------
        X : array-like or torch.Tensor of shape (n_samples, ...), mapping, or DataLoader
            Arrays/tensors are passed positionally, batched along axis 0. A mapping
            ``{argument: array}`` (e.g. ``input_ids``, ``attention_mask``) is passed as keyword
            arguments; its entries with a batch axis are sliced along axis 0, other values
            (flags, scalars) passed unchanged. A DataLoader's batches are used as they come:
            a tuple/list batch such as ``(x, y)`` gives its first element, a dict batch is passed
            as keyword arguments.

        Returns
        -------
        clouds : list of numpy.ndarray, each of shape (n_samples, n_features)
            One array per entry of ``layer_names_``, in that order, of dtype ``dtype``.
        """
        clouds, _ = self._run(X, want_output=False)
        return clouds

    def extract(self, X: Any) -> tuple[list[np.ndarray], np.ndarray]:
        """Like :meth:`transform`, and also return the model's own output from the same passes.

        Parameters
        ----------
        X : see :meth:`transform`

        Returns
        -------
        clouds : list of numpy.ndarray, each of shape (n_samples, n_features)
        model_output : numpy.ndarray of shape (n_samples, ...)
            The first tensor of the model's output (e.g. logits, or ``last_hidden_state`` for a
            transformers base model), unreduced, of dtype ``dtype``.
        """
        clouds, output = self._run(X, want_output=True)
        assert output is not None
        return clouds, output

    def _index_for(self, name: str) -> OutputIndex:
        if isinstance(self.output_index, Mapping):
            return self.output_index.get(name)
        return self.output_index

    def _run(self, X: Any, want_output: bool) -> tuple[list[np.ndarray], np.ndarray | None]:
        check_is_fitted(self, "layer_names_")
        self._check_params()
        model: nn.Module = self.model
        names = list(self.layer_names_)
        modules = find_modules(model, names)
        source = as_source(X)
        dtype = np.dtype(self.dtype)
        target = _resolve_device(self.device)
        home, single = _model_device(model)
        move = target is not None and not _same_device(target, home)
        if move and not single:
            raise InputError(
                f"model {type(model).__name__} spans several devices; pass device=None to run it in place"
            )
        device = target if target is not None else home
        float_dtype = _float_dtype(model)
        collectors = {name: _Collector(f"layer {name!r}", source.n_samples, dtype) for name in names}
        output_collector = _Collector("the model output", source.n_samples, dtype)
        state: dict[str, Any] = {"batch": None, "captured": {}}

        def make_hook(name: str) -> Any:
            index = self._index_for(name)
            where = f"layer {name!r}"

            def hook(module: nn.Module, args: Any, output: Any) -> None:
                batch: Batch = state["batch"]
                tensor = select_output(output, index, where)
                state["captured"][name] = self._to_rows(tensor, batch, where)

            return hook

        modes = [(module, module.training) for module in model.modules()]
        handles = []
        try:
            if move:
                model.to(device)
            model.eval()
            for name, module in modules.items():
                handles.append(module.register_forward_hook(make_hook(name)))
            with torch.no_grad():
                for batch in source.batches(int(self.batch_size), device, float_dtype):
                    state["batch"] = batch
                    state["captured"] = {}
                    output = model(*batch.args, **batch.kwargs)
                    for name in names:
                        if name == INPUT:
                            rows = self._to_rows(batch.data, batch, "layer 'input'")
                        elif name in state["captured"]:
                            rows = state["captured"][name]
                        else:
                            raise InputError(
                                f"layer {name!r} did not run in the forward pass of {type(model).__name__}"
                            )
                        collectors[name].add(rows)
                    if want_output:
                        first = select_output(output, None, "the model output")
                        output_collector.add(to_numpy(first, dtype))
                    state["captured"] = {}
        finally:
            for handle in handles:
                handle.remove()
            for module, training in modes:
                module.training = training
            if move:
                model.to(home)
        clouds = [collectors[name].result() for name in names]
        return clouds, (output_collector.result() if want_output else None)

    def _to_rows(self, tensor: torch.Tensor, batch: Batch, where: str) -> np.ndarray:
        """Reduce one captured tensor to ``(batch.n, n_features)`` numpy rows."""
        if tensor.ndim == 0 or tensor.shape[0] != batch.n:
            shape = tuple(tensor.shape)
            raise InputError(
                f"{where} gave a tensor of shape {shape} for a batch of {batch.n} samples; "
                "its axis 0 is not the batch axis"
            )
        if self.channel_axis == "auto":
            axis = -1 if batch.keyword else 1
        else:
            axis = int(self.channel_axis)
        reduced = reduce_tensor(tensor, self.reduce, axis, batch.mask)
        return to_numpy(reduced, np.dtype(self.dtype))


def extract_activations(
    model: nn.Module, X: Any, layers: str | Iterable[str] | None = None, **kwargs: Any
) -> dict[str, np.ndarray]:
    """Activations of ``layers`` of ``model`` on ``X``, as ``{layer name: array}``.

    Parameters
    ----------
    model : torch.nn.Module
        The model to read (not modified).
    X : array-like, torch.Tensor, mapping of arrays, or DataLoader
        See :meth:`ActivationExtractor.transform`.
    layers : list of str, str or None
        See :class:`ActivationExtractor` (``None`` picks the default layers).
    **kwargs
        Other :class:`ActivationExtractor` parameters (``batch_size``, ``device``, ``reduce``,
        ``output_index``, ``channel_axis``, ``dtype``).

    Returns
    -------
    activations : dict of str to numpy.ndarray of shape (n_samples, n_features)
        In layer order.
    """
    extractor = ActivationExtractor(model, layers, **kwargs).fit(X)
    clouds = extractor.transform(X)
    return dict(zip(extractor.layer_names_, clouds, strict=True))

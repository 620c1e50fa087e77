"""Data for a pipeline: train/test split and the probe set whose activations are measured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tda_nn.errors import InputError

#: Input shapes of the built-in image-like datasets, for convolutional models.
IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist1d": (1, 40)}
#: The data split and probe subsample do not depend on the training seed, so every seed and every
#: model of a spec sees the same probe points (needed to compare them layer by layer).
DATA_SEED = 0
#: seed of the label permutation of ``data.shuffle_labels`` (fixed: every seed sees the same one)
SHUFFLE_SEED = 1


@dataclass
class PipelineData:
    """Arrays for one spec: training and test splits, the probe set and its true labels."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    X_probe: np.ndarray
    y_probe: np.ndarray
    n_classes: int
    in_shape: tuple[int, ...] | None
    info: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n_train": len(self.X_train),
            "n_test": len(self.X_test),
            "n_probe": len(self.X_probe),
            "n_features": int(self.X_train.shape[1]),
            "n_classes": self.n_classes,
            "known_betti": self.info.get("betti"),
        }


def prepare_data(data_spec: dict[str, Any], source: str = "spec") -> PipelineData:
    """Load the dataset of ``data_spec`` (see ``tda_nn.pipeline.spec``) and carve the probe set."""
    from sklearn.model_selection import train_test_split

    from tda_nn.datasets import load_dataset

    name = data_spec["name"]
    try:
        ds = load_dataset(name, **data_spec["params"])
    except InputError:
        raise
    except (TypeError, ValueError, OverflowError, MemoryError) as exc:
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise InputError(f"{source}: data.params: {type(exc).__name__}: {detail}") from None
    if ds.y is None:
        raise InputError(f"{source}: data.name: dataset {name!r} has no labels to train on")
    X, y = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y)
    if ds.X_test is not None and ds.y_test is not None:
        X_train, y_train = X, y
        X_test, y_test = np.asarray(ds.X_test, dtype=np.float32), np.asarray(ds.y_test)
    else:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=data_spec["test_fraction"], random_state=DATA_SEED, stratify=y
        )
    if data_spec["probe_split"] == "train":
        X_probe, y_probe = X_train, y_train
    else:
        X_probe, y_probe = X_test, y_test
    size = data_spec["probe_size"]
    if size is not None and size < len(X_probe):
        rng = np.random.default_rng(DATA_SEED)
        keep = np.sort(rng.choice(len(X_probe), size=size, replace=False))
        X_probe, y_probe = X_probe[keep], y_probe[keep]
    classes = np.unique(np.concatenate([y_train, y_test]))
    if data_spec.get("shuffle_labels"):
        # the shuffled-label control: train on permuted labels; the probe (carved above, even
        # from the training split) and the test split keep their true labels
        y_train = np.random.default_rng(SHUFFLE_SEED).permutation(y_train)
    return PipelineData(
        name=name,
        X_train=X_train,
        y_train=y_train.astype(np.int64),
        X_test=X_test,
        y_test=y_test.astype(np.int64),
        X_probe=np.ascontiguousarray(X_probe),
        y_probe=y_probe.astype(np.int64),
        n_classes=int(classes.max()) + 1,
        in_shape=IMAGE_SHAPES.get(name),
        info=dict(ds.info),
    )

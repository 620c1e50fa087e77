"""Persistence over training: capture activations from a training loop, resumably.

- :class:`TopologyTracker` (``tracker``): plug into any PyTorch loop; at scheduled steps it stores
  the probe set's activations and predictions in a :class:`tda_nn.io.RunStore` and checkpoints
  the model.
- :func:`train_reference` (``loop``): trains the reference models the JMLR 2020 way (full-batch
  Adam, stop at 100% training accuracy), writes ``metrics.csv``, and resumes after a kill with
  bit-identical results.
- ``make_mlp``, ``make_cnn``, ``build_model``, ``default_layers`` (``models``): reference models
  with readable layer names (``fc1, act1, ..., out``).
- ``seed_everything``, ``torch_threads`` (``seeding``): seeds, torch's thread count for a block, and
  what is and is not deterministic (across thread counts, on GPU).
- ``checkpoints``: ``RUN_DIR/checkpoints/step_XXXXXXXX.pt`` files.

Names are loaded on first access, so importing this package does not import torch.
"""

from __future__ import annotations

from tda_nn._lazy import lazy_exports

_EXPORTS = {
    "TopologyTracker": "tda_nn.training.tracker",
    "predictions_from_output": "tda_nn.training.tracker",
    "train_reference": "tda_nn.training.loop",
    "TrainResult": "tda_nn.training.loop",
    "read_metrics": "tda_nn.training.loop",
    "METRIC_COLUMNS": "tda_nn.training.loop",
    "make_mlp": "tda_nn.training.models",
    "make_cnn": "tda_nn.training.models",
    "build_model": "tda_nn.training.models",
    "default_layers": "tda_nn.training.models",
    "seed_everything": "tda_nn.training.seeding",
    "get_rng_state": "tda_nn.training.seeding",
    "set_rng_state": "tda_nn.training.seeding",
    "torch_threads": "tda_nn.training.seeding",
    "checkpoint_path": "tda_nn.training.checkpoints",
    "list_checkpoints": "tda_nn.training.checkpoints",
    "save_checkpoint": "tda_nn.training.checkpoints",
    "load_checkpoint": "tda_nn.training.checkpoints",
    "load_model_state": "tda_nn.training.checkpoints",
}

__all__, __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())

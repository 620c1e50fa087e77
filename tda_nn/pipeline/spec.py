"""The pipeline spec: what ``tda-nn run SPEC.yaml`` trains, captures and measures.

A spec is YAML with the sections ``name``, ``seeds``, ``data``, ``models`` (or ``model``),
``training``, ``capture``, ``topology``, ``execution`` and ``outputs``, validated whole and up
front by the schema below. Every key with its default: ``docs/pipelines-and-scale-out.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tda_nn.analysis.trimming import OUTLIER_RATIO
from tda_nn.checks import dims_problem
from tda_nn.errors import InputError
from tda_nn.homology.backends import BACKENDS
from tda_nn.homology.metrics import POINT_CLOUD_METRICS, metric_params_problem
from tda_nn.homology.params import MAX_HOMOLOGY_DIM, SUBSAMPLE_CHOICES
from tda_nn.names import check_identifier
from tda_nn.pipeline.schema import (
    Field,
    Section,
    check_section,
    int_list,
    non_negative,
    plain_data,
    positive,
    raise_problems,
    string_list,
)


def _fraction(value: Any) -> str | None:
    return None if 0 < value < 1 else f"must be between 0 and 1 (exclusive), got {value!r}"


def _accuracy(value: Any) -> str | None:
    return None if 0 < value <= 1 else f"must be in (0, 1], got {value!r}"


#: Seeds are what torch and NumPy accept.
MAX_SEED = 2**32 - 1


def _outlier_ratio(value: Any) -> str | None:
    return None if value == 0 or 1 < value < float("inf") else (
        f"must be 0 (off) or a number > 1, got {value!r}")


def _homology_dims(value: Any) -> str | None:
    return dims_problem(value, MAX_HOMOLOGY_DIM)


def _seeds(value: Any) -> str | None:
    problem = int_list(0)(value)
    if problem is None and any(v > MAX_SEED for v in value):
        return f"must be integers in [0, 2**32 - 1], got {value!r}"
    return problem


def _threads(value: Any) -> str | None:
    return None if value >= 1 else f"must be >= 1 (null: torch's default), got {value!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lr_decay(value: Any) -> str | None:
    ok = (
        len(value) == 2
        and _is_number(value[0])
        and 0 < value[0] <= 1
        and _is_number(value[1])
        and not isinstance(value[1], float)
        and value[1] > 0
    )
    return None if ok else f"must be [factor in (0, 1], every_epochs > 0], got {value!r}"


MODEL = Section(
    {
        "type": Field((str,), required=True, choices=("mlp", "cnn")),
        "depth": Field((int, None), check=positive, doc="hidden layers (mlp; default 4)"),
        "width": Field((int, None), check=positive, doc="units per hidden layer (mlp; default 32)"),
        "activation": Field((str,), default="relu", choices=("relu", "leaky_relu", "tanh")),
        "channels": Field((list,), default=None,
                          check=lambda v: int_list(1)(v) or (None if v else "must not be empty")),
    },
    open_keys=False,
)

#: Spec kinds ``tda-nn run`` dispatches on (the ``kind:`` key; default "run").
KINDS = ("run", "compare", "experiment", "text")

SCHEMA = Section(
    {
        "kind": Field((str,), default="run", choices=("run",)),
        "name": Field((str, None)),
        "description": Field((str, None)),
        "seeds": Field((list,), default=[0], check=_seeds),
        "data": Section(
            {
                "name": Field((str,), required=True),
                "params": Field((dict,), default={}),
                "test_fraction": Field((float,), default=0.25, check=_fraction),
                "probe_split": Field((str,), default="test", choices=("train", "test")),
                "probe_size": Field((int, None), check=positive),
                "shuffle_labels": Field((bool,), default=False,
                                        doc="train on a fixed permutation of the training labels "
                                            "(a control; the probe keeps its true labels)"),
            },
            required=True,
        ),
        "model": Field((dict, None)),
        "models": Field((dict, None)),
        "training": Section(
            {
                "optimizer": Field((str,), default="adam", choices=("adam", "sgd")),
                "lr": Field((float,), default=0.01, check=positive),
                "epochs": Field((int,), default=30, check=non_negative),
                "batch_size": Field((int, None), check=positive),
                "lr_decay": Field((list, None), check=_lr_decay),
                "target_train_accuracy": Field((float, None), check=_accuracy),
                "threads": Field((int, None), check=_threads,
                                 doc="torch intra-op threads while training (null: torch's default)"),
            }
        ),
        "capture": Section(
            {
                "every": Field((int,), default=5, check=positive),
                "epochs": Field((list, None), check=int_list(0)),
                "layers": Field((list, None), check=string_list),
            }
        ),
        "topology": Section(
            {
                "homology_dimensions": Field((list,), default=[0, 1], check=_homology_dims),
                "classes": Field((str,), default="predicted", choices=("none", "true", "predicted")),
                "min_class_points": Field((int,), default=20, check=positive),
                "metric": Field((str,), default="euclidean", choices=POINT_CLOUD_METRICS),
                "metric_params": Field((dict,), default={},
                                       doc="checked against the metric in validate_spec"),
                "subsample": Field((str,), default="auto", choices=SUBSAMPLE_CHOICES),
                "n_landmarks": Field((int, None), check=positive),
                "max_edge_length": Field((float, None), check=positive),
                "backend": Field((str,), default="giotto-ph", choices=BACKENDS),
                "betti_method": Field((str,), default="significant",
                                      choices=("significant", "auto", "test", "scale")),
                "betti_scale": Field((float, None), check=positive),
                "intrinsic_dimension": Field((bool,), default=True),
                "linear_probe": Field((bool,), default=True),
                "outlier_ratio": Field((float,), default=OUTLIER_RATIO, check=_outlier_ratio),
                "denser_look": Field((bool,), default=True),
            }
        ),
        "execution": Section(
            {
                "n_jobs": Field((int,), default=1,
                                check=lambda v: None if v >= 1 or v == -1 else "must be >= 1 or -1"),
                "scheduler": Field((str, None)),
            }
        ),
        "outputs": Section(
            {"figures": Field((bool,), default=True), "report": Field((bool,), default=True)}
        ),
    }
)


def spec_kind(path: str | Path) -> str:
    """The ``kind`` of a YAML spec ("run" when absent), or InputError for an unknown kind."""
    raw = _read_yaml(Path(path))
    kind = raw.get("kind", "run") if isinstance(raw, dict) else "run"
    if kind not in KINDS:
        raise InputError(f"{path}: kind: unknown spec kind {kind!r}; expected one of {', '.join(KINDS)}")
    return str(kind)


def _read_yaml(path: Path) -> Any:
    from tda_nn.pipeline.yaml_load import load_yaml

    return load_yaml(path, "pipeline spec")


def load_spec(path: str | Path) -> dict[str, Any]:
    """Read and validate a pipeline spec; return it with every default filled in.

    Raises
    ------
    InputError
        One line naming the file and every unknown key or bad value.
    """
    path = Path(path)
    return validate_spec(_read_yaml(path), source=str(path), default_name=path.stem)


def validate_spec(raw: Any, *, source: str = "<spec>", default_name: str = "run") -> dict[str, Any]:
    """Validate a spec mapping (see docs/pipelines-and-scale-out.md) and normalise ``model``/``models``."""
    if not isinstance(raw, Mapping):
        raise InputError(
            f"{source}: a spec is a mapping of sections (data:, models:, ...), got "
            f"{'an empty file' if raw is None else type(raw).__name__}"
        )
    problems: list[str] = []
    plain_data(raw, "", problems)
    raise_problems(source, problems)
    spec = check_section(raw, SCHEMA, "", problems)
    if spec["model"] is not None and spec["models"] is not None:
        problems.append("give either 'model' or 'models', not both")
    models = spec.pop("models") or {}
    single = spec.pop("model")
    if single is not None:
        models = {"model": single}
    if not models and not problems:
        problems.append("models: at least one model is required")
    checked: dict[str, Any] = {}
    for name, model in models.items():
        try:
            check_identifier(name, "models")
        except InputError as exc:
            problems.append(str(exc))
            continue
        checked[name] = check_section(model, MODEL, f"models.{name}", problems)
    raise_problems(source, problems)
    topology, training, capture = spec["topology"], spec["training"], spec["capture"]
    if topology["betti_method"] == "scale" and topology["betti_scale"] is None:
        problems.append("topology.betti_scale: required when topology.betti_method is 'scale'")
    metric_problem = metric_params_problem(topology["metric"], topology["metric_params"])
    if metric_problem:
        problems.append(f"topology.metric_params: {metric_problem}")
    if len(set(spec["seeds"])) != len(spec["seeds"]):
        problems.append(f"seeds: repeated seed in {spec['seeds']}")
    late = [e for e in capture["epochs"] or [] if e > training["epochs"]]
    if late:
        problems.append(
            f"capture.epochs: {late} after the last training epoch (training.epochs = "
            f"{training['epochs']})"
        )
    raise_problems(source, problems)
    spec["models"] = checked
    spec["name"] = spec["name"] or default_name
    return spec

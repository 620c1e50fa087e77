"""The experiment spec: several pipelines plus the paper's kNN protocol on the same activations.

A YAML mapping with ``kind: experiment``, ``name``, ``description``, a ``knn`` section (the
protocol of Naitzat et al. 2020), ``input_layer``, ``controls`` (run beside every trained
configuration: ``untrained``, ``shuffled_labels``, ``embedding``), an ``embedding`` section and
``pipelines`` (one ``tda-nn run`` spec per entry, with per-entry ``knn`` and ``controls``
overrides). The ``untrained`` and ``shuffled_labels`` controls add pipeline entries
``<entry>-untrained`` (the same nets, not trained) and ``<entry>-shuffled_labels`` (trained on
permuted labels), both with classes split by true label. Every key:
``docs/experiments.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tda_nn.errors import InputError
from tda_nn.pipeline.schema import Field, Section, check_section, int_list, positive, raise_problems

KNN = Section(
    {
        "n_neighbors": Field((int,), default=14, check=positive),
        "scale": Field((float,), default=2.0, check=positive),
        "homology_dimensions": Field((list,), default=[0, 1, 2], check=int_list(0)),
        "steps": Field((str,), default="last", choices=("last", "all")),
        "min_class_points": Field((int,), default=20, check=positive),
        "enabled": Field((bool,), default=True),
        "include_self": Field((bool,), default=False,
                              doc="the point is one of its own n_neighbors (the authors' code)"),
        "deduplicate": Field((bool,), default=False,
                             doc="identical points are one vertex (the authors' np.unique)"),
    }
)

#: the controls an experiment can run beside its trained networks
CONTROLS = ("untrained", "shuffled_labels", "embedding")


def _controls(value: Any) -> str | None:
    if not all(isinstance(v, str) for v in value):
        return "must be a list of names"
    bad = [v for v in value if v not in CONTROLS]
    if bad:
        return f"unknown control(s) {bad}; choose from {list(CONTROLS)}"
    if len(set(value)) != len(value):
        return "lists a control twice"
    return None


EMBEDDING = Section(
    {
        "gain": Field((float,), default=2.0, check=positive,
                      doc="pre-activation scale of each invertible tanh layer"),
        "depth": Field((int, None), check=positive,
                       doc="invertible layers (default: the deepest MLP of the entry)"),
    }
)

ENTRY = Section(
    {
        "knn": Field((dict, None)),
        "controls": Field((list, None), check=_controls),
        "spec": Field((dict,), required=True),
    }
)

SCHEMA = Section(
    {
        "kind": Field((str,), required=True, choices=("experiment",)),
        "name": Field((str, None)),
        "description": Field((str, None)),
        "knn": KNN,
        "input_layer": Field((bool,), default=True),
        "controls": Field((list,), default=["untrained"], check=_controls),
        "embedding": EMBEDDING,
        "pipelines": Field((dict,), required=True),
    }
)


def load_experiment_spec(path: str | Path) -> dict[str, Any]:
    """Read and validate an experiment spec; return it with defaults filled in.

    Parameters
    ----------
    path : str or Path
        The experiment's YAML file (e.g. ``pipelines/naitzat_small.yaml``).

    Returns
    -------
    dict
        ``name``, ``description``, ``input_layer``, ``knn`` (defaults), ``controls``,
        ``embedding`` and ``pipelines``: ``{entry: {"spec": validated pipeline spec, "knn":
        merged knn settings, "controls": the entry's controls, "control": None or the control
        this entry is, "base": the trained entry it belongs to}}``.

    Raises
    ------
    InputError
        One line naming the file and every problem.
    """
    from tda_nn.pipeline.yaml_load import load_yaml

    path = Path(path)
    raw = load_yaml(path, "experiment spec")
    return validate_experiment_spec(raw, source=str(path), default_name=path.stem)


def validate_experiment_spec(
    raw: Any, *, source: str = "<experiment>", default_name: str = "experiment"
) -> dict[str, Any]:
    """Validate an experiment mapping (see docs/experiments.md)."""
    from tda_nn.pipeline.spec import validate_spec

    problems: list[str] = []
    spec = check_section(raw, SCHEMA, "", problems)
    entries: dict[str, Any] = {}
    pipelines = spec.get("pipelines") or {}
    if not pipelines and not problems:
        problems.append("pipelines: at least one pipeline is required")
    for entry, value in pipelines.items():
        where = f"pipelines.{entry}"
        if not str(entry).replace("_", "").replace("-", "").isalnum():
            problems.append(f"{where}: entry names may hold letters, digits, '_' and '-' only")
            continue
        checked = check_section(value, ENTRY, where, problems)
        knn_raw = {**{k: v for k, v in (raw.get("knn") or {}).items()}, **(checked.get("knn") or {})}
        knn = check_section(knn_raw, KNN, f"{where}.knn", problems)
        if "spec" not in checked or not isinstance(checked["spec"], dict):
            continue
        try:
            pipeline = validate_spec(checked["spec"], source=f"{source}: {where}.spec",
                                     default_name=str(entry))
        except InputError as exc:
            problems.append(str(exc))
            continue
        controls = checked.get("controls")
        controls = list(spec.get("controls") or []) if controls is None else list(controls)
        entries[str(entry)] = {"spec": pipeline, "knn": knn, "controls": controls,
                               "control": None, "base": str(entry)}
        for kind, make in CONTROL_SPECS.items():
            if kind not in controls:
                continue
            name = f"{entry}-{kind}"
            if name in pipelines:
                problems.append(f"{where}: the {kind} control needs the entry name {name!r}, "
                                "which the spec already uses")
                continue
            entries[name] = {"spec": make(pipeline), "knn": knn, "controls": [],
                             "control": kind, "base": str(entry)}
    raise_problems(source, problems)
    spec["pipelines"] = entries
    spec["name"] = spec["name"] or default_name
    return spec


def _control_copy(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    """A copy of a validated pipeline spec as the ``kind`` control: named ``<name>-<kind>``,
    class clouds split by true label, no training-accuracy target."""
    import copy

    out = copy.deepcopy(spec)
    out["name"] = f"{spec['name']}-{kind}"
    out["topology"]["classes"] = "true"
    out["training"]["target_train_accuracy"] = None
    return out


def untrained_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The untrained control of a validated pipeline spec.

    The same data, models and seeds (hence the same initial weights as the trained runs: the
    seed pairs them), not trained (``training.epochs = 0``, one capture at step 0), class clouds
    split by true label (``topology.classes = "true"``): at initialisation the predictions are
    arbitrary, and the claim is about the class manifolds, which a trained net predicts.
    """
    out = _control_copy(spec, "untrained")
    out["training"]["epochs"] = 0
    out["training"]["lr_decay"] = None
    out["capture"]["epochs"] = [0]
    return out


def shuffled_labels_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The shuffled-label control of a validated pipeline spec.

    The same data, models, seeds (hence the same initial weights: the seed pairs each control
    run with its trained run), training and capture, but trained on a fixed permutation of the
    training labels (``data.shuffle_labels``); the probe keeps its true labels and the class
    clouds are split by them (``topology.classes = "true"``), so the control measures the same
    class manifolds as the trained runs. No training-accuracy target: the control trains for
    the full ``training.epochs``.
    """
    out = _control_copy(spec, "shuffled_labels")
    out["data"]["shuffle_labels"] = True
    return out


#: the controls that are pipelines of their own: entry ``<entry>-<control>``, spec made by
CONTROL_SPECS = {"untrained": untrained_spec, "shuffled_labels": shuffled_labels_spec}

"""The experiment spec: several pipelines plus the paper's kNN protocol on the same activations.

A YAML mapping with ``kind: experiment``, ``name``, ``description``, a ``knn`` section (the
protocol of Naitzat et al. 2020), ``input_layer`` and ``pipelines`` (one ``tda-nn run`` spec per
entry, with per-entry ``knn`` overrides). Every key: ``docs/experiments.md``.
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
    }
)

ENTRY = Section(
    {
        "knn": Field((dict, None)),
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
        ``name``, ``description``, ``input_layer``, ``knn`` (defaults) and ``pipelines``:
        ``{entry: {"spec": validated pipeline spec, "knn": merged knn settings}}``.

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
        entries[str(entry)] = {"spec": pipeline, "knn": knn}
    raise_problems(source, problems)
    spec["pipelines"] = entries
    spec["name"] = spec["name"] or default_name
    return spec

"""The ``kind: compare`` pipeline spec: :func:`load_compare_spec` and :func:`run_compare_spec`.

A spec trains and measures the models of a ``run`` section, extracts a text model's
activations (pretrained against random copies), compares them and writes the outputs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tda_nn._atomic import write_json
from tda_nn.compare.comparison import compare_sources, merge_results
from tda_nn.compare.manifest import _check_out, _read_manifest, _safe, _write_manifest
from tda_nn.compare.options import (
    ALIGN_CHOICES,
    DIAGRAM_METRICS,
    NORMALIZE_CHOICES,
    NULL_CHOICES,
    SUBSAMPLE_CHOICES,
    CompareOptions,
    Log,
)
from tda_nn.compare.outputs import format_summary, write_outputs
from tda_nn.compare.sources import load_sources
from tda_nn.errors import InputError
from tda_nn.pipeline.spec import _read_yaml

__all__ = ["load_compare_spec", "run_compare_spec"]


def _schema() -> tuple[Any, Any, Any]:
    from tda_nn.checks import dims_problem
    from tda_nn.pipeline.schema import Field, Section, int_list, non_negative, positive

    def step_check(value: Any) -> str | None:
        if value in ("first", "last") or (isinstance(value, int) and value >= 0):
            return None
        return f"must be 'first', 'last' or a step number >= 0, got {value!r}"

    def metrics_check(value: Any) -> str | None:
        bad = [m for m in value if m not in DIAGRAM_METRICS]
        return f"unknown metric(s) {bad}; expected among {list(DIAGRAM_METRICS)}" if bad else None

    def order_check(value: Any) -> str | None:
        return None if value >= 1 else f"must be >= 1, got {value!r}"

    def dims_check(value: Any) -> str | None:
        return dims_problem(value, distinct=False)

    def at_least_two(value: Any) -> str | None:
        return None if value >= 2 else f"must be >= 2, got {value!r}"

    compare = Section({
        "step": Field((str, int), default="last", check=step_check),
        "homology_dimensions": Field((list,), default=[0, 1], check=dims_check),
        "metrics": Field((list,), default=["wasserstein", "bottleneck"], check=metrics_check),
        "order": Field((float,), default=1.0, check=order_check),
        "ground_metric": Field((str,), default="linf", choices=("linf", "l2")),
        "cka": Field((bool,), default=True),
        "rtd": Field((bool,), default=False),
        "rtd_samples": Field((int,), default=200, check=at_least_two),
        "rtd_trials": Field((int,), default=3, check=positive),
        "align": Field((str,), default="relative_depth", choices=ALIGN_CHOICES),
        "null_kind": Field((str,), default="auto", choices=NULL_CHOICES,
                           doc="auto | seeds | bootstrap | none (`null` is YAML's null)"),
        "n_bootstrap": Field((int,), default=5, check=positive),
        "n_landmarks": Field((int, None), check=at_least_two),
        "subsample": Field((str,), default="auto", choices=SUBSAMPLE_CHOICES),
        "barcode_layers": Field((list, None)),
        "random_state": Field((int,), default=0, check=non_negative),
        "normalize": Field((str,), default="none", choices=NORMALIZE_CHOICES),
        "figures": Field((bool,), default=True),
    })
    text = Section({
        "name": Field((str, None), doc="prefix of the model names (default: the model name)"),
        "model": Field((str,), default="minilm", choices=("minilm",)),
        "module": Field((str, None)),
        "texts": Field((str,), required=True),
        "labels": Field((str, None)),
        "max_texts": Field((int, None), check=at_least_two),
        "max_length": Field((int,), default=128, check=at_least_two),
        "batch_size": Field((int,), default=32, check=positive),
        "layers": Field((list, None)),
        "random_seeds": Field((list,), default=[0], check=int_list(0)),
    })
    top = Section({
        "kind": Field((str,), required=True, choices=("compare",)),
        "name": Field((str, None)),
        "description": Field((str, None)),
        "run": Field((dict, None)),
        "comparisons": Field((list, None)),
        "text": Field((dict, None)),
        "compare": compare,
        "execution": Section({
            "n_jobs": Field((int,), default=1,
                            check=lambda v: None if v >= 1 or v == -1 else "must be >= 1 or -1"),
            "scheduler": Field((str, None)),
        }),
    })
    return top, text, compare


def _parse_comparison(item: Any) -> tuple[str, str] | None:
    if isinstance(item, str):
        parts = [p.strip() for p in re.split(r"\s+vs\.?\s+", item.strip())]
    elif isinstance(item, list | tuple):
        parts = [str(p).strip() for p in item]
    else:
        return None
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def load_compare_spec(
    spec: str | os.PathLike[str] | Mapping[str, Any], *, source: str | None = None
) -> dict[str, Any]:
    """Read and validate a ``kind: compare`` spec; return it with every default filled in.

    The spec (see ``pipelines/compare.yaml``)::

        kind: compare
        name: compare
        run: {...}                 # an ordinary `tda-nn run` spec: data, models, seeds, training...
        comparisons:               # pairs of run models ("a vs b" or [a, b]); default: all pairs
          - relu_mlp vs tanh_mlp
        text:                      # a text model, pretrained against randomly initialised
          model: minilm
          texts: data/sentences.txt
          labels: data/sentences_labels.txt
          max_texts: null          # evenly spaced subset
          random_seeds: [0]        # one random copy per seed
        compare: {...}             # the options of compare_job (homology_dimensions, metrics,
                                   # order, ground_metric, cka, rtd, align, null_kind (compare_job's
                                   # null), n_bootstrap, n_landmarks, barcode_layers, figures...)
        execution: {n_jobs: 1, scheduler: null}

    Relative paths of ``text.texts``/``text.labels`` are looked up in the working directory,
    then next to the spec file, then one directory above it.

    Raises
    ------
    InputError
        One line naming the file and every unknown key or bad value.
    """
    from tda_nn.pipeline.schema import check_section, raise_problems
    from tda_nn.pipeline.spec import validate_spec

    base: Path | None = None
    if isinstance(spec, Mapping):
        raw: Any = dict(spec)
        source = source or "<spec>"
        default_name = "compare"
    else:
        path = Path(spec)
        raw = _read_yaml(path)
        source = source or str(path)
        default_name = path.stem
        base = path.resolve().parent
    top, text_section, _ = _schema()
    problems: list[str] = []
    checked = check_section(raw, top, "", problems)
    text = None
    if checked.get("text") is not None:
        text = check_section(checked["text"], text_section, "text", problems)
    if checked.get("run") is None and text is None:
        problems.append("give a 'run' section, a 'text' section, or both")
    comparisons = None
    if checked.get("comparisons") is not None:
        if checked.get("run") is None:
            problems.append("comparisons: compare models of a 'run' section, which is missing")
        comparisons = []
        for i, item in enumerate(checked["comparisons"]):
            pair = _parse_comparison(item)
            if pair is None:
                problems.append(f"comparisons[{i}]: expected 'a vs b' or [a, b], got {item!r}")
            else:
                comparisons.append(list(pair))
    if text is not None:
        if text["module"] is not None and "model" in (raw.get("text") or {}):
            problems.append("text: give either 'model' or 'module', not both")
        for key in ("texts", "labels"):
            if text.get(key):
                found = _resolve(text[key], base)
                if found is None:
                    problems.append(f"text.{key}: file {text[key]!r} not found")
                else:
                    text[key] = str(found)
        if len(set(text["random_seeds"])) != len(text["random_seeds"]):
            problems.append(f"text.random_seeds: repeated seed in {text['random_seeds']}")
    raise_problems(source, problems)
    run = None
    if checked.get("run") is not None:
        run_raw = dict(checked["run"])
        run = validate_spec(run_raw, source=f"{source}: run",
                            default_name=f"{checked.get('name') or default_name}-run")
        models = list(run["models"])
        if comparisons is not None:
            bad = [name for pair in comparisons for name in pair if name not in models]
            if bad:
                raise_problems(source, [f"comparisons: unknown model {bad[0]!r}; the run's "
                                        f"models: {', '.join(models)}"])
        else:
            comparisons = [list(p) for p in itertools.combinations(models, 2)] or [
                [models[0], models[0]]]
    return {
        "kind": "compare",
        "name": checked.get("name") or default_name,
        "description": checked.get("description"),
        "run": run,
        "comparisons": comparisons,
        "text": text,
        "compare": checked["compare"],
        "execution": checked["execution"],
    }


def _resolve(value: str, base: Path | None) -> Path | None:
    path = Path(value)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path]
    if base is not None and not path.is_absolute():
        candidates += [base / path, base.parent / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    return None


def _options_from_spec(section: Mapping[str, Any]) -> CompareOptions:
    return CompareOptions(
        step=section["step"], homology_dims=tuple(section["homology_dimensions"]),
        metrics=tuple(section["metrics"]), order=section["order"],
        ground_metric=section["ground_metric"], cka=section["cka"], rtd=section["rtd"],
        rtd_samples=section["rtd_samples"], rtd_trials=section["rtd_trials"],
        align=section["align"], null=section["null_kind"], n_bootstrap=section["n_bootstrap"],
        n_landmarks=section["n_landmarks"], subsample=section["subsample"],
        random_state=section["random_state"],
        normalize=section["normalize"],
    )


def _spec_digest(validated: dict[str, Any]) -> str:
    """Hash of a validated comparison spec, without the run's ``training.threads``.

    Threads change speed, not what is compared (see :func:`tda_nn.pipeline.run.spec_digest`), and
    outputs made before the option existed keep their digest.
    """
    keep = dict(validated)
    if keep.get("run") is not None:
        training = {k: v for k, v in keep["run"]["training"].items() if k != "threads"}
        keep["run"] = {**keep["run"], "training": training}
    return hashlib.sha256(json.dumps(keep, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _file_digest(path: str | None) -> str | None:
    if path is None:
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _extract_text_models(text: dict[str, Any], folder: Path, log: Log) -> list[Path]:
    """Saved activations of the pretrained model and its random copies (skipped when present)."""
    from tda_nn.models.text import extract_text_activations

    prefix = text["name"] or (text["model"] if text["module"] is None else "text")
    runs = [("pretrained", 0, f"{prefix}_pretrained")] + [
        ("random", int(s), f"{prefix}_random_seed{int(s)}") for s in text["random_seeds"]
    ]
    common = {
        "model": text["model"], "module": text["module"], "texts": _file_digest(text["texts"]),
        "labels": _file_digest(text["labels"]), "max_texts": text["max_texts"],
        "max_length": text["max_length"], "layers": text["layers"],
    }
    paths = []
    for init, seed, name in runs:
        path = folder / f"{name}.npz"
        sidecar = folder / f"{name}.json"
        want = hashlib.sha256(json.dumps({**common, "init": init, "seed": seed},
                                         sort_keys=True).encode()).hexdigest()[:16]
        if path.is_file() and sidecar.is_file():
            try:
                have = json.loads(sidecar.read_text()).get("digest")
            except ValueError:
                have = None
            if have == want:
                log(f"text: {path} is up to date (skipped)")
                paths.append(path)
                continue
        t0 = time.perf_counter()
        _, _, info = extract_text_activations(
            text["texts"], path, model=text["model"] if text["module"] is None else None,
            init=init, seed=seed, labels=text["labels"], layers=text["layers"],
            module=text["module"], max_texts=text["max_texts"], batch_size=text["batch_size"],
            max_length=text["max_length"],
        )
        write_json(sidecar, {"digest": want, **info})
        log(f"text: {name}: {info['n_texts']} texts x {len(info['layers'])} layers in "
            f"{time.perf_counter() - t0:.1f} s -> {path}")
        paths.append(path)
    return paths


def run_compare_spec(
    spec: str | os.PathLike[str] | Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
    log: Log = print,
) -> dict[str, Any]:
    """Run a ``kind: compare`` spec into ``out_dir``; return the final manifest.

    Phases (each resumable): train and measure the ``run`` section's models with
    :func:`tda_nn.pipeline.run.run_pipeline` into ``OUT/digits`` (or ``OUT/<run name>``),
    extract the text model's activations into ``OUT/<text name>/*.npz``, compare (the spec's
    ``comparisons`` of the run's models, and the pretrained text model against its random
    copies), then write ``distances.csv``, ``null.csv``, ``summary.csv``, ``diagrams.npz`` and
    ``figures/`` into ``OUT`` and ``manifest.json`` last.

    Parameters
    ----------
    spec : path or mapping
        A ``kind: compare`` spec (see :func:`load_compare_spec`).
    out_dir : path
        Output directory of the whole spec.
    n_jobs, scheduler : optional
        Override the spec's ``execution`` (``scheduler``: the training run's persistence units
        and the comparisons' diagrams and distances run on that Dask cluster).
    progress : bool
        Progress bars of the training run.
    overwrite : bool
        Replace outputs of a different spec.
    log : callable
        Called with each one-line progress message.
    """
    from tda_nn.pipeline.run import run_pipeline

    validated = load_compare_spec(spec)
    out = Path(out_dir)
    digest = _spec_digest(validated)
    _check_out(out, [], "compare-pipeline", overwrite)
    old = _read_manifest(out)
    if old.get("spec_digest") not in (None, digest) and not overwrite:
        raise InputError(
            f"{out}: holds a comparison of a different spec; choose another --out or pass --overwrite"
        )
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "spec.json", validated)
    extra: dict[str, Any] = {"spec": validated, "spec_digest": digest}
    _write_manifest(out, "running", "compare-pipeline", extra)
    execution = validated["execution"]
    jobs = n_jobs if n_jobs is not None else execution["n_jobs"]
    cluster = scheduler if scheduler is not None else execution["scheduler"]
    options = _options_from_spec(validated["compare"])
    seconds: dict[str, float] = {}
    results = []

    if validated["run"] is not None:
        t0 = time.perf_counter()
        run_dir = out / "digits" if validated["run"]["data"]["name"] == "digits" else (
            out / _safe(validated["run"]["name"]))
        run_pipeline(validated["run"], run_dir, n_jobs=jobs, scheduler=cluster,
                     progress=progress, overwrite=overwrite, log=log)
        seconds["training"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sources = load_sources([run_dir], step=options.step)
        results.append(compare_sources(sources, options, comparisons=validated["comparisons"],
                                       n_jobs=jobs, log=log, scheduler=cluster))
        seconds["compare_run"] = time.perf_counter() - t0
        extra["run_dir"] = str(run_dir)

    if validated["text"] is not None:
        text = validated["text"]
        t0 = time.perf_counter()
        folder = out / _safe(text["name"] or (text["model"] if text["module"] is None else "text"))
        paths = _extract_text_models(text, folder, log)
        seconds["text_extraction"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sources = load_sources(paths)
        pretrained = sources[0].group
        pairs = [[pretrained, g] for g in dict.fromkeys(s.group for s in sources[1:])]
        results.append(compare_sources(sources, options, comparisons=pairs, n_jobs=jobs, log=log,
                                       scheduler=cluster))
        seconds["compare_text"] = time.perf_counter() - t0
        extra["text_activations"] = [str(p) for p in paths]

    result = merge_results(results)
    t0 = time.perf_counter()
    section = validated["compare"]
    paths_out = write_outputs(result, out, figures=section["figures"],
                              barcode_layers=section["barcode_layers"])
    seconds["outputs"] = time.perf_counter() - t0
    log("\n" + format_summary(result.summary))
    extra.update(
        sources=[s.describe() for s in result.sources],
        comparisons=[[p.group_a, p.group_b] for p in result.plans],
        null_kinds=result.null_kinds,
        outputs=paths_out,
        phases_seconds={k: round(v, 3) for k, v in {**seconds, **{
            f"compare_{k}": v for k, v in result.seconds.items()}}.items()},
    )
    _write_manifest(out, "complete", "compare-pipeline", extra)
    return json.loads((out / "manifest.json").read_text())

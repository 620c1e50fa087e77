"""``kind: text`` specs: the topology of a text model's layers, token by token, on a real corpus.

``tda-nn run pipelines/text_tokens.yaml --out DIR`` extracts every token's activation at every
layer of a text model (pretrained and/or randomly initialised copies) into
``DIR/activations/<model>.zarr`` (streamed, bounded memory; :mod:`tda_nn.models.tokens`), then runs
the persistence job on each (``DIR/persistence/<model>/``: ``betti.csv``, ``diagrams.npz``), one
cloud per (layer, class of the text's label) plus each layer's whole cloud, and writes
``DIR/betti.csv`` (all models, a ``model`` column first). Re-running the same command resumes:
finished extractions and units are reused. A spec::

    kind: text
    name: text_tokens
    text:
      model: minilm               # or a local Hugging Face model directory
      inits: [pretrained, random] # random: one copy per random_seeds entry
      random_seeds: [0]
      texts: data/sentences.txt   # one text per line (relative paths: the working directory)
      labels: data/sentences_labels.txt
      max_texts: null             # evenly spaced subset
      max_length: 128
      batch_size: 32
      layers: null                # module paths; null = the model's layers
      special_tokens: false       # keep [CLS]/[SEP] rows
    topology:                     # as in a pipeline spec; classes: none | true (default true)
      homology_dimensions: [0, 1]
      betti_method: auto
    execution: {n_jobs: 1, scheduler: null}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from tda_nn._atomic import write_json
from tda_nn.analysis.api import persistence_job
from tda_nn.analysis.job import read_manifest, write_table
from tda_nn.analysis.outdir import OWNER, claim_output
from tda_nn.errors import InputError
from tda_nn.models.tokens import extract_token_activations
from tda_nn.pipeline.run import topology_params
from tda_nn.pipeline.schema import Field, Section, check_section, int_list, positive, raise_problems
from tda_nn.pipeline.spec import SCHEMA, _read_yaml

JOB = "text"


def _text_schema() -> Section:
    topology = SCHEMA.fields["topology"]
    fields = dict(topology.fields)
    fields["classes"] = dataclasses.replace(fields["classes"], default="true", choices=("none", "true"))
    fields["betti_method"] = dataclasses.replace(fields["betti_method"], default="auto")
    fields["linear_probe"] = dataclasses.replace(fields["linear_probe"], default=False)
    return Section({
        "kind": Field((str,), required=True, choices=(JOB,)),
        "name": Field((str, None)),
        "description": Field((str, None)),
        "text": Section({
            "model": Field((str,), default="minilm",
                           doc="minilm, or a local Hugging Face model directory"),
            "inits": Field((list,), default=["pretrained", "random"], check=_inits),
            "random_seeds": Field((list,), default=[0], check=int_list(0)),
            "texts": Field((str,), required=True),
            "labels": Field((str, None)),
            "max_texts": Field((int, None), check=lambda v: None if v >= 2 else "must be >= 2"),
            "max_length": Field((int,), default=128, check=lambda v: None if v >= 2 else "must be >= 2"),
            "batch_size": Field((int,), default=32, check=positive),
            "layers": Field((list, None)),
            "special_tokens": Field((bool,), default=False),
        }, required=True),
        "topology": dataclasses.replace(topology, fields=fields),
        "execution": SCHEMA.fields["execution"],
    })


def _inits(value: list) -> str | None:
    bad = [v for v in value if v not in ("pretrained", "random")]
    if bad or not value or len(set(value)) != len(value):
        return f"expected distinct values of pretrained, random; got {value}"
    return None


def load_text_spec(path: str | Path) -> dict[str, Any]:
    """Read and validate a ``kind: text`` spec; return it with every default filled in."""
    path = Path(path)
    return validate_text_spec(_read_yaml(path), source=str(path), default_name=path.stem)


def validate_text_spec(raw: Any, *, source: str = "<spec>", default_name: str = "text") -> dict[str, Any]:
    """Validate a ``kind: text`` spec mapping (see the module docstring)."""
    if not isinstance(raw, Mapping):
        raise InputError(f"{source}: a text spec is a mapping (kind: text, text:, topology:)")
    problems: list[str] = []
    spec = check_section(raw, _text_schema(), "", problems)
    topology = spec.get("topology") or {}
    if topology.get("betti_method") == "scale" and topology.get("betti_scale") is None:
        problems.append("topology.betti_scale: required when topology.betti_method is 'scale'")
    if topology.get("linear_probe") and topology.get("classes") == "none":
        problems.append("topology.linear_probe: needs labels (topology.classes: true, text.labels)")
    raise_problems(source, problems)
    spec["name"] = spec["name"] or default_name
    return spec


def model_names(spec: dict[str, Any]) -> list[tuple[str, str, int]]:
    """``(name, init, seed)`` of each model copy the spec measures, in order."""
    text = spec["text"]
    base = "minilm" if text["model"] == "minilm" else Path(text["model"]).name
    out = []
    for init in text["inits"]:
        seeds = text["random_seeds"] if init == "random" else [0]
        for seed in seeds:
            name = f"{base}_pretrained" if init == "pretrained" else f"{base}_random_seed{seed}"
            out.append((name, init, int(seed)))
    return out


def _digest(section: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(section, sort_keys=True, default=str).encode()).hexdigest()[:16]


def run_text_spec(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    overwrite: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Run a ``kind: text`` spec into ``out_dir`` (resumable); return the final manifest."""
    spec = load_text_spec(spec_path)
    out = Path(out_dir)
    claim_output(out, (JOB,))
    previous = read_manifest(out)
    text_digest = _digest(spec["text"])
    if previous.get("text_digest") not in (None, text_digest) and not overwrite:
        raise InputError(f"{out}: holds tokens extracted with another text section; choose another "
                         "--out or pass --overwrite")
    started = time.perf_counter()
    manifest: dict[str, Any] = {"written_by": OWNER, "job": JOB, "status": "running",
                                "name": spec["name"], "spec": spec, "text_digest": text_digest,
                                "models": {}}
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "manifest.json", manifest)
    params = topology_params({"topology": spec["topology"]})
    execution = spec["execution"]
    text = spec["text"]
    tables = []
    for name, init, seed in model_names(spec):
        acts = out / "activations" / f"{name}.zarr"
        done = previous.get("models", {}).get(name, {})
        if acts.is_dir() and done.get("text_digest") == text_digest and not overwrite:
            info = done["extraction"]
            log(f"{name}: tokens already extracted ({info['n_tokens']} tokens)")
        else:
            t0 = time.perf_counter()
            info = extract_token_activations(
                text["texts"], acts, model=text["model"], init=init, seed=seed,
                labels=text["labels"], layers=text["layers"], max_texts=text["max_texts"],
                batch_size=text["batch_size"], max_length=text["max_length"],
                special_tokens=text["special_tokens"],
            )
            info = {k: info[k] for k in ("n_texts", "n_tokens", "layers", "source")}
            info["seconds"] = round(time.perf_counter() - t0, 3)
            log(f"{name}: {info['n_tokens']} tokens of {info['n_texts']} texts, "
                f"{len(info['layers'])} layers, in {info['seconds']:.1f} s")
        manifest["models"][name] = {"init": init, "seed": None if init == "pretrained" else seed,
                                    "text_digest": text_digest, "extraction": info}
        write_json(out / "manifest.json", manifest)
        result = persistence_job(
            acts, out / "persistence" / name, params=params,
            classes="true" if spec["topology"]["classes"] == "true" and text["labels"] else "none",
            min_class_points=spec["topology"]["min_class_points"],
            n_jobs=execution["n_jobs"] if n_jobs is None else n_jobs,
            scheduler=execution["scheduler"] if scheduler is None else scheduler,
            progress=progress, overwrite=overwrite, log=log,
        )
        tables.append(result["table"].assign(model=name))
    table = pd.concat(tables, ignore_index=True)
    table = table[["model", *[c for c in table.columns if c != "model"]]]
    write_table(table, out / "betti.csv")
    manifest.update(status="complete", table="betti.csv",
                    seconds=round(time.perf_counter() - started, 3))
    write_json(out / "manifest.json", manifest)
    return manifest

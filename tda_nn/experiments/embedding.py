"""The embedding control: layers that are homeomorphisms, so the topology must not change.

Each layer standardises its input (an invertible affine map), rotates it by a random orthogonal
matrix and applies ``tanh(gain * .)``: a composition of homeomorphisms of R^d onto its image,
so every class cloud keeps its Betti numbers at every layer. The measured clouds shrink and
bend (tanh saturates: points pile up near the corners of the cube), which is what a trained
layer does too; where the instrument reads a change of Betti numbers through these layers it
is reading scale or density, not topology, and the verdict says so. The rows written here enter
the experiment's tables as runs ``embedding/seed<s>`` with ``condition == "embedding"``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import atomic_path
from tda_nn.analysis.units import TopologyParams, Unit
from tda_nn.experiments.tables import EMBEDDING_POINTER, PROTOCOL_DIR

#: the run ids of the embedding control are ``EMBEDDING_RUN.format(seed=s)``
EMBEDDING_RUN = "embedding/seed{seed}"
#: the depth of the embedding stack where the entry has no MLP to copy it from
DEFAULT_DEPTH = 4


def invertible_tanh_layers(X: np.ndarray, depth: int, gain: float, seed: int) -> list[np.ndarray]:
    """The clouds after each of ``depth`` invertible tanh layers.

    Parameters
    ----------
    X : (n_points, n_features) the input cloud
    depth : number of layers
    gain : scale of the standardised, rotated pre-activations (larger: more saturation)
    seed : seed of the random rotations

    Returns
    -------
    list of ``depth`` float32 arrays ``(n_points, n_features)``: layer ``i`` is
    ``tanh(gain * Q_i z_i)`` with ``z_i`` the standardised layer ``i - 1`` and ``Q_i`` a
    random orthogonal matrix (Haar, via the QR decomposition of a Gaussian matrix).
    """
    rng = np.random.default_rng(seed)
    h = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    d = h.shape[1]
    out = []
    for _ in range(int(depth)):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        q = q * np.sign(np.diag(r))          # Haar-distributed, not biased by QR's sign choice
        std = h.std(axis=0)
        z = (h - h.mean(axis=0)) / np.where(std > 0, std, 1.0)
        h = np.tanh(float(gain) * (z @ q.T))
        out.append(h.astype(np.float32))
    return out


def embedding_depth(spec: dict[str, Any], depth: int | None) -> int:
    """``depth`` if given, else the depth of the deepest MLP of a pipeline spec."""
    if depth is not None:
        return int(depth)
    depths = [m.get("depth") or DEFAULT_DEPTH for m in spec["models"].values()
              if m.get("type", "mlp") == "mlp"]
    return int(max(depths)) if depths else DEFAULT_DEPTH


def measure_embedding(run_dir: str | Path, item: dict[str, Any], embedding: dict[str, Any],
                      protocols: dict[str, tuple[TopologyParams, int]], *, n_jobs: int = 1,
                      scheduler: Any = None) -> Path:
    """Measure the embedding control of one pipeline entry with every protocol (resumable).

    Parameters
    ----------
    run_dir : the entry's run directory
    item : the entry of the validated experiment spec (``spec``, ``knn``, ...)
    embedding : the experiment's ``embedding`` section (``gain``, ``depth``)
    protocols : protocol name -> (persistence parameters, fewest points of a class cloud)
    n_jobs, scheduler : where the units run (:func:`tda_nn.execution.run_units`)

    Returns
    -------
    Path of ``protocols/embedding_<digest>.csv``: topology rows (``run, model, seed, step,
    layer, layer_index, class, homology_dim, betti, ..., protocol``) of the input and every
    layer, for one embedding stack per seed of the spec, classes split by true label. Read back
    when it exists; ``protocols/embedding_current.txt`` names it (tables of other settings are
    kept, not read).
    """
    spec = item["spec"]
    depth = embedding_depth(spec, embedding.get("depth"))
    gain = float(embedding["gain"])
    key = {"gain": gain, "depth": depth, "seeds": spec["seeds"], "data": spec["data"],
           "protocols": {p: [params.digest(), m] for p, (params, m) in protocols.items()}}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    path = Path(run_dir) / PROTOCOL_DIR / f"embedding_{digest}.csv"
    if not path.is_file():
        _measure(path, spec, depth, gain, protocols, n_jobs=n_jobs, scheduler=scheduler)
    with atomic_path(path.parent / EMBEDDING_POINTER) as tmp:
        Path(tmp).write_text(path.name + "\n", encoding="utf-8")
    return path


def _measure(path: Path, spec: dict[str, Any], depth: int, gain: float,
             protocols: dict[str, tuple[TopologyParams, int]], *, n_jobs: int,
             scheduler: Any) -> None:
    from tda_nn.execution import run_units
    from tda_nn.pipeline.data import prepare_data

    data = prepare_data(spec["data"], source=spec["name"])
    labels = np.asarray(data.y_probe)
    X = np.asarray(data.X_probe, dtype=np.float32).reshape(len(labels), -1)
    # the input is the same cloud for every stack: measured once, its rows given to every seed
    clouds = [(None, 0, X)] + [(seed, index, cloud) for seed in spec["seeds"] for index, cloud
                               in enumerate(invertible_tanh_layers(X, depth, gain, seed), 1)]
    jobs = []
    for seed, index, cloud in clouds:
        for protocol, (params, min_points) in protocols.items():
            for cls in np.unique(labels):
                rows = np.flatnonzero(labels == cls)
                if len(rows) < min_points:
                    continue
                unit = Unit(run=EMBEDDING_RUN.format(seed=seed), step=0,
                            layer=f"embed{index}" if index else "input", layer_index=index - 1,
                            cls=str(cls), source="", kind="store", indices=rows)
                jobs.append((protocol, seed, unit, cloud[rows], params))
    results, _ = run_units(_measure_job, jobs, n_jobs=n_jobs,
                           scheduler=scheduler, progress=False, desc="embedding control")
    table = []
    for (protocol, seed, unit, cloud, _), rows in zip(jobs, results, strict=True):
        for owner in spec["seeds"] if seed is None else [seed]:
            for row in rows:
                table.append({"run": EMBEDDING_RUN.format(seed=owner), "model": "embedding",
                              "seed": owner, "step": 0, "layer": unit.layer,
                              "layer_index": unit.layer_index, "class": unit.cls, **row,
                              "n_points": len(cloud), "protocol": protocol, "gain": gain})
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        pd.DataFrame(table).to_csv(tmp, index=False)


def _measure_job(job: tuple[str, int, Unit, np.ndarray, TopologyParams]) -> list[dict[str, Any]]:
    from tda_nn.analysis.measures import measure_cloud

    _, _, unit, cloud, params = job
    rows, _ = measure_cloud(np.ascontiguousarray(cloud, dtype=np.float32), unit, params)
    return rows

"""Faults on a real local Dask cluster (a scheduler and two workers on 127.0.0.1, separate
processes): a worker killed mid-run loses and duplicates no unit; a killed scheduler is a one-line
error that leaves a resumable run directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tda_nn.cli import main
from tda_nn.datasets.shapes import circle, embed
from tda_nn.io import RunStore

pytestmark = pytest.mark.slow

OPTIONS = ["--maxdim", "1", "--no-progress", "--min-class-points", "20"]
KEY = ["run", "step", "layer", "class", "homology_dim"]


def _store(root: Path) -> Path:
    """A run store of 2 steps x 2 layers x (whole cloud + 2 classes) = 12 units."""
    n = 400
    labels = np.arange(n) % 2
    store = RunStore.create(root, layer_names=["a", "b"], n_samples=n, labels=labels)
    rng = np.random.default_rng(0)
    for step in (0, 1):
        for layer in ("a", "b"):
            cloud = embed(circle(n, noise=0.05, random_state=step), 16)
            store.write_activations(step, layer, cloud + rng.normal(0, 0.01, cloud.shape))
        store.write_predictions(step, labels)
        store.mark_complete(step)
    return root


def _table(out: Path) -> pd.DataFrame:
    table = pd.read_csv(out / "topology.csv")
    assert not table.duplicated(KEY).any()
    return table.drop(columns=["seconds"]).sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    store = _store(root / "store")
    local = root / "local"
    assert main(["persistence", str(store), "--out", str(local), *OPTIONS]) == 0
    return store, _table(local), len(list((local / "units").glob("*.npz")))


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and two single-threaded workers, each its own process, on 127.0.0.1."""
    from distributed import Client

    dask = [sys.executable, "-m", "dask"]
    file = tmp_path / "scheduler.json"
    procs: dict[str, subprocess.Popen] = {}
    common = dict(cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        procs["scheduler"] = subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(file)], **common)
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        for name in ("w1", "w2"):
            procs[name] = subprocess.Popen(
                [*dask, "worker", "--scheduler-file", str(file), "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--host", "127.0.0.1", "--local-directory",
                 str(tmp_path / name)], **common)
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address, procs
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()


def _start(store: Path, out: Path, address: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tda_nn.cli", "persistence", str(store), "--out", str(out),
         *OPTIONS, "--scheduler", address],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )


def _wait_for_units(out: Path, n: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list((out / "units").glob("*.npz"))) >= n:
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} units after {timeout} s")


def test_a_worker_killed_mid_run_loses_and_duplicates_no_unit(tmp_path, reference, cluster):
    store, expected, n_units = reference
    address, procs = cluster
    out = tmp_path / "remote"
    proc = _start(store, out, address)
    _wait_for_units(out, 2, proc)
    procs["w1"].send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert procs["w1"].wait(timeout=10) == -signal.SIGKILL
    assert len(list((out / "units").glob("*.npz"))) == n_units
    pd.testing.assert_frame_equal(_table(out), expected)
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_killed_scheduler_is_one_line_and_the_run_resumes(tmp_path, reference, cluster, capsys):
    store, expected, n_units = reference
    address, procs = cluster
    out = tmp_path / "remote"
    proc = _start(store, out, address)
    _wait_for_units(out, 2, proc)
    procs["scheduler"].send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 2, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("tda-nn persistence: error: ")
    assert "lost the Dask scheduler" in lines[0] and "run the same command again" in lines[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and not (out / "topology.csv").exists()
    finished = len(list((out / "units").glob("*.npz")))
    assert 2 <= finished <= n_units
    assert main(["persistence", str(store), "--out", str(out), *OPTIONS]) == 0  # resumes locally
    pd.testing.assert_frame_equal(_table(out), expected)

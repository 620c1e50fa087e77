"""The HTML report of a run: numbers from the tables, figures from the real data, and a page that
renders in a real headless browser (Debian's chromium; skipped where it is not installed)."""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

from tda_nn._atomic import write_json, write_npz  # noqa: E402
from tda_nn.errors import InputError  # noqa: E402
from tda_nn.io import RunStore  # noqa: E402
from tda_nn.report import build_report, load_run  # noqa: E402
from tda_nn.report.figures import UMAP_SETTINGS, umap_figures  # noqa: E402

LAYERS = ["net.0", "fc<1>&", "out"]  # the second name checks HTML escaping
STEPS = [0, 5, 10]
SEEDS = [0, 1]
N_SAMPLES = 90
N_CLASSES = 3
THRESHOLD_FRACTION = 0.3  # "significant" bars in the fixture: lifetime > 30 % of the longest


# ---------------------------------------------------------------- a synthetic run directory


def _activations(step: int, layer: int, seed: int, y: np.ndarray) -> np.ndarray:
    """Three blobs that separate as training goes on (deeper layers faster)."""
    rng = np.random.default_rng(1000 * seed + 10 * step + layer)
    width = (6, 5, 3)[layer]
    centers = np.random.default_rng(7).normal(size=(N_CLASSES, width)) * 3.0
    spread = 1.0 / (1.0 + 0.3 * step * (layer + 1))
    return centers[y] + spread * rng.normal(size=(len(y), width))


def _ripser_bars(cloud: np.ndarray) -> np.ndarray:
    """ripser.py diagram in the project's layout, reduced (infinite H0 bar dropped)."""
    from ripser import ripser

    dgms = ripser(cloud, maxdim=1)["dgms"]
    rows = [np.c_[d, np.full(len(d), k)] for k, d in enumerate(dgms)]
    bars = np.concatenate(rows)
    return bars[np.isfinite(bars[:, 1])]


def _betti(bars: np.ndarray, dim: int) -> int:
    life = bars[:, 1] - bars[:, 0]
    longest = life.max() if len(life) else 0.0
    count = int(((bars[:, 2] == dim) & (life > THRESHOLD_FRACTION * longest)).sum())
    return count + 1 if dim == 0 else count


def make_run_dir(root: Path) -> dict:
    """A run directory laid out as ``tda-nn run`` writes it, with real persistence (ripser.py)."""
    y = np.repeat(np.arange(N_CLASSES), N_SAMPLES // N_CLASSES)
    rows, diagrams, metrics, runs = [], {}, [], {}
    params = {"homology_dimensions": [0, 1], "metric": "euclidean", "max_edge_length": None,
              "backend": "ripser", "betti_method": "significant"}
    for seed in SEEDS:
        run = f"mlp_seed{seed}"
        store = RunStore.create(root / "runs" / run, layer_names=LAYERS, n_samples=len(y),
                                labels=y, model={"name": "mlp"})
        for step in STEPS:
            pred = y.copy()
            pred[: max(0, 6 - step)] = (pred[: max(0, 6 - step)] + 1) % N_CLASSES
            for li, layer in enumerate(LAYERS):
                acts = _activations(step, li, seed, y)
                store.write_activations(step, layer, acts)
                clouds = {"all": np.arange(len(y))}
                clouds.update({str(c): np.flatnonzero(pred == c) for c in range(N_CLASSES)})
                for cls, idx in clouds.items():
                    key = f"{run}__s{step:08d}__l{li:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', layer)}__c-{cls}"
                    bars = _ripser_bars(acts[idx])
                    if cls == "all" and li == 1:  # giotto-style padding rows: never drawn
                        bars = np.concatenate([bars, [[0.0, 0.0, 0.0], [0.4, 0.4, 1.0]]])
                    diagrams[key] = bars
                    for dim in (0, 1):
                        real = bars[(bars[:, 2] == dim) & (bars[:, 0] != bars[:, 1])]
                        life = real[:, 1] - real[:, 0]
                        rows.append({
                            "run": run, "model": "mlp", "seed": seed, "step": step,
                            "layer": layer, "layer_index": li, "class": cls,
                            "homology_dim": dim, "betti": _betti(bars[bars[:, 0] != bars[:, 1]], dim),
                            "betti_method": "significant", "n_points": len(idx),
                            "n_bars": len(real), "max_lifetime": life.max() if len(life) else 0.0,
                            "total_persistence": life.sum(),
                            "linear_probe_accuracy": 0.5 + 0.05 * step if cls == "all" else np.nan,
                            "diagram_key": key,
                        })
            store.write_predictions(step, pred)
            store.mark_complete(step)
        for step in range(11):
            metrics.append({"run": run, "model": "mlp", "seed": seed, "step": step, "epoch": step,
                            "loss": 1.0 / (1 + step + seed), "train_accuracy": 0.5 + 0.05 * step,
                            "test_accuracy": 0.45 + 0.04 * step})
        runs[run] = {"model": "mlp", "seed": seed, "layers": LAYERS, "steps_captured": STEPS,
                     "final_train_accuracy": 1.0 if seed == 0 else 0.95,
                     "final_test_accuracy": 0.85 + 0.01 * seed,
                     "reached_target": seed == 0, "stop_reason": "target" if seed == 0 else "epochs"}
    table = pd.DataFrame(rows)
    table.to_csv(root / "topology.csv", index=False)
    pd.DataFrame(metrics).to_csv(root / "metrics.csv", index=False)
    write_npz(root / "diagrams.npz", diagrams)
    spec = {"name": "synthetic <run>", "seeds": SEEDS, "data": {"name": "blobs"},
            "models": {"mlp": {"type": "mlp", "depth": 2, "width": 6}},
            "training": {"epochs": 10, "target_train_accuracy": 1.0},
            "topology": dict(params, classes="predicted")}
    write_json(root / "spec.json", spec)
    manifest = {
        "job": "run", "status": "complete", "updated": "2026-11-25T10:00:00",
        "topology": {"digest": "abc123", "parameters": params},
        "library_versions": {"python": "3.11", "numpy": np.__version__},
        "spec": spec, "runs": runs,
        "data": {"name": "blobs", "n_train": 300, "n_test": 90, "n_probe": len(y),
                 "n_classes": N_CLASSES, "known_betti": None},
        "phases_seconds": {"training": 1.5, "persistence": 2.25, "figures": 0.5},
        "execution": {"engine": "joblib", "n_workers": 1, "n_units": len(table) // 2},
        "skipped": ["run mlp_seed0 step 0: class 9 has 1 point(s) (< min_class_points=20)"],
    }
    write_json(root / "manifest.json", manifest)
    return {"table": table, "diagrams": diagrams, "labels": y, "manifest": manifest}


# ---------------------------------------------------------------- reading the HTML back


class _Tables(HTMLParser):
    """Tables by id: header texts and rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._current: dict | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._current = {"header": [], "rows": []}
            self.tables[attrs["id"]] = self._current
        elif self._current is not None and tag == "tr":
            self._row = []
        elif self._current is not None and tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if self._current is None:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if not self._current["header"]:
                self._current["header"] = self._row
            else:
                self._current["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self._current = None


def _tables(document: str) -> dict[str, pd.DataFrame]:
    parser = _Tables()
    parser.feed(document)
    return {k: pd.DataFrame(v["rows"], columns=v["header"]) for k, v in parser.tables.items()}


def _figure_images(document: str) -> dict[str, tuple[str, bytes]]:
    found = re.findall(r'<figure class="report-figure" id="fig-([^"]+)" data-format="(\w+)">'
                       r'<img src="data:[^;]+;base64,([^"]+)"', document)
    return {name: (fmt, base64.b64decode(payload)) for name, fmt, payload in found}


def _kv_rows(document: str, table_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<table class="kv" id="{table_id}">(.*?)</table>', document).group(1)
    return re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', block)


def _without_data_uris(document: str) -> str:
    return re.sub(r'data:[a-z/+]+;base64,[A-Za-z0-9+/=]+', "DATA", document)


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("report") / "run"
    truth = make_run_dir(root)
    return root, truth


@pytest.fixture(scope="module")
def report(run_dir, projection_umap) -> tuple[Path, str]:
    """The report, its UMAP panels drawn by conftest's stand-in (real UMAP: the slow tests)."""
    root, _ = run_dir
    with projection_umap():
        path = build_report(root, max_points=60)
    return path, path.read_text(encoding="utf-8")


EXPECTED_FIGURES = ["betti-by-layer", "betti-by-class-mlp", "heatmap-H0-mlp", "heatmap-H1-mlp",
                    "training-H0-mlp", "training-H1-mlp", "barcodes-mlp",
                    "umap-layers-mlp_seed0", "umap-steps-mlp_seed0"]


# ---------------------------------------------------------------- tests


def test_report_is_self_contained_with_every_figure(run_dir, report):
    root, _ = run_dir
    path, document = report
    assert path == root / "report.html"
    figures = _figure_images(document)
    assert list(figures) == EXPECTED_FIGURES
    assert f'data-figure-count="{len(EXPECTED_FIGURES)}"' in document
    assert f"This report has {len(EXPECTED_FIGURES)} figures" in document
    assert document.count("<figcaption>") == len(EXPECTED_FIGURES)
    for fmt, content in figures.values():
        assert content.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in content[:2000]
    text = _without_data_uris(document)
    assert not re.search(r"https?://", text), "no external URL outside the embedded figures"
    assert "<link" not in text and "<iframe" not in text
    for section in ("summary", "figures", "tables", "parameters", "versions"):
        assert f'<section id="{section}">' in document
    # text from the data is escaped: the layer fc<1>& and the run name <run>
    assert "fc&lt;1&gt;&amp;" in text and "fc<1>" not in text
    assert "synthetic &lt;run&gt;" in text and "<run>" not in text
    assert not list(root.glob(".report.html.*")), "no temporary file left behind"


def test_summary_tables_hold_the_numbers_of_topology_csv(run_dir, report):
    root, truth = run_dir
    tables = _tables(report[1])
    csv = pd.read_csv(root / "topology.csv", dtype={"layer": str, "class": str})
    last = csv[(csv["step"] == max(STEPS)) & (csv["class"] == "all")]
    headline = tables["headline-betti"]
    assert len(headline) == len(SEEDS) * len(LAYERS)
    for _, row in headline.iterrows():
        for dim in (0, 1):
            want = last[(last["run"] == row["run"]) & (last["layer"] == row["layer"])
                        & (last["homology_dim"] == dim)]["betti"]
            assert len(want) == 1 and int(row[f"β{dim}"]) == int(want.iloc[0])
        assert int(row["step"]) == max(STEPS)
    assert list(headline["layer"][: len(LAYERS)]) == LAYERS  # depth order
    per_class = tables["betti-table"]
    assert len(per_class) == len(SEEDS) * len(LAYERS) * (1 + N_CLASSES)
    merged = per_class.astype({"β0": int, "β1": int})
    for _, row in merged.sample(8, random_state=0).iterrows():
        want = csv[(csv["step"] == max(STEPS)) & (csv["run"] == row["run"])
                   & (csv["layer"] == row["layer"]) & (csv["class"] == row["class"])]
        assert row["β0"] == int(want[want["homology_dim"] == 0]["betti"].iloc[0])
        assert row["β1"] == int(want[want["homology_dim"] == 1]["betti"].iloc[0])
    runs = tables["runs"].set_index("run")
    assert runs.loc["mlp_seed0", "train accuracy"] == "1.000"
    assert runs.loc["mlp_seed1", "train accuracy"] == "0.950"
    assert runs.loc["mlp_seed1", "reached target"] == "no"
    assert "NOT reached by every run (1 of 2 runs" in report[1]
    phases = dict(_kv_rows(report[1], "phases"))
    assert phases["training"] == "1.5 s" and phases["persistence"] == "2.2 s"
    metrics = tables["metrics-table"]
    assert sorted(set(metrics["step"].astype(int))) == STEPS  # the captured steps (10 is the last)
    assert "class 9 has 1 point(s)" in report[1]


def test_barcodes_draw_one_bar_per_diagram_row(run_dir, report):
    """Count the bars in the embedded SVG: one path per non-padding row of diagrams.npz."""
    _, truth = run_dir
    content = _figure_images(report[1])["barcodes-mlp"][1]
    svg = ET.fromstring(content)
    counts = {0: 0, 1: 0}
    for group in svg.iter("{http://www.w3.org/2000/svg}g"):
        gid = group.get("id", "")
        if gid.startswith("bars-H"):
            counts[int(gid[6:])] += len(list(group.iter("{http://www.w3.org/2000/svg}path")))
    want = {0: 0, 1: 0}
    for li, layer in enumerate(LAYERS):
        key = f"mlp_seed0__s{max(STEPS):08d}__l{li:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', layer)}__c-all"
        bars = truth["diagrams"][key]
        bars = bars[bars[:, 0] != bars[:, 1]]
        for d in (0, 1):
            want[d] += int((bars[:, 2] == d).sum())
    assert counts == want and want[0] > 0 and want[1] > 0


@pytest.mark.parametrize("projection", [pytest.param("umap-learn", marks=pytest.mark.slow),
                                        "stand-in"])
def test_umap_figures_project_the_stored_activations(run_dir, projection, request):
    """The first panel is UMAP of the real activations of the seeded subsample, coloured by the
    true labels; one panel per layer and per step. Real UMAP is slow (its JIT compilation); the
    default run checks the same with conftest's stand-in projection."""
    from tda_nn.plotting import subsample_indices, umap_embedding

    if projection == "stand-in":
        request.getfixturevalue("fake_umap")
    root, truth = run_dir
    data = load_run(root)
    across_layers, across_steps = umap_figures(data, ("last",), max_points=45, random_state=3)
    panels = [ax for ax in across_layers.figure.axes if ax.get_visible() and ax.collections]
    assert len(panels) == len(LAYERS)
    steps_panels = [ax for ax in across_steps.figure.axes if ax.get_visible() and ax.collections]
    assert [ax.get_title() for ax in steps_panels] == [f"step {s}" for s in STEPS]
    idx = subsample_indices(N_SAMPLES, 45, 3)
    labels = truth["labels"][idx]
    first = {c.get_gid(): c.get_offsets().data for c in panels[0].collections
             if isinstance(c, PathCollection)}
    assert {k: len(v) for k, v in first.items()} == {
        f"class-{c}": int((labels == c).sum()) for c in range(N_CLASSES)}
    acts = RunStore(root / "runs" / "mlp_seed0").read_activations(max(STEPS), LAYERS[0])
    settings = {k: v for k, v in UMAP_SETTINGS.items()}
    expected = umap_embedding(np.asarray(acts)[idx], 3, **settings)
    for c in range(N_CLASSES):
        np.testing.assert_allclose(first[f"class-{c}"], expected[labels == c], rtol=1e-6)
    assert "45 of the 90 probe points" in across_layers.caption
    assert "random_state=3" in across_layers.caption


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--hide-scrollbars"]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_renders_in_headless_chromium(report, tmp_path):
    import matplotlib.image as mpimg

    path = report[0].resolve()
    url = path.as_uri()
    loaded = subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile1'}",
         "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=True,
    )
    dom = loaded.stdout
    console = [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "no console message: no script error, nothing blocked by the CSP"
    body = re.search(r"<body([^>]*)>", dom).group(1)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body))
    assert attrs["data-figure-count"] == str(len(EXPECTED_FIGURES))
    assert attrs["data-figures-loaded"] == str(len(EXPECTED_FIGURES)), "every figure renders"
    assert attrs["data-js-errors"] == "0"
    assert dom.count("<img") == len(EXPECTED_FIGURES)
    assert "Traceback" not in dom
    shot = tmp_path / "shot.png"
    subprocess.run(
        ["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile2'}",
         f"--screenshot={shot}", "--window-size=1280,2000", url],
        capture_output=True, timeout=60, check=True,
    )
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    grey = pixels[..., :3].mean(axis=2)
    assert grey.std() > 0.05, "the screenshot is not blank"
    assert (grey < 0.3).mean() > 0.005, "some dark text is drawn"


def test_persistence_output_gives_a_shorter_report(run_dir, tmp_path):
    """A ``tda-nn persistence`` output on saved activations: no steps, no runs, no training."""
    root, truth = run_dir
    table = truth["table"]
    last = table[(table["run"] == "mlp_seed0") & (table["step"] == max(STEPS))]
    out = tmp_path / "persist"
    out.mkdir()
    last.drop(columns=["run", "model", "seed", "step"]).to_csv(out / "betti.csv", index=False)
    write_npz(out / "diagrams.npz", {k: truth["diagrams"][k] for k in last["diagram_key"]})
    write_json(out / "manifest.json", {"job": "persistence", "status": "complete",
                                       "input": str(tmp_path / "gone.npz"),
                                       "input_kind": "activations", "persistence_seconds": 0.7,
                                       "topology": {"parameters": {"backend": "ripser"}}})
    path = build_report(out, tmp_path / "short.html")
    document = path.read_text(encoding="utf-8")
    assert list(_figure_images(document)) == ["betti-by-layer", "betti-by-class", "barcodes"]
    tables = _tables(document)
    assert "metrics-table" not in tables
    headline = tables["headline-betti"]
    assert list(headline["layer"]) == LAYERS
    want = last[(last["class"] == "all") & (last["homology_dim"] == 1)]["betti"].tolist()
    assert headline["β1"].astype(int).tolist() == want
    assert "UMAP projections: not drawn" in document


def _cli(*argv: str) -> int:
    from tda_nn.commands import report as command

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(list(argv)))


def test_cli_writes_the_report_and_rejects_bad_input(run_dir, tmp_path, capsys):
    root, _ = run_dir
    out = tmp_path / "cli.html"
    assert _cli(str(root), "--out", str(out), "--no-umap") == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert out.is_file() and len(_figure_images(out.read_text(encoding="utf-8"))) == 7

    (tmp_path / "empty").mkdir()
    running = tmp_path / "running"
    running.mkdir()
    (running / "topology.csv").write_text((root / "topology.csv").read_text())
    write_json(running / "manifest.json", {"job": "run", "status": "running"})
    cases = [
        ([str(tmp_path / "missing")], "no such directory"),
        ([str(tmp_path / "empty")], "no topology.csv or betti.csv"),
        ([str(running)], "not finished.*'running'"),
        ([str(root), "--out", str(out), "--umap-steps", "first,7"],
         "UMAP step 7 was not captured.*0, 5, 10"),
        ([str(root), "--umap-steps", "early"], "--umap-steps"),
        ([str(root), "--umap-layer", "nope"], "UMAP layer 'nope'"),
    ]
    for argv, pattern in cases:
        with pytest.raises(InputError, match=pattern) as caught:
            _cli(*argv)
        assert "\n" not in str(caught.value)
    assert out.is_file(), "a failed run leaves the earlier report alone"
    assert not (running / "report.html").exists()

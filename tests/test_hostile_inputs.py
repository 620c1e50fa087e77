"""Hostile and malformed inputs, generated here: every case exits 2 with one line naming the file
or key, or succeeds correctly; nothing outside --out is written and no foreign file is modified."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from tda_nn.cli import main
from tda_nn.io import save_activations

FAST = ["--maxdim", "0", "--no-intrinsic-dimension", "--no-linear-probe", "--no-progress",
        "--min-class-points", "5"]


def _snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (except under ``skip``) with its size and modification time."""
    out = {}
    for path in sorted(root.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        if path.is_file() and not path.is_symlink():
            st = path.stat()
            out[str(path)] = (st.st_size, st.st_mtime_ns)
    return out


def _fails(argv: list[str], capsys, *needles: str) -> str:
    """Run the CLI; it must exit 2 with exactly one stderr line holding every needle."""
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"tda-nn {argv[0]}: error: "), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def _contained_failure(tmp_path: Path, argv: list[str], capsys, *needles: str) -> str:
    """A failure that writes nothing anywhere under tmp_path and leaves --out incomplete."""
    before = _snapshot(tmp_path)
    err = _fails(argv, capsys, *needles)
    out = Path(argv[argv.index("--out") + 1])
    after = _snapshot(tmp_path, skip=out)
    assert after == {k: v for k, v in before.items() if not k.startswith(str(out) + os.sep)}
    assert not (out / "betti.csv").exists() and not (out / "topology.csv").exists()
    return err


@pytest.fixture
def cloud() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3))


# -- reading outside the input -------------------------------------------------------------------
def test_hdf5_links_and_storage_outside_the_file_are_refused(tmp_path, cloud, capsys):
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as fh:
        fh["x"] = cloud
    raw = tmp_path / "raw.bin"
    cloud.astype("<f8").tofile(raw)
    link, ext, virtual = tmp_path / "link.h5", tmp_path / "ext.h5", tmp_path / "virtual.h5"
    with h5py.File(link, "w") as fh:
        fh["layer"] = cloud
        fh["stolen"] = h5py.ExternalLink(str(secret), "/x")
    with h5py.File(ext, "w") as fh:
        fh.create_dataset("layer", shape=cloud.shape, dtype="<f8",
                          external=[(str(raw), 0, cloud.nbytes)])
    layout = h5py.VirtualLayout(shape=cloud.shape, dtype="<f8")
    layout[:] = h5py.VirtualSource(str(secret), "x", shape=cloud.shape)
    with h5py.File(virtual, "w") as fh:
        fh.create_virtual_dataset("layer", layout)
    for path, needle in [(link, "'stolen' is an external link"),
                         (ext, "keeps its data in other file(s)"),
                         (virtual, "virtual dataset")]:
        _contained_failure(tmp_path, ["persistence", str(path), "--out", str(tmp_path / "o"),
                                      *FAST], capsys, str(path), needle, "only inside")


@pytest.mark.parametrize("listing", [
    ("layers.json", lambda outside: json.dumps({"layer_order": ["a"], "files": {"a": str(outside)}})),
    ("layers.json", lambda outside: json.dumps({"layer_order": ["a"], "files": {"a": "../secret.npy"}})),
    ("layers.txt", lambda outside: "../secret\n"),
])
def test_npy_folder_manifests_cannot_name_files_outside_it(tmp_path, cloud, capsys, listing):
    folder = tmp_path / "acts"
    folder.mkdir()
    np.save(folder / "a.npy", cloud)
    np.save(tmp_path / "secret.npy", cloud)
    name, text = listing
    (folder / name).write_text(text(tmp_path / "secret.npy"))
    _contained_failure(tmp_path, ["persistence", str(folder), "--out", str(tmp_path / "o"), *FAST],
                       capsys, str(folder / name), "outside")


def test_npy_folder_with_a_link_leading_out_is_refused(tmp_path, cloud, capsys):
    folder = tmp_path / "acts"
    folder.mkdir()
    np.save(tmp_path / "secret.npy", cloud)
    os.symlink(tmp_path / "secret.npy", folder / "a.npy")
    _contained_failure(tmp_path, ["persistence", str(folder), "--out", str(tmp_path / "o"), *FAST],
                       capsys, "'a.npy' is a link leading outside")


def test_fifos_are_refused_without_blocking(tmp_path, cloud, capsys):
    fifo = tmp_path / "acts.npz"
    os.mkfifo(fifo)
    _fails(["persistence", str(fifo), "--out", str(tmp_path / "o"), *FAST], capsys,
           str(fifo), "FIFO")
    good = tmp_path / "good.npz"
    save_activations(good, {"a": cloud})
    labels = tmp_path / "labels.txt"
    os.mkfifo(labels)
    _fails(["persistence", str(good), "--out", str(tmp_path / "o2"), "--labels", str(labels),
            *FAST], capsys, str(labels), "FIFO")
    spec = tmp_path / "spec.yaml"
    os.mkfifo(spec)
    _fails(["run", str(spec), "--out", str(tmp_path / "run")], capsys, str(spec), "FIFO")


# -- writing outside --out -----------------------------------------------------------------------
SPEC = "data: {name: digits}\ntraining: {epochs: 0}\ncapture: {every: 1}\n"


@pytest.mark.parametrize("name", ["../../x", "/tmp/evil", "a/b", "..", ".hidden", "sp ace"])
def test_model_names_are_identifiers_never_paths(tmp_path, capsys, name):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC + f"models:\n  {json.dumps(name)}: {{type: mlp}}\n")
    before = _snapshot(tmp_path)
    _fails(["run", str(spec), "--out", str(tmp_path / "run")], capsys, str(spec), "models:",
           "never paths")
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "run").exists()


# -- other people's files ------------------------------------------------------------------------
@pytest.mark.parametrize("foreign", [
    {"betti.csv": "mine,not,yours\n"},
    {"diagrams.npz": "not an npz"},
    {"units/x.npz": "someone's"},
    {"manifest.json": "[1, 2, 3]"},
    {"manifest.json": '{"job": "persistence"}'},
    {"manifest.json": "{not json"},
    {"notes.txt": "hello"},
])
@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_tda_nn_did_not_write_is_refused(tmp_path, cloud, capsys, foreign, overwrite):
    acts = tmp_path / "acts.npz"
    save_activations(acts, {"a": cloud})
    out = tmp_path / "out"
    for name, text in foreign.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    before = _snapshot(tmp_path)
    first = next(iter(foreign))
    _fails(["persistence", str(acts), "--out", str(out), *FAST]
           + (["--overwrite"] if overwrite else []), capsys,
           str(out / first.split("/")[0]) if first != "manifest.json" else str(out / first))
    assert _snapshot(tmp_path) == before


def test_overwrite_removes_only_what_tda_nn_wrote(tmp_path, cloud, capsys):
    acts = tmp_path / "acts.npz"
    save_activations(acts, {"a": cloud, "b": cloud[:, :2]})
    out = tmp_path / "out"
    assert main(["persistence", str(acts), "--out", str(out), *FAST]) == 0
    own = sorted(p.name for p in (out / "units").iterdir())
    assert len(own) == 2
    planted = {"units/notes.npz": b"not a unit", "units/readme.txt": b"mine", "mine.txt": b"mine"}
    for name, data in planted.items():
        (out / name).write_bytes(data)
    np.savez(out / "units" / "array.npz", x=np.arange(3))
    assert main(["persistence", str(acts), "--out", str(out), "--overwrite", *FAST,
                 "--maxdim", "1"]) == 0
    for name, data in planted.items():
        assert (out / name).read_bytes() == data
    with np.load(out / "units" / "array.npz") as kept:
        assert kept["x"].tolist() == [0, 1, 2]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["written_by"] == "tda-nn"
    table = pd.read_csv(out / "betti.csv")
    assert sorted(table["homology_dim"].unique()) == [0, 1]


def test_empty_folder_and_own_folder_are_accepted(tmp_path, cloud):
    acts = tmp_path / "acts.npz"
    save_activations(acts, {"a": cloud})
    out = tmp_path / "empty"
    out.mkdir()
    assert main(["persistence", str(acts), "--out", str(out), *FAST]) == 0
    assert main(["persistence", str(acts), "--out", str(out), *FAST]) == 0  # resumes


# -- spec validation -----------------------------------------------------------------------------
BOMB = "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
    for p, c in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
) + "data: {name: digits, params: {x: *h}}\nmodel: {type: mlp}\n"

BAD_SPECS = {
    "top-level list": ("- 1\n- 2\n", "a spec is a mapping"),
    "top-level scalar": ("42\n", "a spec is a mapping"),
    "empty": ("", "got an empty file"),
    "nested list": ("data: {name: digits}\nmodel: {type: mlp}\ntraining: [1]\n",
                    "training: expected a mapping"),
    "wrong nested type": ("data: {name: digits}\nmodel: {type: mlp}\ntopology: {classes: [a]}\n",
                          "topology.classes: expected a string"),
    "non-numeric lr_decay": ("data: {name: digits}\nmodel: {type: mlp}\n"
                             "training: {lr_decay: [fast, 5]}\n",
                             "training.lr_decay"),
    "homology dim 50": (SPEC + "model: {type: mlp}\ntopology: {homology_dimensions: [0, 50]}\n",
                        "topology.homology_dimensions: must be between 0 and 3"),
    "capture after training": ("data: {name: digits}\nmodel: {type: mlp}\n"
                               "training: {epochs: 3}\ncapture: {epochs: [0, 9]}\n",
                               "capture.epochs: [9] after the last training epoch"),
    "duplicate key": ("data: {name: digits}\nmodel: {type: mlp}\nmodel: {type: cnn}\n",
                      "key 'model' given twice (line 3)"),
    "deep nesting": ("data: {name: digits, params: {x: " + "[" * 100 + "]" * 100 + "}}\n",
                     "nested deeper than"),
    "recursive alias": ("data: {name: digits, params: {x: &a [1, *a]}}\nmodel: {type: mlp}\n",
                        "recursive alias"),
    "alias bomb": (BOMB, "once aliases are expanded"),
    "date value": ("data: {name: digits}\nmodel: {type: mlp}\nname: 2024-01-01\n",
                   "name: date values are not allowed"),
    "non-text key": ("data: {name: digits}\nmodel: {type: mlp}\n1: 2\n", "keys must be text"),
    "infinite lr": ("data: {name: digits}\nmodel: {type: mlp}\ntraining: {lr: .inf}\n",
                    "training.lr: must be a finite number"),
    "layers not text": ("data: {name: digits}\nmodel: {type: mlp}\ncapture: {layers: [1]}\n",
                        "capture.layers: must be a list of non-empty strings"),
    "metric params": ("data: {name: digits}\nmodel: {type: mlp}\n"
                      "topology: {metric_params: {n_neighbors: 5}}\n",
                      "metric 'euclidean' takes no parameters"),
    "bad YAML": ("data: {name: digits\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_bad_specs_are_one_line_errors_before_anything_runs(tmp_path, capsys, case):
    text, needle = BAD_SPECS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    start = time.perf_counter()
    _fails(["run", str(spec), "--out", str(tmp_path / "run")], capsys, str(spec), needle)
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "run").exists()


def test_non_utf8_and_oversized_specs(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_bytes(b"name: \xff\xfe\n")
    _fails(["run", str(spec), "--out", str(tmp_path / "run")], capsys, str(spec), "not UTF-8")
    spec.write_text("# padding\n" * 200_000)
    _fails(["run", str(spec), "--out", str(tmp_path / "run")], capsys, str(spec), "larger than")


# -- labels and diagram keys ---------------------------------------------------------------------
def _two_class_acts(tmp_path: Path, labels) -> Path:
    rng = np.random.default_rng(1)
    path = tmp_path / "acts.npz"
    save_activations(path, {"a": rng.normal(size=(len(labels), 3))})
    lab = tmp_path / "labels.npy"
    np.save(lab, np.asarray(labels))
    return path


def test_labels_differing_only_in_unsafe_characters_get_their_own_keys(tmp_path):
    names = ["a b", "a-b", "x/y", "x:y", "é", "e"]
    labels = np.repeat(names, 6)
    acts = _two_class_acts(tmp_path, labels)
    out = tmp_path / "out"
    assert main(["persistence", str(acts), "--out", str(out), "--labels",
                 str(tmp_path / "labels.npy"), *FAST]) == 0
    table = pd.read_csv(out / "betti.csv", keep_default_na=False)
    classes = table[table["class"] != "all"]
    assert sorted(classes["class"]) == sorted(names)  # the labels verbatim
    assert classes["diagram_key"].nunique() == len(names)
    with np.load(out / "diagrams.npz") as diagrams:
        assert set(table["diagram_key"]) == set(diagrams.files)
        seen = []
        for name in names:
            key = classes.loc[classes["class"] == name, "diagram_key"].iloc[0]
            assert int(classes.loc[classes["class"] == name, "n_points"].iloc[0]) == 6
            diagram = diagrams[key]
            assert not any(np.array_equal(diagram, other) for other in seen)  # its own cloud
            seen.append(diagram)


@pytest.mark.parametrize("labels, needle", [
    (np.tile([0.5, 1.5], 20), "labels are continuous (0.5 is not a whole number)"),
    (np.repeat(["all", "b"], 20), "class label 'all' is reserved"),
])
def test_labels_that_cannot_name_classes_are_refused(tmp_path, capsys, labels, needle):
    acts = _two_class_acts(tmp_path, labels)
    _contained_failure(tmp_path, ["persistence", str(acts), "--out", str(tmp_path / "o"),
                                  "--labels", str(tmp_path / "labels.npy"), *FAST],
                       capsys, str(acts), needle)


def test_whole_number_float_labels_and_text_labels_with_bom_and_crlf(tmp_path):
    acts = _two_class_acts(tmp_path, np.repeat([1.0, 2.0], 10))
    out = tmp_path / "floats"
    assert main(["persistence", str(acts), "--out", str(out), "--labels",
                 str(tmp_path / "labels.npy"), *FAST]) == 0
    assert set(pd.read_csv(out / "betti.csv")["class"].astype(str)) == {"all", "1", "2"}
    text = tmp_path / "labels.txt"
    text.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join([b"3"] * 10 + [b"4"] * 10) + b"\r\n")
    out = tmp_path / "text"
    assert main(["persistence", str(acts), "--out", str(out), "--labels", str(text), *FAST]) == 0
    table = pd.read_csv(out / "betti.csv")
    counts = table[table["class"].astype(str) != "all"].set_index("class")["n_points"]
    assert counts.to_dict() == {"3": 10, "4": 10}


# -- resources -----------------------------------------------------------------------------------
def test_a_unit_that_would_exceed_max_memory_is_refused_before_anything_runs(tmp_path, capsys):
    acts = tmp_path / "acts.npz"
    save_activations(acts, {"big": np.random.default_rng(0).normal(size=(2000, 3))})
    out = tmp_path / "o"
    _contained_failure(tmp_path, ["persistence", str(acts), "--out", str(out), "--subsample",
                                  "none", "--max-memory", "16M", *FAST], capsys,
                       str(acts), "layer 'big'", "2000 x 3 needs about", "--max-memory")
    assert not out.exists()
    _fails(["persistence", str(acts), "--out", str(out), "--max-memory", "lots", *FAST], capsys,
           "--max-memory must be a size")
    assert main(["persistence", str(acts), "--out", str(out), "--max-memory", "16M", *FAST]) == 0


def test_a_large_unit_is_announced_with_its_estimate_before_it_runs(tmp_path, capsys, monkeypatch):
    from tda_nn.analysis import memory

    acts = tmp_path / "acts.npz"
    save_activations(acts, {"wide": np.random.default_rng(0).normal(size=(600, 3))})
    monkeypatch.setattr(memory, "LARGE_UNIT_BYTES", 2 * 1024**2)
    assert main(["persistence", str(acts), "--out", str(tmp_path / "o"), "--subsample", "none",
                 *FAST]) == 0
    printed = capsys.readouterr().err
    # exact persistence: the 600 x 600 float64 distance matrix (2.7 MiB) plus two cloud copies
    assert "memory: the largest unit" in printed and "layer 'wide': 600 x 3" in printed
    assert f"{(600 * 600 * 8 + 2 * 600 * 3 * 4) / 1024**3:.2f} GiB" in printed
    monkeypatch.setattr(memory, "LARGE_UNIT_BYTES", 3 * 1024**2)
    assert main(["persistence", str(acts), "--out", str(tmp_path / "o2"), "--subsample", "none",
                 *FAST]) == 0
    assert "memory:" not in capsys.readouterr().err

"""Reading and writing saved activations (npz, npy dirs, pt, safetensors, HDF5) and the RunStore."""

from __future__ import annotations

import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tda_nn.errors import InputError, StoreError
from tda_nn.io import ActivationSet, RunStore, load_activations, save_activations

N = 12
RNG = np.random.default_rng(7)
# deliberately not in sorted order; names with '/', '.', ':' and digits
LAYERS = {
    "fc2": RNG.normal(size=(N, 5)).astype(np.float32),
    "encoder/layer.0": RNG.normal(size=(N, 2, 3)),
    "head:out": RNG.normal(size=(N,)).astype(np.float32),
}
LABELS = np.arange(N) % 3
SUFFIXES = [".npz", ".safetensors", ".h5", ".pt", "", ".zarr"]


def flat(a):
    a = np.asarray(a)
    return a.reshape(a.shape[0], -1)


def one_line_store_error(excinfo, name):
    msg = str(excinfo.value)
    assert excinfo.type is StoreError, excinfo.type
    assert "\n" not in msg and name in msg, msg
    assert len(msg) < 400, msg
    return msg


def visible(directory):
    return sorted(p.name for p in Path(directory).rglob("*") if not p.name.startswith("."))


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_round_trip_keeps_values_order_and_labels(tmp_path, suffix):
    path = tmp_path / f"acts{suffix}"
    save_activations(path, LAYERS, labels=LABELS)
    acts = load_activations(path)
    assert acts.layer_names == list(LAYERS)
    assert list(acts) == list(LAYERS) and len(acts) == 3
    assert acts.n_samples == N and acts.source == str(path)
    np.testing.assert_array_equal(acts.labels, LABELS)
    assert acts.shapes == {"fc2": (N, 5), "encoder/layer.0": (N, 6), "head:out": (N, 1)}
    for name, original in LAYERS.items():
        got = acts[name]
        assert got.dtype == original.dtype  # float32 stays float32, float64 stays float64
        np.testing.assert_array_equal(got, flat(original))
        # lazily memory-mapped where the format allows (pt: torch's mmap, zarr: chunked reads)
        assert isinstance(got, np.memmap) == (suffix not in (".pt", ".zarr"))


@pytest.mark.parametrize("suffix", SUFFIXES[:-1])
def test_text_labels_round_trip(tmp_path, suffix):
    path = tmp_path / f"acts{suffix}"
    words = np.array(["cat", "dog", "émeu"] * 4)
    save_activations(path, {"a": LAYERS["fc2"]}, labels=words)
    assert load_activations(path).labels.tolist() == words.tolist()


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_pickled_set_reads_the_same(tmp_path, suffix):
    path = tmp_path / f"acts{suffix}"
    save_activations(path, LAYERS, labels=LABELS)
    acts = pickle.loads(pickle.dumps(load_activations(path)))
    np.testing.assert_array_equal(acts["encoder/layer.0"], flat(LAYERS["encoder/layer.0"]))
    np.testing.assert_array_equal(acts.labels, LABELS)


def test_flattening_and_dtypes():
    cube = np.arange(N * 2 * 3 * 4, dtype=np.int32).reshape(N, 2, 3, 4)
    acts = ActivationSet({"c": cube, "h": np.ones(N, np.float16), "f": np.zeros((N, 2), np.float32)})
    got = acts["c"]
    assert got.shape == (N, 24) and got.dtype == np.float64
    np.testing.assert_array_equal(got[5], cube[5].ravel().astype(float))
    assert acts["h"].shape == (N, 1) and acts["h"].dtype == np.float32
    assert acts["f"].dtype == np.float32


def test_fortran_ordered_npy_is_flattened_per_sample(tmp_path):
    cube = np.asfortranarray(RNG.normal(size=(N, 3, 2)))
    (tmp_path / "d").mkdir()
    np.save(tmp_path / "d" / "x.npy", cube)
    got = load_activations(tmp_path / "d")["x"]
    np.testing.assert_array_equal(got[4], cube[4].ravel())


# -- files written by other tools ----------------------------------------------------------------
def test_foreign_npz_keeps_key_order_and_is_memory_mapped(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, zeta=np.ones((4, 2)), alpha=np.arange(8.0).reshape(4, 2), labels=np.arange(4))
    acts = load_activations(path)
    assert acts.layer_names == ["zeta", "alpha"]
    assert isinstance(acts["alpha"], np.memmap)
    np.testing.assert_array_equal(acts["alpha"], np.arange(8.0).reshape(4, 2))
    np.testing.assert_array_equal(acts.labels, np.arange(4))


def test_compressed_npz_reads_values(tmp_path):
    path = tmp_path / "c.npz"
    np.savez_compressed(path, b=np.full((3, 2), 2.5), a=np.eye(3))
    acts = load_activations(path)
    assert acts.layer_names == ["b", "a"] and acts.labels is None
    np.testing.assert_array_equal(acts["a"], np.eye(3))


def test_npy_dir_natural_order_labels_and_layers_txt(tmp_path):
    d = tmp_path / "npy"
    d.mkdir()
    for i in (10, 2, 1):
        np.save(d / f"layer{i}.npy", np.full((4, 2), float(i)))
    np.save(d / "labels.npy", np.array([0, 1, 1, 0]))
    acts = load_activations(d)
    assert acts.layer_names == ["layer1", "layer2", "layer10"]
    assert isinstance(acts["layer10"], np.memmap) and acts["layer10"][0, 0] == 10.0
    np.testing.assert_array_equal(acts.labels, [0, 1, 1, 0])
    (d / "layers.txt").write_text("layer10\nlayer1\n")
    assert load_activations(d).layer_names == ["layer10", "layer1"]


def test_single_npy_file_is_one_layer(tmp_path):
    np.save(tmp_path / "pool.npy", np.arange(6.0).reshape(3, 2))
    acts = load_activations(tmp_path / "pool.npy")
    assert acts.layer_names == ["pool"] and acts.shapes == {"pool": (3, 2)}


def test_safetensors_from_library_sorted_and_bf16(tmp_path):
    import torch
    from safetensors.numpy import load_file, save_file
    from safetensors.torch import save_file as save_torch

    path = tmp_path / "lib.safetensors"
    save_file({"l10": np.ones((3, 2), np.float32), "l2": np.zeros((3, 4), np.float32)}, str(path))
    acts = load_activations(path)
    assert acts.layer_names == ["l2", "l10"]
    assert isinstance(acts["l10"], np.memmap)

    bf = tmp_path / "bf.safetensors"
    values = torch.tensor([[1.5, -2.25], [3.0, 0.0078125]], dtype=torch.bfloat16)
    save_torch({"x": values}, str(bf))
    got = load_activations(bf)["x"]
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, values.float().numpy())

    ours = tmp_path / "ours.safetensors"
    save_activations(ours, LAYERS, labels=LABELS)
    back = load_file(str(ours))  # the reference library reads what we wrote
    np.testing.assert_array_equal(back["fc2"], LAYERS["fc2"])
    np.testing.assert_array_equal(back["labels"], LABELS)


def test_hdf5_nested_groups_name_order_and_chunked(tmp_path):
    import h5py

    path = tmp_path / "ext.hdf5"
    with h5py.File(path, "w") as fh:  # no creation-order tracking: HDF5 name order
        fh.create_dataset("model/blocks/1", data=np.ones((4, 3)))
        fh.create_dataset("model/blocks/0", data=np.zeros((4, 3)), chunks=(2, 3), compression="gzip")
        fh.create_dataset("labels", data=np.array([1, 0, 1, 0]))
        fh["model/zz_alias"] = fh["model/blocks/1"]  # hard link: one layer, named where first met
        fh["model/blocks/up"] = fh["model"]  # a cycle: walked once
    acts = load_activations(path)
    assert acts.layer_names == ["model/blocks/0", "model/blocks/1"]
    assert isinstance(acts["model/blocks/1"], np.memmap)
    assert not isinstance(acts["model/blocks/0"], np.memmap)  # compressed: read, not mapped
    np.testing.assert_array_equal(acts["model/blocks/0"], np.zeros((4, 3)))
    np.testing.assert_array_equal(acts.labels, [1, 0, 1, 0])


def test_torch_file_nested_dicts_numpy_values_and_bf16(tmp_path):
    import torch

    path = tmp_path / "acts.pt"
    obj = {
        "encoder": {"0": torch.arange(6.0).reshape(3, 2), "1": np.ones((3, 1, 2), np.float32)},
        "head": torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.bfloat16),
        "labels": [2, 0, 1],
        "step": 40,
    }
    torch.save(obj, path)
    acts = load_activations(path)
    assert acts.layer_names == ["encoder/0", "encoder/1", "head"]
    assert acts.step == 40 and acts.metadata == {"step": 40}
    np.testing.assert_array_equal(acts["encoder/0"], np.arange(6.0).reshape(3, 2))
    assert acts["encoder/1"].shape == (3, 2)
    np.testing.assert_array_equal(acts["head"], [[1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(acts.labels, [2, 0, 1])


def test_torch_file_with_arbitrary_objects_is_refused(tmp_path):
    import torch

    path = tmp_path / "evil.pt"
    torch.save({"a": torch.ones(2, 2), "obj": zipfile.ZipInfo("x")}, path)
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    assert "zipfile.ZipInfo" in one_line_store_error(exc, "evil.pt")


# -- selection, labels, errors -------------------------------------------------------------------
def test_layer_selection_unknown_layer_and_mapping_protocol(tmp_path):
    path = tmp_path / "a.npz"
    save_activations(path, LAYERS)
    acts = load_activations(path, layers=["head:out", "fc2"])
    assert acts.layer_names == ["head:out", "fc2"]
    assert "fc2" in acts and "encoder/layer.0" not in acts and acts.get("nope") is None
    with pytest.raises(InputError, match=r"'fc3'.*did you mean 'fc2'"):
        acts["fc3"]
    with pytest.raises(KeyError):  # also a KeyError, as a Mapping should raise
        acts["fc3"]
    with pytest.raises(InputError, match="did you mean 'fc2'"):
        load_activations(path, layers=["fc1"])
    sub = acts.subset(["fc2"])
    assert sub.layer_names == ["fc2"] and sub.n_samples == N


def test_labels_from_files_and_wrong_length(tmp_path):
    path = tmp_path / "a.npz"
    save_activations(path, {"x": np.ones((4, 2))}, labels=[0, 0, 0, 0])
    (tmp_path / "lab.csv").write_text("label\n3\n1\n2\n0\n")
    acts = load_activations(path, labels=tmp_path / "lab.csv")
    np.testing.assert_array_equal(acts.labels, [3, 1, 2, 0])
    (tmp_path / "names.txt").write_text("a\nb\nb\na\n\n")
    assert load_activations(path, labels=tmp_path / "names.txt").labels.tolist() == list("abba")
    np.save(tmp_path / "short.npy", np.arange(3))
    with pytest.raises(InputError) as exc:
        load_activations(path, labels=tmp_path / "short.npy")
    msg = str(exc.value)
    assert "short.npy" in msg and "a.npz" in msg and "3" in msg and "4" in msg and "\n" not in msg
    with pytest.raises(InputError, match=r"5 labels but .*a\.npz has 4 samples"):
        load_activations(path, labels=np.arange(5))


def test_mismatched_samples_across_layers_names_file_and_layers(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, first=np.ones((5, 2)), second=np.ones((4, 2)))
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    msg = one_line_store_error(exc, "bad.npz")
    assert "'second'" in msg and "'first'" in msg and "4" in msg and "5" in msg
    with pytest.raises(InputError, match="'b' has 3 samples but layer 'a' has 2"):
        ActivationSet({"a": np.ones((2, 1)), "b": np.ones((3, 1))})


@pytest.mark.parametrize(
    ("bad", "what"),
    [(np.array(["x", "y"]), "non-numeric"), (np.zeros((0, 3)), "empty"), (np.float64(1.0), "0-d"),
     (np.ones(2, complex), "complex")],
)
def test_unusable_layers_named_but_selectable_around(tmp_path, bad, what):
    path = tmp_path / "mixed.npz"
    np.savez(path, good=np.ones((2, 2)), odd=bad)
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    msg = one_line_store_error(exc, "mixed.npz")
    assert "'odd'" in msg and what in msg
    assert load_activations(path, layers="good").shapes == {"good": (2, 2)}


def test_missing_path_and_unknown_suffix(tmp_path):
    with pytest.raises(StoreError, match="no such file"):
        load_activations(tmp_path / "absent.npz")
    (tmp_path / "acts.parquet").write_bytes(b"x")
    with pytest.raises(InputError, match=r"acts\.parquet.*\.npz.*\.safetensors.*\.h5"):
        load_activations(tmp_path / "acts.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="neither a run store"):
        load_activations(tmp_path / "empty")
    RunStore.create(tmp_path / "empty" / "acts", layer_names=["a"], n_samples=2)
    with pytest.raises(StoreError, match="run stores inside: acts"):
        load_activations(tmp_path / "empty")
    with pytest.raises(InputError, match="text labels"):
        save_activations(tmp_path / "t.zarr", {"a": np.ones((2, 2))}, labels=["x", "y"])
    with pytest.raises(InputError, match="unknown activation file type"):
        save_activations(tmp_path / "x.parquet", {"a": np.ones((2, 2))})
    with pytest.raises(InputError, match="'labels'"):
        save_activations(tmp_path / "x.npz", {"labels": np.ones((2, 2))})


# -- truncated and corrupt files -----------------------------------------------------------------
def _cut(path, keep=0.5):
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[: int(len(data) * keep)])


@pytest.mark.parametrize(("suffix", "fmt"), [
    (".npz", "npz"), (".safetensors", "safetensors"), (".h5", "HDF5"), (".pt", "PyTorch"),
])
def test_truncated_files_give_one_line_store_errors(tmp_path, suffix, fmt):
    path = tmp_path / f"cut{suffix}"
    save_activations(path, {"a": np.ones((200, 8)), "b": np.zeros((200, 8))}, labels=np.arange(200))
    _cut(path)
    with pytest.raises(StoreError) as exc:
        acts = load_activations(path)
        [acts[n] for n in acts]
    msg = one_line_store_error(exc, f"cut{suffix}")
    assert f"truncated or corrupt {fmt} file" in msg


def test_truncated_npy_in_directory(tmp_path):
    d = tmp_path / "d"
    save_activations(d, {"a": np.ones((100, 4)), "b": np.ones((100, 4))})
    _cut(d / "b.npy", 0.7)
    with pytest.raises(StoreError) as exc:
        load_activations(d)
    msg = one_line_store_error(exc, "b.npy")
    assert "truncated or corrupt npy file" in msg and "3200 bytes" in msg
    assert load_activations(d, layers=["a"])["a"].sum() == 400.0


@pytest.mark.parametrize(
    ("suffix", "fmt"),
    [(".npz", "npz"), (".npy", "npy"), (".safetensors", "safetensors"), (".h5", "HDF5"),
     (".pt", "PyTorch")],
)
def test_garbage_files_give_one_line_store_errors(tmp_path, suffix, fmt):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(b"PK\x03\x04 garbage bytes, not activations " * 4)
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    assert f"truncated or corrupt {fmt} file" in one_line_store_error(exc, path.name)


def test_garbage_safetensors_header(tmp_path):
    path = tmp_path / "junk.safetensors"
    path.write_bytes((30).to_bytes(8, "little") + b"{this is not json at all......")
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    assert "truncated or corrupt safetensors" in one_line_store_error(exc, "junk.safetensors")
    path.write_bytes(b"\xff" * 64)
    with pytest.raises(StoreError) as exc:
        load_activations(path)
    one_line_store_error(exc, "junk.safetensors")


def test_corrupt_npz_member_and_garbage_h5(tmp_path):
    path = tmp_path / "z.npz"
    np.savez_compressed(path, a=np.arange(1000.0).reshape(100, 10))
    data = bytearray(path.read_bytes())
    data[200:260] = b"\x00" * 60  # damage the deflate stream, keep the zip directory
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as exc:
        acts = load_activations(path)
        acts["a"]
    one_line_store_error(exc, "z.npz")
    h5 = tmp_path / "g.h5"
    h5.write_bytes(b"not an hdf5 file" * 10)
    with pytest.raises(StoreError) as exc:
        load_activations(h5)
    assert "truncated or corrupt HDF5" in one_line_store_error(exc, "g.h5")


def test_failed_save_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        save_activations(tmp_path / "a.npz", LAYERS)
    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        save_activations(tmp_path / "dir", LAYERS)
    assert os.listdir(tmp_path) == []


# -- the run store ------------------------------------------------------------------------------
STORE_LAYERS = ["blocks/0.attn", "head.out:logits"]


def _fill(store, steps=(0, 10, 20)):
    truth = {}
    for step in steps:
        for i, name in enumerate(STORE_LAYERS):
            arr = (np.arange(N * (3 + i), dtype=np.float32).reshape(N, 3 + i) + step) * (i + 1)
            store.write_activations(step, name, arr)
            truth[step, name] = arr
        store.write_predictions(step, (np.arange(N) + step) % 3)
        store.mark_complete(step)
    return truth


def _make(root, **kw):
    return RunStore.create(
        root, layer_names=STORE_LAYERS, n_samples=N, labels=LABELS,
        model={"name": "mlp", "width": 8}, data={"name": "D-I"}, **kw,
    )


def test_store_write_reopen_read(tmp_path):
    root = tmp_path / "run"
    truth = _fill(_make(root))
    store = RunStore(root)  # a new object, as another process would
    assert store.steps == [0, 10, 20] and store.layer_names == STORE_LAYERS
    assert store.n_samples == N
    np.testing.assert_array_equal(store.labels, LABELS)
    for (step, name), arr in truth.items():
        got = store.read_activations(step, name)
        assert isinstance(got, np.memmap) and got.dtype == np.float32
        np.testing.assert_array_equal(got, arr)
    np.testing.assert_array_equal(store.read_predictions(10), (np.arange(N) + 10) % 3)
    assert store.read_predictions(99) is None
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["layers"]["head.out:logits"] == {"n_features": 4, "dtype": "float32"}
    assert manifest["model"] == {"name": "mlp", "width": 8} and "numpy" in manifest["library_versions"]
    files = set(manifest["layer_files"].values())
    assert len(files) == 2 and all("/" not in f and ":" not in f for f in files)
    assert visible(root / "step_00000010") == sorted(["COMPLETE", "predictions.npy", *files])

    acts = store.activation_set(10)
    assert acts.step == 10 and acts.layer_names == STORE_LAYERS
    assert acts.metadata["model"]["name"] == "mlp"
    np.testing.assert_array_equal(acts.labels, LABELS)
    np.testing.assert_array_equal(acts.predictions, (np.arange(N) + 10) % 3)
    np.testing.assert_array_equal(acts["head.out:logits"], truth[10, "head.out:logits"])
    last = load_activations(root)
    assert last.step == 20
    np.testing.assert_array_equal(last["blocks/0.attn"], truth[20, "blocks/0.attn"])
    assert load_activations(root, step=0, layers="head.out:logits").layer_names == [STORE_LAYERS[1]]
    step_dir = load_activations(root / "step_00000010")
    assert step_dir.step == 10


def test_store_incomplete_step_is_hidden(tmp_path):
    store = _make(tmp_path / "run")
    _fill(store, steps=(0,))
    store.write_activations(5, STORE_LAYERS[0], np.ones((N, 3), np.float32))
    assert store.has_activations(5, STORE_LAYERS[0]) and not store.has_activations(5, STORE_LAYERS[1])
    assert store.steps == [0] and store.partial_steps == [5] and not store.is_complete(5)
    with pytest.raises(StoreError, match="missing layers.*head.out:logits"):
        store.mark_complete(5)
    with pytest.raises(StoreError, match="step 5 is missing or not complete"):
        store.activation_set(5)
    assert load_activations(tmp_path / "run").step == 0


def test_store_resume_and_mismatch(tmp_path):
    root = tmp_path / "run"
    _fill(_make(root), steps=(0, 10))
    with pytest.raises(StoreError, match="exist_ok=True"):
        _make(root)
    again = _make(root, exist_ok=True)
    assert again.steps == [0, 10]
    with pytest.raises(StoreError) as exc:
        RunStore.create(root, layer_names=STORE_LAYERS, n_samples=N + 1, exist_ok=True)
    assert f"n_samples {N} in the store, {N + 1} asked" in one_line_store_error(exc, "run")
    with pytest.raises(StoreError, match="layer_names"):
        RunStore.create(root, layer_names=["other"], n_samples=N, exist_ok=True)
    with pytest.raises(StoreError, match="labels differ"):
        RunStore.create(root, layer_names=STORE_LAYERS, n_samples=N, labels=LABELS[::-1],
                        exist_ok=True)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("x")
    with pytest.raises(StoreError, match="not an empty directory"):
        RunStore.create(tmp_path / "busy", layer_names=["a"], n_samples=2)


def test_store_write_validation(tmp_path):
    store = _make(tmp_path / "run")
    _fill(store, steps=(0,))
    bad = np.ones((N, 3), np.float32)
    bad[4, 1] = np.nan
    with pytest.raises(InputError, match=r"step 7, layer 'blocks/0.attn'.*NaN"):
        store.write_activations(7, "blocks/0.attn", bad)
    with pytest.raises(InputError, match="5 features, earlier steps have 3"):
        store.write_activations(7, "blocks/0.attn", np.ones((N, 5)))
    with pytest.raises(InputError, match=f"{N - 1} samples, the store has {N}"):
        store.write_activations(7, "blocks/0.attn", np.ones((N - 1, 3)))
    with pytest.raises(InputError, match="did you mean 'blocks/0.attn'"):
        store.write_activations(7, "blocks/0.atn", np.ones((N, 3)))
    with pytest.raises(StoreError, match="already complete"):
        store.write_activations(0, "blocks/0.attn", np.ones((N, 3)))
    with pytest.raises(InputError, match="step must be a non-negative integer"):
        store.write_activations(-1, "blocks/0.attn", np.ones((N, 3)))
    store.write_activations(7, "blocks/0.attn", np.ones((N, 1, 3)))  # float64, flattened
    got = store.read_activations(7, "blocks/0.attn")
    assert got.dtype == np.float32 and got.shape == (N, 3)  # the layer's dtype is kept
    assert store.partial_steps == [7]


def test_store_failed_write_leaves_no_file(tmp_path, monkeypatch):
    store = _make(tmp_path / "run")
    manifest_before = (tmp_path / "run" / "manifest.json").read_text()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        store.write_activations(3, STORE_LAYERS[0], np.ones((N, 3)))
    monkeypatch.undo()
    assert not store.has_activations(3, STORE_LAYERS[0])
    assert visible(tmp_path / "run") == ["labels.npy", "manifest.json", "step_00000003"]
    assert list((tmp_path / "run" / "step_00000003").iterdir()) == []
    assert (tmp_path / "run" / "manifest.json").read_text() == manifest_before
    assert RunStore(tmp_path / "run").steps == []


def test_store_truncated_file_and_bad_manifest(tmp_path):
    root = tmp_path / "run"
    store = _make(root)
    _fill(store, steps=(0,))
    file = root / "step_00000000" / store.manifest["layer_files"]["head.out:logits"]
    _cut(file, 0.6)
    with pytest.raises(StoreError) as exc:
        store.read_activations(0, "head.out:logits")
    assert "truncated or corrupt npy" in one_line_store_error(exc, file.name)
    with pytest.raises(StoreError) as exc:
        load_activations(root)
    one_line_store_error(exc, file.name)
    with pytest.raises(InputError, match="no layer 'fc9'"):
        store.read_activations(0, "fc9")

    manifest = json.loads((root / "manifest.json").read_text())
    del manifest["layer_files"]["blocks/0.attn"]
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StoreError) as exc:
        RunStore(root)
    assert "'blocks/0.attn'" in one_line_store_error(exc, "manifest.json")
    (root / "manifest.json").write_text('{"format": "tda-nn-run-st')
    with pytest.raises(StoreError) as exc:
        RunStore(root)
    assert "truncated or corrupt JSON manifest" in one_line_store_error(exc, "manifest.json")
    assert not RunStore.is_store(root) and not RunStore.is_store(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="not a tda-nn run store"):
        RunStore(tmp_path)


def test_store_and_its_sets_pickle(tmp_path):
    root = tmp_path / "run"
    truth = _fill(_make(root), steps=(0, 10))
    store = pickle.loads(pickle.dumps(RunStore(root)))
    assert store.steps == [0, 10]
    np.testing.assert_array_equal(store.read_activations(10, STORE_LAYERS[1]), truth[10, STORE_LAYERS[1]])
    acts = pickle.loads(pickle.dumps(store.activation_set(0)))
    assert acts.step == 0
    np.testing.assert_array_equal(acts[STORE_LAYERS[0]], truth[0, STORE_LAYERS[0]])


def test_store_from_torch_tensor_and_untracked_layer_features(tmp_path):
    import torch

    store = RunStore.create(tmp_path / "run", layer_names=["x"], n_samples=3)
    store.write_activations(1, "x", torch.arange(6.0).reshape(3, 2))
    store.mark_complete(1)
    store.mark_complete(1)  # idempotent
    reader = RunStore(tmp_path / "run")
    np.testing.assert_array_equal(reader.read_activations(1, "x", mmap=False), [[0, 1], [2, 3], [4, 5]])
    assert reader.labels is None and reader.activation_set().labels is None


# -- in-memory sets ------------------------------------------------------------------------------
def test_in_memory_set_and_lazy_loaders():
    import torch

    acts = ActivationSet({"t": torch.ones(4, 2), "n": np.zeros((4, 3))}, labels=[0, 1, 0, 1])
    assert acts.source == "<memory>" and acts.n_samples == 4 and acts["t"].dtype == np.float32
    with pytest.raises(InputError, match="3 labels but <memory> has 4 samples"):
        ActivationSet({"a": np.ones((4, 1))}, labels=[0, 1, 2])
    calls = []

    def loader():
        calls.append(1)
        return np.full((4, 2, 2), 3.0)

    lazy = ActivationSet({"l": loader}, shapes={"l": (4, 2, 2)})
    assert lazy.n_samples == 4 and lazy.shapes == {"l": (4, 4)} and calls == []
    assert lazy["l"].sum() == 48.0 and calls == [1]
    relabelled = load_activations(acts, labels=np.array([3, 3, 3, 3]))
    assert relabelled.labels.tolist() == [3, 3, 3, 3] and acts.labels.tolist() == [0, 1, 0, 1]
    saved = pickle.loads(pickle.dumps(acts))
    np.testing.assert_array_equal(saved["n"], np.zeros((4, 3)))

"""ActivationExtractor against hand-written forward passes, Hugging Face hidden states and torch."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import clone
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tda_nn import ActivationExtractor
from tda_nn.errors import InputError
from tda_nn.extract import extract_activations

TOL = {"rtol": 1e-5, "atol": 1e-6}


# ---------------------------------------------------------------- models and hand forward passes
def make_mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 6), nn.Tanh(), nn.Linear(6, 3))


def mlp_by_hand(model: nn.Sequential, X: np.ndarray) -> dict[str, np.ndarray]:
    """Every module output of the MLP, in float64 numpy."""
    p = {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}
    x = X.astype(np.float32).astype(np.float64)
    h0 = x @ p["0.weight"].T + p["0.bias"]
    h1 = np.maximum(h0, 0)
    h2 = h1 @ p["2.weight"].T + p["2.bias"]
    h3 = np.tanh(h2)
    h4 = h3 @ p["4.weight"].T + p["4.bias"]
    return {"input": x, "0": h0, "1": h1, "2": h2, "3": h3, "4": h4}


def make_cnn() -> nn.Sequential:
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16, 5),
    )


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> np.ndarray:
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # (n, C, H', W', k, k)
    return np.einsum("nchwij,ocij->nohw", windows, w) + b[None, :, None, None]


def cnn_by_hand(model: nn.Sequential, X: np.ndarray) -> dict[str, np.ndarray]:
    p = {k: v.detach().numpy().astype(np.float64) for k, v in model.state_dict().items()}
    x = X.astype(np.float64)
    a1 = np.maximum(conv2d(x, p["0.weight"], p["0.bias"], 1), 0)  # (n, 3, 8, 8)
    n, c, h, w = a1.shape
    pooled = a1.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))  # (n, 3, 4, 4)
    a2 = np.maximum(conv2d(pooled, p["3.weight"], p["3.bias"], 0), 0)  # (n, 4, 2, 2)
    head = a2.reshape(n, -1) @ p["6.weight"].T + p["6.bias"]
    return {"1": a1, "2": pooled, "4": a2, "6": head}


class Encoder(nn.Module):
    """The issue's example layout: ``encoder.0``, ``encoder.1``, ``head``."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(2)
        self.encoder = nn.Sequential(nn.Linear(3, 5), nn.ReLU())
        self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x))


@pytest.fixture
def X() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(37, 4))


# ---------------------------------------------------------------- MLP
def test_mlp_matches_hand_forward_in_requested_order(X):
    model = make_mlp()
    layers = ["2", "input", "1", "4"]
    ext = ActivationExtractor(model, layers=layers, batch_size=256, device="cpu")
    clouds = ext.fit_transform(X)
    assert ext.layer_names_ == layers
    expected = mlp_by_hand(model, X)
    assert [c.shape for c in clouds] == [(37, 6), (37, 4), (37, 8), (37, 3)]
    for name, cloud in zip(layers, clouds, strict=True):
        assert cloud.dtype == np.float32
        np.testing.assert_allclose(cloud, expected[name], **TOL)
    batched = ActivationExtractor(model, layers=layers, batch_size=5).fit_transform(X)
    for a, b in zip(clouds, batched, strict=True):
        np.testing.assert_allclose(b, a, **TOL)


def test_mlp_default_layers_and_extract_output(X):
    model = make_mlp()
    ext = ActivationExtractor(model, batch_size=10).fit(X)
    assert ext.layer_names_ == ["1", "3", "4"]  # every activation, then the head
    clouds, output = ext.extract(X)
    expected = mlp_by_hand(model, X)
    for name, cloud in zip(ext.layer_names_, clouds, strict=True):
        np.testing.assert_allclose(cloud, expected[name], **TOL)
    assert output.dtype == np.float32 and output.shape == (37, 3)
    np.testing.assert_allclose(output, expected["4"], **TOL)


def test_extract_activations_dict_and_float64(X):
    model = make_mlp()
    acts = extract_activations(model, X, layers=["3", "1"], dtype=np.float64)
    assert list(acts) == ["3", "1"]
    expected = mlp_by_hand(model, X)
    assert acts["3"].dtype == np.float64
    np.testing.assert_allclose(acts["3"], expected["3"], **TOL)
    np.testing.assert_allclose(acts["1"], expected["1"], **TOL)


def test_tensor_input_equals_array_input(X):
    model = make_mlp()
    ext = ActivationExtractor(model, layers=["1", "4"]).fit(X)
    from_array = ext.transform(X)
    from_tensor = ext.transform(torch.as_tensor(X, dtype=torch.float32))
    for a, b in zip(from_array, from_tensor, strict=True):
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- CNN
@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(11, 2, 8, 8)).astype(np.float32)


def test_cnn_flatten_mean_max_match_hand_forward(images):
    model = make_cnn()
    expected = cnn_by_hand(model, images)
    n = len(images)
    ext = ActivationExtractor(model, layers=["4", "1", "6"], batch_size=4).fit(images)
    flat = ext.transform(images)
    np.testing.assert_allclose(flat[0], expected["4"].reshape(n, 16), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(flat[1], expected["1"].reshape(n, 3 * 8 * 8), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(flat[2], expected["6"], rtol=1e-5, atol=1e-5)
    for reduce, pool in (("mean", np.mean), ("max", np.max)):
        clouds = ActivationExtractor(model, ["4", "1"], reduce=reduce, batch_size=4).fit_transform(images)
        np.testing.assert_allclose(clouds[0], pool(expected["4"], axis=(2, 3)), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(clouds[1], pool(expected["1"], axis=(2, 3)), rtol=1e-5, atol=1e-5)
        assert clouds[0].shape == (n, 4) and clouds[1].shape == (n, 3)


def test_cnn_default_layers_are_block_ends_and_head(images):
    model = make_cnn()
    ext = ActivationExtractor(model).fit(images)
    assert ext.layer_names_ == ["2", "4", "6"]  # conv block 1 ends at the pool, block 2 at ReLU
    clouds = ext.transform(images)
    expected = cnn_by_hand(model, images)
    np.testing.assert_allclose(clouds[0], expected["2"].reshape(len(images), -1), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- container outputs
class TupleBlock(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return 2 * x, x - 1


class DictBlock(nn.Module):
    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | None]:
        return {"hidden": x + 10, "skipped": None, "logits": 3 * x}


@dataclasses.dataclass
class Out:
    first: torch.Tensor
    second: torch.Tensor


class DataclassBlock(nn.Module):
    def forward(self, x: torch.Tensor) -> Out:
        return Out(first=-x, second=x * x)


class ContainerModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pair = TupleBlock()
        self.mapping = DictBlock()
        self.record = DataclassBlock()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h, aux = self.pair(x)
        d = self.mapping(h)
        r = self.record(d["logits"])
        return r.second + aux, d["hidden"]


def test_container_outputs_first_tensor_and_output_index():
    X = np.arange(12, dtype=np.float32).reshape(6, 2)
    layers = ["pair", "mapping", "record"]
    clouds, output = ActivationExtractor(ContainerModel(), layers, batch_size=4).fit(X).extract(X)
    np.testing.assert_allclose(clouds[0], 2 * X)
    np.testing.assert_allclose(clouds[1], 2 * X + 10)
    np.testing.assert_allclose(clouds[2], -6 * X)
    np.testing.assert_allclose(output, (6 * X) ** 2 + X - 1)  # the first tensor of the model's tuple

    index = {"pair": 1, "mapping": "logits", "record": "second"}
    clouds = ActivationExtractor(ContainerModel(), layers, output_index=index).fit_transform(X)
    np.testing.assert_allclose(clouds[0], X - 1)
    np.testing.assert_allclose(clouds[1], 6 * X)
    np.testing.assert_allclose(clouds[2], (6 * X) ** 2)
    # an int on a mapping counts its non-None values; a plain int applies to every layer
    clouds = ActivationExtractor(ContainerModel(), layers, output_index=1).fit_transform(X)
    np.testing.assert_allclose(clouds[1], 6 * X)
    np.testing.assert_allclose(clouds[2], (6 * X) ** 2)
    with pytest.raises(InputError, match=r"'hidden', 'skipped', 'logits'"):
        ActivationExtractor(ContainerModel(), ["mapping"], output_index="nope").fit_transform(X)


# ---------------------------------------------------------------- Hugging Face transformer
@pytest.fixture(scope="module")
def bert():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(3)
    config = transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=32,
    )
    model = transformers.BertModel(config).eval()
    rng = np.random.default_rng(3)
    ids = rng.integers(1, 50, size=(5, 7))
    mask = np.ones((5, 7), dtype=np.int64)
    mask[0, 4:] = 0
    mask[3, 2:] = 0
    ids[mask == 0] = 0
    inputs = {"input_ids": torch.as_tensor(ids), "attention_mask": torch.as_tensor(mask)}
    with torch.no_grad():
        hidden = model(**inputs, output_hidden_states=True).hidden_states
    return model, inputs, [h.numpy().astype(np.float64) for h in hidden]


def test_bert_default_layers_equal_hidden_states(bert):
    model, inputs, hidden = bert
    m = inputs["attention_mask"].numpy()[:, :, None].astype(np.float64)
    hooks_before = _hook_count(model)
    ext = ActivationExtractor(model, batch_size=2, reduce="mean").fit(inputs)
    assert ext.layer_names_ == ["encoder.layer.0", "encoder.layer.1"]
    clouds, output = ext.extract(inputs)
    assert _hook_count(model) == hooks_before
    for i, cloud in enumerate(clouds):
        masked_mean = (hidden[i + 1] * m).sum(axis=1) / m.sum(axis=1)
        assert cloud.shape == (5, 16) and cloud.dtype == np.float32
        np.testing.assert_allclose(cloud, masked_mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(output, hidden[-1], rtol=1e-5, atol=1e-5)  # last_hidden_state

    flat = ActivationExtractor(model, batch_size=3).fit_transform(inputs)
    for i, cloud in enumerate(flat):
        np.testing.assert_allclose(cloud, hidden[i + 1].reshape(5, -1), rtol=1e-5, atol=1e-5)
    maxed = ActivationExtractor(model, ["encoder.layer.1", "input"], reduce="max").fit_transform(inputs)
    np.testing.assert_allclose(
        maxed[0], np.where(m > 0, hidden[2], -np.inf).max(axis=1), rtol=1e-5, atol=1e-5
    )
    np.testing.assert_array_equal(maxed[1], inputs["input_ids"].numpy())  # "input" = input_ids


def test_bert_dict_batches_from_dataloader(bert):
    model, inputs, hidden = bert
    rows = [{k: v[i] for k, v in inputs.items()} for i in range(5)]
    loader = DataLoader(rows, batch_size=2)
    clouds = ActivationExtractor(model, ["encoder.layer.0"], reduce="mean").fit_transform(loader)
    expected = ActivationExtractor(model, ["encoder.layer.0"], reduce="mean").fit_transform(inputs)
    np.testing.assert_allclose(clouds[0], expected[0], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- DataLoader
def test_dataloader_of_xy_batches_equals_array_input(X):
    model = make_mlp()
    dataset = TensorDataset(torch.as_tensor(X, dtype=torch.float32), torch.arange(len(X)))
    loader = DataLoader(dataset, batch_size=6)  # 37 = 6 * 6 + 1
    ext = ActivationExtractor(model, ["input", "3"]).fit(loader)
    from_loader, output = ext.extract(loader)
    from_array = ext.transform(X)
    for a, b in zip(from_array, from_loader, strict=True):
        np.testing.assert_allclose(b, a, **TOL)
    np.testing.assert_allclose(output, mlp_by_hand(model, X)["4"], **TOL)


class Batches:
    """A re-iterable collection of batches that is not a list (a minimal DataLoader stand-in)."""

    def __init__(self, batches: list[torch.Tensor]) -> None:
        self.batches = batches

    def __iter__(self):
        return iter(self.batches)


def test_varying_map_sizes_need_pooling():
    torch.manual_seed(4)
    batches = [torch.randn(2, 3, 5), torch.randn(3, 3, 7)]
    model = nn.Sequential(nn.Identity())
    with pytest.raises(InputError, match="reduce='mean'"):
        ActivationExtractor(model, ["0"]).fit_transform(Batches(batches))
    pooled = ActivationExtractor(model, ["0"], reduce="mean").fit_transform(Batches(batches))
    expected = np.concatenate([b.mean(dim=2).numpy() for b in batches])
    np.testing.assert_allclose(pooled[0], expected, **TOL)


# ---------------------------------------------------------------- model state is left as found
class Recorder(nn.Module):
    """Records the grad mode and its own training flag each time it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append((torch.is_grad_enabled(), self.training))
        return x


class Boom(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("boom on purpose")


def _modes(model: nn.Module) -> list[bool]:
    return [m.training for m in model.modules()]


def _hook_count(model: nn.Module) -> int:
    return sum(len(m._forward_hooks) for m in model.modules())


def test_eval_no_grad_then_modes_restored_and_hooks_removed(X):
    torch.manual_seed(5)
    recorder = Recorder()
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.Dropout(0.5), recorder, nn.ReLU())
    model.train()
    model[1].eval()  # mixed modes must come back exactly
    before = _modes(model)
    stats = model[1].running_mean.clone()
    clouds = ActivationExtractor(model, ["2", "4"], batch_size=16).fit_transform(X)
    assert _modes(model) == before and _hook_count(model) == 0
    assert recorder.seen == [(False, False)] * 3  # 37 samples in batches of 16
    torch.testing.assert_close(model[1].running_mean, stats)  # eval: BatchNorm stats untouched
    bn = model[1]
    lin = model[0](torch.as_tensor(X, dtype=torch.float32))
    by_hand = (lin - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
    np.testing.assert_allclose(clouds[0], by_hand.detach().numpy(), rtol=1e-5, atol=1e-5)  # no dropout
    np.testing.assert_allclose(clouds[1], np.maximum(clouds[0], 0), **TOL)


def test_forward_that_raises_leaves_no_hooks_and_restores_modes(X):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), Boom())
    model.train()
    model[1].eval()
    before = _modes(model)
    ext = ActivationExtractor(model, ["0", "1"]).fit(X)
    with pytest.raises(RuntimeError, match="boom on purpose"):
        ext.transform(X)
    assert _modes(model) == before and _hook_count(model) == 0


class Skips(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = nn.Linear(4, 2)
        self.unused = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.used(x)


def test_errors_inside_hooks_and_unrun_layers_clean_up(X):
    model = ContainerModel().train()
    with pytest.raises(InputError, match="layer 'pair': output_index 5 is out of range"):
        ActivationExtractor(model, ["pair", "record"], output_index=5).fit_transform(X[:, :2])
    assert all(m.training for m in model.modules()) and _hook_count(model) == 0
    skips = Skips().train()
    with pytest.raises(InputError, match="layer 'unused' did not run"):
        ActivationExtractor(skips, ["used", "unused"]).fit_transform(X)
    assert all(m.training for m in skips.modules()) and _hook_count(skips) == 0


def test_shared_module_gives_its_last_call(X):
    class Shared(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.act = nn.Tanh()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.act(self.act(x))

    cloud = ActivationExtractor(Shared(), ["act"]).fit_transform(X)[0]
    np.testing.assert_allclose(cloud, np.tanh(np.tanh(X.astype(np.float32))), **TOL)


# ---------------------------------------------------------------- validation
def test_unknown_layer_lists_close_matches(X):
    ext = ActivationExtractor(Encoder(), layers=["encoder.0", "encoder.3"])
    with pytest.raises(InputError) as info:
        ext.fit(X[:, :3])
    message = str(info.value)
    assert message.startswith("unknown layer 'encoder.3' in Encoder; did you mean:")
    assert "'encoder.0'" in message and "'encoder.1'" in message and "\n" not in message
    assert not hasattr(ext, "layer_names_")
    with pytest.raises(InputError, match="known layers: 'input', 'encoder'"):
        ActivationExtractor(Encoder(), layers=["zzzzzz"]).fit(X[:, :3])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"reduce": "sum"}, "reduce"),
        ({"dtype": np.int32}, "dtype"),
        ({"device": "tpu:x"}, "device"),
        ({"channel_axis": 0}, "channel_axis"),
        ({"layers": ["head", "head"]}, "twice"),
        ({"output_index": {"nothere": 0}}, "output_index"),
        ({"output_index": 1.5}, "output_index"),
    ],
)
def test_bad_parameters_raise_input_error(params, match, X):
    with pytest.raises(InputError, match=match):
        ActivationExtractor(Encoder(), **params).fit(X[:, :3])


def test_bad_inputs_raise_input_error(X):
    ext = ActivationExtractor(make_mlp(), ["1"])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        ext.fit(bad)
    with pytest.raises(InputError, match="differ in length"):
        ext.fit({"x": X, "y": X[:5]})
    with pytest.raises(InputError, match="one-shot"):
        ext.fit(iter([X]))
    with pytest.raises(InputError, match="no samples"):
        ext.fit(X[:0])


def test_cuda_device_when_unavailable_or_round_trip(X):
    model = make_mlp()
    expected = mlp_by_hand(model, X)["1"]
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            ActivationExtractor(model, ["1"], device="cuda").fit(X)
        cloud = ActivationExtractor(model, ["1"], device="auto").fit_transform(X)[0]
        np.testing.assert_allclose(cloud, expected, **TOL)
        return
    cloud = ActivationExtractor(model, ["1"], device="cuda").fit_transform(X)[0]
    np.testing.assert_allclose(cloud, expected, rtol=1e-4, atol=1e-4)
    assert all(p.device.type == "cpu" for p in model.parameters())  # moved back


# ---------------------------------------------------------------- scikit-learn conventions
def test_clone_and_pickle_round_trip(X):
    model = Encoder()
    ext = ActivationExtractor(model, layers=["encoder.0", "encoder.1", "head"], batch_size=7)
    twin = clone(ext)
    assert twin.get_params()["layers"] == ext.layers and twin.batch_size == 7
    assert twin.model is not model and not hasattr(twin, "layer_names_")
    X3 = X[:, :3]
    clouds = ext.fit_transform(X3)
    for a, b in zip(clouds, twin.fit_transform(X3), strict=True):
        np.testing.assert_array_equal(a, b)
    restored = pickle.loads(pickle.dumps(ext))
    assert restored.layer_names_ == ["encoder.0", "encoder.1", "head"]
    for a, b in zip(clouds, restored.transform(X3), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [c.shape for c in clouds] == [(37, 5), (37, 5), (37, 2)]

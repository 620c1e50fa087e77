"""Training side: reference models, seeding, the topology tracker, resumable reference training."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tda_nn.errors import InputError
from tda_nn.extract import ActivationExtractor
from tda_nn.io import RunStore
from tda_nn.training import (
    METRIC_COLUMNS,
    TopologyTracker,
    build_model,
    checkpoint_path,
    default_layers,
    get_rng_state,
    list_checkpoints,
    load_checkpoint,
    load_model_state,
    make_cnn,
    make_mlp,
    read_metrics,
    seed_everything,
    set_rng_state,
    train_reference,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _torch_settings():
    """One thread (tiny models; the CI machine is shared) and the global flags restored after."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def disk_annulus(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: the unit disk; class 1: the annulus 2 <= r <= 3 (separable with a margin)."""
    rng = np.random.default_rng(seed)
    r = np.concatenate([rng.uniform(0, 1, n // 2), rng.uniform(2, 3, n - n // 2)])
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.stack([r * np.cos(t), r * np.sin(t)], axis=1).astype(np.float32)
    return X, (r > 1.5).astype(np.int64)


def noisy_blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping classes: training never reaches 100%, so runs last their full length."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = (rng.normal(size=(n, 2)) + 0.6 * y[:, None]).astype(np.float32)
    return X, y.astype(np.int64)


def mlp(seed: int = 1, activation: str = "relu", depth: int = 2, width: int = 8) -> torch.nn.Module:
    spec = {"type": "mlp", "depth": depth, "width": width, "activation": activation, "seed": seed}
    return build_model(spec, in_features=2, n_classes=2)


def assert_stores_equal(a: Path, b: Path) -> None:
    sa, sb = RunStore(a), RunStore(b)
    assert sa.steps == sb.steps and sa.steps
    assert sa.layer_names == sb.layer_names
    for step in sa.steps:
        for layer in sa.layer_names:
            xa, xb = sa.read_activations(step, layer), sb.read_activations(step, layer)
            assert xa.dtype == xb.dtype == np.float32
            assert xa.tobytes() == xb.tobytes(), (step, layer)
        np.testing.assert_array_equal(sa.read_predictions(step), sb.read_predictions(step))


# -- models ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("activation", "kind", "at_minus_one"),
    [("relu", torch.nn.ReLU, 0.0), ("leaky_relu", torch.nn.LeakyReLU, -0.2),
     ("tanh", torch.nn.Tanh, float(np.tanh(-1.0)))],
)
def test_mlp_names_shapes_and_activations(activation, kind, at_minus_one):
    model = make_mlp(3, 2, depth=3, width=7, activation=activation)
    names = [n for n, _ in model.named_children()]
    assert names == ["fc1", "act1", "fc2", "act2", "fc3", "act3", "out"]
    assert [tuple(model.get_submodule(f"fc{k}").weight.shape) for k in (1, 2, 3)] == [
        (7, 3), (7, 7), (7, 7)]
    assert tuple(model.out.weight.shape) == (2, 7)
    assert all(type(model.get_submodule(f"act{k}")) is kind for k in (1, 2, 3))
    value = float(model.act1(torch.tensor([-1.0])))
    assert value == pytest.approx(at_minus_one, abs=1e-7)
    assert model(torch.zeros(5, 3)).shape == (5, 2)
    assert default_layers(model) == ["act1", "act2", "act3", "out"]


@pytest.mark.parametrize(
    ("in_shape", "widths"),
    [((1, 8, 8), [8 * 4 * 4, 16 * 2 * 2, 10]),   # digits, conv2d
     ((1, 40), [8 * 20, 16 * 10, 10])],           # MNIST-1D, conv1d
)
def test_cnn_layers_and_flat_inputs(in_shape, widths):
    torch.manual_seed(0)
    model = make_cnn(in_shape, 10, channels=(8, 16))
    conv = torch.nn.Conv2d if len(in_shape) == 3 else torch.nn.Conv1d
    assert isinstance(model.conv1, conv) and isinstance(model.conv2, conv)
    assert default_layers(model) == ["pool1", "pool2", "out"]
    X = torch.randn(6, int(np.prod(in_shape)))
    with torch.no_grad():
        flat, shaped = model(X), model(X.reshape(6, *in_shape))
    assert torch.equal(flat, shaped) and flat.shape == (6, 10)
    ext = ActivationExtractor(model, layers=default_layers(model)).fit(X.numpy())
    assert [c.shape for c in ext.transform(X.numpy())] == [(6, w) for w in widths]


def test_build_model_matches_factories_and_keeps_global_rng():
    before = torch.get_rng_state()
    a = build_model({"type": "mlp", "depth": 2, "width": 5, "seed": 3}, in_features=4, n_classes=3)
    b = build_model({"depth": 2, "width": 5, "seed": 3, "in_features": 4, "n_classes": 3})
    c = build_model({"type": "mlp", "depth": 2, "width": 5, "seed": 4}, in_features=4, n_classes=3)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(3)
    ref = make_mlp(4, 3, 2, 5)
    for name, tensor in ref.state_dict().items():
        assert torch.equal(a.state_dict()[name], tensor) and torch.equal(b.state_dict()[name], tensor)
    assert not torch.equal(c.fc1.weight, a.fc1.weight)
    # what a pipeline spec gives for a CNN (schema defaults fill depth/width; channels null)
    cnn = build_model({"type": "cnn", "depth": 4, "width": 32, "activation": "tanh", "channels": None},
                      in_shape=(1, 8, 8), n_classes=10)
    assert isinstance(cnn.act1, torch.nn.Tanh) and cnn.conv2.out_channels == 16


@pytest.mark.parametrize(
    ("spec", "match"),
    [({"type": "mlp", "depth": 2, "widht": 4}, "'widht'"),
     ({"type": "rnn"}, "'type'"),
     ({"type": "mlp", "depth": 2}, "'width'"),
     ({"type": "mlp", "depth": 0, "width": 4}, "depth"),
     ({"type": "mlp", "depth": 2, "width": 4, "activation": "gelu"}, "activation"),
     ({"type": "mlp", "depth": 2, "width": 4, "channels": [4]}, "'channels'"),
     ({"type": "cnn", "in_shape": [8, 8, 8, 8]}, "in_shape"),
     ({"type": "cnn", "in_shape": [1, 4], "channels": [2, 2, 2]}, "channels")],
)
def test_build_model_errors_name_the_key(spec, match):
    with pytest.raises(InputError, match=match):
        build_model(spec, in_features=2, n_classes=2)


# -- seeding -----------------------------------------------------------------------------------
def test_seed_everything_and_rng_state_round_trip():
    import random

    seed_everything(11)
    first = (random.random(), np.random.rand(), torch.rand(1).item())  # noqa: NPY002
    seed_everything(11)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first  # noqa: NPY002
    state = get_rng_state()
    ahead = (random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist())  # noqa: NPY002
    set_rng_state(state)
    assert (random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist()) == ahead  # noqa: NPY002
    with pytest.raises(InputError, match="seed"):
        seed_everything(-1)


# -- reference training ------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_reference_mlp_reaches_full_train_accuracy_and_stops(activation):
    X, y = disk_annulus(200, 0)
    Xt, yt = disk_annulus(100, 1)
    result = train_reference(mlp(0, activation, width=16), X, y, Xt, yt, epochs=300, lr=0.02,
                             metrics_every=1)
    table = result.metrics
    assert tuple(table.columns) == METRIC_COLUMNS
    assert result.reached_target and result.stop_reason == "target"
    assert result.final_train_accuracy == 1.0 and result.steps < 300
    # it stops at the first step with 100%: every earlier step is below it
    assert table["step"].tolist() == list(range(result.steps + 1))
    assert (table["train_accuracy"].iloc[:-1] < 1.0).all()
    assert result.final_test_accuracy > 0.95
    assert table["epoch"].tolist() == table["step"].astype(float).tolist()  # full batch


def test_metrics_are_independent_evaluations(capsys):
    """Loss / accuracy rows equal a hand evaluation of the final weights; progress bar shown."""
    X, y = noisy_blobs(120, 0)
    Xt, yt = noisy_blobs(60, 1)
    model = mlp(2)
    result = train_reference(model, X, y, Xt, yt, epochs=9, lr=0.05, capture_every=4,
                             run_dir=None, target_train_accuracy=None, progress=True)
    assert "training" in capsys.readouterr().err
    assert result.metrics["step"].tolist() == [0, 4, 8, 9]
    row = result.metrics.iloc[-1]
    with torch.no_grad():
        logits = model(torch.from_numpy(X)).double()
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)).item()
        acc_t = (model(torch.from_numpy(Xt)).argmax(1).numpy() == yt).mean()
    assert row["loss"] == pytest.approx(loss, rel=1e-5)
    assert row["train_accuracy"] == (logits.argmax(1).numpy() == y).mean()
    assert row["test_accuracy"] == acc_t
    assert not result.reached_target and result.stop_reason == "epochs"


def test_fixed_seed_gives_bit_identical_runs(tmp_path):
    X, y = noisy_blobs(96, 0)
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        model = mlp(seed)
        tracker = TopologyTracker(model, None, X[:40], y[:40], every=4, store=tmp_path / name)
        runs.append(train_reference(model, X, y, X, y, epochs=6, lr=0.05, batch_size=32, seed=seed,
                                    tracker=tracker, target_train_accuracy=None))
    assert_stores_equal(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a/metrics.csv").read_bytes() == (tmp_path / "b/metrics.csv").read_bytes()
    pd.testing.assert_frame_equal(runs[0].metrics, runs[1].metrics)
    other = RunStore(tmp_path / "c").read_activations(16, "act2")
    assert not np.array_equal(other, RunStore(tmp_path / "a").read_activations(16, "act2"))


# -- tracker -----------------------------------------------------------------------------------
def test_tracker_in_a_plain_loop_writes_steps_layers_and_checkpoints(tmp_path):
    X, y = noisy_blobs(64, 0)
    probe = X[:30]
    model = mlp(0, "tanh", width=6)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    tracker = TopologyTracker(model, ["act1", "act2", "out"], probe, y[:30], every=3,
                              store=tmp_path / "run", optimizer=opt)
    seen = {}
    assert tracker(0)
    for step in range(1, 11):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        opt.step()
        if tracker(step):
            seen[step] = {k: v.clone() for k, v in model.state_dict().items()}
    store = RunStore(tmp_path / "run")
    assert store.steps == [0, 3, 6, 9] == tracker.steps and sorted(seen) == [3, 6, 9]
    assert store.layer_names == ["act1", "act2", "out"]
    assert list_checkpoints(tmp_path / "run") == [0, 3, 6, 9]
    np.testing.assert_array_equal(store.labels, y[:30])
    for step in (3, 9):
        # activations against a hand computation from the weights of that step
        w = {k: v.double().numpy() for k, v in seen[step].items()}
        h1 = np.tanh(probe @ w["fc1.weight"].T + w["fc1.bias"])
        h2 = np.tanh(h1 @ w["fc2.weight"].T + w["fc2.bias"])
        logits = h2 @ w["out.weight"].T + w["out.bias"]
        np.testing.assert_allclose(store.read_activations(step, "act1"), h1, atol=1e-5)
        np.testing.assert_allclose(store.read_activations(step, "act2"), h2, atol=1e-5)
        np.testing.assert_allclose(store.read_activations(step, "out"), logits, atol=1e-5)
        np.testing.assert_array_equal(store.read_predictions(step), logits.argmax(1))
        # the checkpoint reloads into a fresh model and gives the stored activations exactly
        fresh = load_model_state(mlp(99, "tanh", width=6), tmp_path / "run", step)
        again = ActivationExtractor(fresh, layers=["act1", "act2", "out"]).fit(probe).transform(probe)
        for layer, cloud in zip(store.layer_names, again, strict=True):
            assert cloud.tobytes() == np.asarray(store.read_activations(step, layer)).tobytes()
        payload = load_checkpoint(checkpoint_path(tmp_path / "run", step))
        assert payload["step"] == step and payload["optimizer"] is not None


def test_tracker_leaves_mode_gradients_and_weights_alone(tmp_path):
    X, y = noisy_blobs(32, 0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.5), torch.nn.ReLU(),
                                torch.nn.Linear(8, 2))
    model.train()
    torch.nn.functional.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y)).backward()
    grads = [p.grad.clone() for p in model.parameters()]
    weights = [p.detach().clone() for p in model.parameters()]
    tracker = TopologyTracker(model, None, X, y, every=2, store=tmp_path / "run")
    assert tracker.layer_names == ["2", "3"]
    assert tracker.capture(5)
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads, strict=True))
    assert all(torch.equal(p, w) for p, w in zip(model.parameters(), weights, strict=True))
    # eval mode (dropout off) was used: the stored logits are the deterministic eval-mode ones
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(RunStore(tmp_path / "run").read_activations(5, "3"), expected, atol=1e-6)
    tracker.capture(6)
    assert not model.training  # and an eval-mode model stays in eval mode


def test_tracker_schedule_resume_and_mismatches(tmp_path):
    X, y = noisy_blobs(40, 0)
    model = mlp(0)
    tracker = TopologyTracker(model, None, X, y, every=[2, 5], store=tmp_path / "run")
    assert [s for s in range(8) if tracker.should_capture(s)] == [0, 2, 5]
    assert tracker(0) and not tracker(1) and tracker(2) and not tracker(2)
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        model.fc1.weight.add_(1.0)
    again = TopologyTracker(model, None, X, y, every=[2, 5], store=tmp_path / "run")
    assert again.steps == [0, 2] and not again(2)
    assert again.resume() == 2
    assert all(torch.equal(model.state_dict()[k], v) for k, v in saved.items())
    with pytest.raises(InputError, match="different probe set"):
        TopologyTracker(model, None, X + 1, y, store=tmp_path / "run")
    with pytest.raises(InputError, match="unit"):
        TopologyTracker(model, None, X, y, store=tmp_path / "run", unit="epoch")
    with pytest.raises(InputError, match="every"):
        TopologyTracker(model, None, X, y, every=0, store=tmp_path / "other")


# -- kill and resume ---------------------------------------------------------------------------
class Killed(Exception):
    pass


def _run(out: Path, *, kill_at=None, batch_size=None, unit="step", every=3, epochs=14,
         save_checkpoints=True, sabotage=None):
    X, y = noisy_blobs(80, 0)
    Xt, yt = noisy_blobs(40, 1)
    model = mlp(7, "leaky_relu")
    tracker = TopologyTracker(model, None, Xt[:25], yt[:25], every=every, store=out, unit=unit,
                              save_checkpoints=save_checkpoints)
    if sabotage is not None:
        sabotage(tracker)

    def callback(step, _model):
        if kill_at is not None and step == kill_at:
            raise Killed

    return train_reference(model, X, y, Xt, yt, epochs=epochs, lr=0.03, batch_size=batch_size,
                           seed=3, lr_decay=(0.5, 4), tracker=tracker, metrics_every=2,
                           target_train_accuracy=None, callback=callback), model


@pytest.mark.parametrize(
    ("batch_size", "unit", "kills", "save_checkpoints"),
    [(None, "step", (5, 11), True),     # full batch; killed between captures, twice
     (24, "step", (7,), True),          # mini-batches; killed mid-epoch
     (24, "epoch", (9, 30), True),      # captures at epoch ends
     (None, "step", (8,), False)],      # the loop writes the resume checkpoints itself
)
def test_kill_and_resume_equals_uninterrupted(tmp_path, batch_size, unit, kills, save_checkpoints):
    kw = {"batch_size": batch_size, "unit": unit, "save_checkpoints": save_checkpoints}
    full, full_model = _run(tmp_path / "full", **kw)
    for k in kills:
        with pytest.raises(Killed):
            _run(tmp_path / "resumed", kill_at=k, **kw)
    resumed, resumed_model = _run(tmp_path / "resumed", **kw)
    assert resumed.resumed_from is not None and resumed.resumed_from < kills[-1]
    assert resumed.steps == full.steps
    assert_stores_equal(tmp_path / "full", tmp_path / "resumed")
    assert (tmp_path / "full/metrics.csv").read_bytes() == (tmp_path / "resumed/metrics.csv").read_bytes()
    pd.testing.assert_frame_equal(full.metrics, resumed.metrics)
    for name, tensor in full_model.state_dict().items():
        assert torch.equal(resumed_model.state_dict()[name], tensor)
    # running the finished job again changes nothing
    again, _ = _run(tmp_path / "resumed", **kw)
    assert again.resumed_from == full.steps
    pd.testing.assert_frame_equal(again.metrics, full.metrics)


def test_killed_inside_a_capture_resumes_identically(tmp_path):
    """Killed after a step's activations are written but before it is marked complete."""
    full, _ = _run(tmp_path / "full")

    def sabotage(tracker):
        real, calls = tracker.store.mark_complete, []

        def mark_complete(step):
            calls.append(step)
            if len(calls) == 3:
                raise Killed
            real(step)

        tracker.store.mark_complete = mark_complete

    with pytest.raises(Killed):
        _run(tmp_path / "resumed", sabotage=sabotage)
    assert RunStore(tmp_path / "resumed").partial_steps == [6]
    _run(tmp_path / "resumed")
    assert_stores_equal(tmp_path / "full", tmp_path / "resumed")
    assert (tmp_path / "full/metrics.csv").read_bytes() == (tmp_path / "resumed/metrics.csv").read_bytes()


def test_epoch_unit_captures_at_epoch_ends(tmp_path):
    result, _ = _run(tmp_path / "run", batch_size=24, unit="epoch", every=2, epochs=5)
    assert RunStore(tmp_path / "run").steps == [0, 2, 4, 5]   # epochs; the last one forced
    assert result.steps == 5 * 4                               # 80 points / 24 = 4 steps per epoch
    assert read_metrics(tmp_path / "run/metrics.csv")["epoch"].iloc[-1] == 5.0


def test_resume_refuses_other_settings(tmp_path):
    X, y = noisy_blobs(40, 0)
    train_reference(mlp(0), X, y, epochs=4, lr=0.05, run_dir=tmp_path, capture_every=2,
                    target_train_accuracy=None)
    with pytest.raises(InputError, match="lr"):
        train_reference(mlp(0), X, y, epochs=4, lr=0.01, run_dir=tmp_path, capture_every=2)
    with pytest.raises(InputError, match="already holds a run"):
        train_reference(mlp(0), X, y, epochs=4, lr=0.05, run_dir=tmp_path, resume=False)


def test_train_reference_input_errors(tmp_path):
    X, y = noisy_blobs(20, 0)
    with pytest.raises(InputError, match="y_train"):
        train_reference(mlp(0), X, y + 2, epochs=1)
    with pytest.raises(InputError, match="X_train"):
        train_reference(mlp(0), np.full_like(X, np.nan), y, epochs=1)
    with pytest.raises(InputError, match="X_test"):
        train_reference(mlp(0), X, y, X_test=X, epochs=1)
    with pytest.raises(InputError, match="optimizer"):
        train_reference(mlp(0), X, y, epochs=1, optimizer="lbfgs")
    model = mlp(0)
    tracker = TopologyTracker(model, None, X, y, store=tmp_path / "run")
    with pytest.raises(InputError, match="capture_every"):
        train_reference(model, X, y, epochs=1, tracker=tracker, capture_every=2)
    with pytest.raises(InputError, match="different model"):
        train_reference(mlp(0), X, y, epochs=1, tracker=tracker)


def test_cnn_on_digits_with_tracker(tmp_path):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X[:200] / 16.0).astype(np.float32)
    y = y[:200]
    model = build_model({"type": "cnn", "in_shape": [1, 8, 8], "channels": [4, 8], "seed": 0},
                        n_classes=10)
    tracker = TopologyTracker(model, None, X[:50], y[:50], every=5, store=tmp_path / "run")
    result = train_reference(model, X, y, epochs=10, lr=0.01, tracker=tracker,
                             target_train_accuracy=None, progress=False)
    store = RunStore(tmp_path / "run")
    assert store.steps == [0, 5, 10] and store.layer_names == ["pool1", "pool2", "out"]
    assert store.read_activations(10, "pool1").shape == (50, 4 * 4 * 4)
    assert result.metrics["loss"].iloc[-1] < result.metrics["loss"].iloc[0]


_SIGKILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np, torch
    torch.set_num_threads(1)
    from tda_nn.training import TopologyTracker, build_model, train_reference
    out, kill_at = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    X = (rng.normal(size=(80, 2)) + 0.6 * y[:, None]).astype(np.float32)
    model = build_model({"type": "mlp", "depth": 2, "width": 8, "seed": 1}, in_features=2, n_classes=2)
    tracker = TopologyTracker(model, None, X[:30], y[:30], every=4, store=out)
    def die(step, _):
        if step == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
    train_reference(model, X, y, epochs=12, lr=0.05, batch_size=32, seed=2, tracker=tracker,
                    target_train_accuracy=None, callback=die)
""")


@pytest.mark.slow
def test_sigkill_then_same_command_completes_identically(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(_SIGKILL_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}

    def job(out: Path, kill_at: int) -> int:
        return subprocess.run([sys.executable, str(script), str(out), str(kill_at)], env=env,
                              cwd=tmp_path, timeout=300).returncode

    assert job(tmp_path / "full", -1) == 0
    assert job(tmp_path / "killed", 17) == -9
    assert RunStore(tmp_path / "killed").steps == [0, 4, 8, 12, 16]
    assert job(tmp_path / "killed", -1) == 0
    assert_stores_equal(tmp_path / "full", tmp_path / "killed")
    assert (tmp_path / "full/metrics.csv").read_bytes() == (tmp_path / "killed/metrics.csv").read_bytes()


def test_threads_are_set_while_training_recorded_and_restored(tmp_path):
    X, y = noisy_blobs(60, 0)
    seen: list[int] = []
    assert torch.get_num_threads() == 1  # the fixture's setting
    result = train_reference(mlp(1), X, y, epochs=3, lr=0.05, target_train_accuracy=None,
                             run_dir=tmp_path / "run", capture_every=2, progress=False, threads=2,
                             callback=lambda step, _: seen.append(torch.get_num_threads()))
    assert seen == [2, 2, 2] and torch.get_num_threads() == 1
    assert result.thread_history == [[0, 2]]
    assert load_checkpoint(checkpoint_path(tmp_path / "run", 3))["extra"]["train"]["threads"] == [[0, 2]]

    def fail(step, _):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        train_reference(mlp(1), X, y, epochs=3, target_train_accuracy=None, progress=False,
                        threads=2, callback=fail)
    assert torch.get_num_threads() == 1
    for bad in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="threads must be an integer >= 1"):
            train_reference(mlp(1), X, y, epochs=1, progress=False, threads=bad)


def test_resume_with_another_thread_count_warns_and_is_recorded(tmp_path):
    import warnings

    X, y = noisy_blobs(60, 0)
    kw = dict(lr=0.05, target_train_accuracy=None, capture_every=2, progress=False)
    full = train_reference(mlp(1), X, y, epochs=4, run_dir=tmp_path / "full", threads=1, **kw)
    part = tmp_path / "part"
    train_reference(mlp(1), X, y, epochs=2, run_dir=part, threads=1, **kw)  # "killed" at step 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same count: no warning
        again = train_reference(mlp(1), X, y, epochs=2, run_dir=part, threads=1, **kw)
    assert again.resumed_from == 2 and again.thread_history == [[0, 1]]
    with pytest.warns(RuntimeWarning, match=r"resuming at step 2 with 2 torch thread\(s\).*0\.\.2 ran with 1"):
        resumed = train_reference(mlp(1), X, y, epochs=4, run_dir=part, threads=2, **kw)
    assert resumed.resumed_from == 2 and resumed.thread_history == [[0, 1], [2, 2]]
    saved = load_checkpoint(checkpoint_path(part, 4))["extra"]["train"]["threads"]
    assert saved == [[0, 1], [2, 2]]
    # It continues the same computation (bit-identity is only promised at one thread count).
    np.testing.assert_allclose(resumed.metrics["loss"], full.metrics["loss"], rtol=1e-5)

"""Pipeline specs are validated up front: defaults filled, every problem named in one line."""

from __future__ import annotations

import pytest

from tda_nn.errors import InputError
from tda_nn.pipeline.spec import load_spec, validate_spec


def test_defaults_are_filled_and_single_model_is_named():
    spec = validate_spec({"data": {"name": "digits"}, "model": {"type": "mlp", "width": 16}})
    assert spec["models"] == {
        "model": {"type": "mlp", "depth": None, "width": 16, "activation": "relu", "channels": None}
    }
    assert spec["topology"]["homology_dimensions"] == [0, 1]
    assert spec["execution"] == {"n_jobs": 1, "scheduler": None}
    assert spec["seeds"] == [0] and spec["name"] == "run"


def test_every_problem_is_reported_at_once_with_close_matches():
    raw = {
        "data": {"name": "digits", "prob_size": 3},
        "trainng": {},
        "models": {"a": {"type": "mpl", "width": -1}},
        "topology": {"metric": "cosin", "homology_dimensions": []},
        "training": {"lr": "fast"},
    }
    with pytest.raises(InputError) as info:
        validate_spec(raw, source="spec.yaml")
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("spec.yaml: ")
    for needle in [
        "trainng: unknown key (did you mean 'training'?)",
        "data.prob_size: unknown key (did you mean 'probe_size'",
        "topology.metric: unknown value 'cosin' (did you mean 'cosine'?)",
        "topology.homology_dimensions: must list at least one dimension",
        "models.a.type: unknown value 'mpl' (did you mean 'mlp'?)",
        "models.a.width: must be > 0, got -1",
        "training.lr: expected a number, got str 'fast'",
    ]:
        assert needle in msg, needle


def test_missing_sections_and_conflicts():
    with pytest.raises(InputError, match="data: required section is missing"):
        validate_spec({"model": {"type": "mlp"}})
    with pytest.raises(InputError, match="either 'model' or 'models'"):
        validate_spec({"data": {"name": "d1"}, "model": {"type": "mlp"}, "models": {"b": {"type": "cnn"}}})
    with pytest.raises(InputError, match="betti_scale: required"):
        validate_spec({"data": {"name": "d1"}, "model": {"type": "mlp"},
                       "topology": {"betti_method": "scale"}})
    with pytest.raises(InputError, match="topology.outlier_ratio: must be 0 .off. or a number > 1"):
        validate_spec({"data": {"name": "d1"}, "model": {"type": "mlp"},
                       "topology": {"outlier_ratio": 0.5}})
    with pytest.raises(InputError, match="true/false, got a boolean|expected an integer, got a boolean"):
        validate_spec({"data": {"name": "d1"}, "model": {"type": "mlp"}, "training": {"epochs": True}})


def test_load_spec_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: [unclosed\n")
    with pytest.raises(InputError, match=r"bad\.yaml: not valid YAML at line"):
        load_spec(bad)
    with pytest.raises(InputError, match="pipeline spec not found"):
        load_spec(tmp_path / "missing.yaml")
    good = tmp_path / "mine.yaml"
    good.write_text("data: {name: digits}\nmodel: {type: cnn}\nseeds: [1, 2]\n")
    spec = load_spec(good)
    assert spec["name"] == "mine" and spec["seeds"] == [1, 2]


@pytest.mark.parametrize("value, problem", [
    (0, "training.threads: must be >= 1 (null: torch's default), got 0"),
    (-2, "training.threads: must be >= 1 (null: torch's default), got -2"),
    (1.5, "training.threads: expected an integer, got float 1.5"),
    ("all", "training.threads: expected an integer, got str 'all'"),
    (True, "training.threads: expected an integer, got a boolean"),
])
def test_training_threads_is_validated_up_front(value, problem):
    raw = {"data": {"name": "digits"}, "model": {"type": "mlp"}, "training": {"threads": value}}
    with pytest.raises(InputError) as info:
        validate_spec(raw, source="spec.yaml")
    assert str(info.value) == f"spec.yaml: 1 problem(s) in the spec; {problem}"


def test_training_threads_default_and_digest():
    from tda_nn.pipeline.run import spec_digest

    base = {"data": {"name": "digits"}, "model": {"type": "mlp"}}
    spec = validate_spec(base)
    assert spec["training"]["threads"] is None
    two = validate_spec({**base, "training": {"threads": 2}})
    assert two["training"]["threads"] == 2
    # Threads change speed (at most the last bits), not what is trained: same digest, so a run
    # can be resumed with another count; digests of specs from before the key existed still hold.
    assert spec_digest(two) == spec_digest(spec)
    old = {**spec, "training": {k: v for k, v in spec["training"].items() if k != "threads"}}
    assert spec_digest(old) == spec_digest(spec)
    assert spec_digest(validate_spec({**base, "training": {"lr": 0.5}})) != spec_digest(spec)


_TINY = """
name: tiny
data: {name: digits, probe_size: 60}
model: {type: mlp, depth: 1, width: 8}
training: {epochs: 2, threads: 1}
capture: {every: 2}
topology: {classes: none, intrinsic_dimension: false, linear_probe: false}
outputs: {figures: false, report: false}
"""


def test_run_threads_reach_torch_in_training_and_are_restored(tmp_path, monkeypatch, capsys):
    import json

    import torch

    import tda_nn.training.loop as loop
    from tda_nn.cli import main

    spec = tmp_path / "tiny.yaml"
    spec.write_text(_TINY)
    seen: list[int] = []
    real = loop._train_step

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "_train_step", spy)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        out = tmp_path / "run"
        assert main(["run", str(spec), "--out", str(out), "--no-progress", "--threads", "2"]) == 0
        assert seen == [2, 2] and torch.get_num_threads() == 1  # the CLI overrides the spec's 1
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["spec"]["training"]["threads"] == 2
        assert json.loads((out / "spec.json").read_text())["training"]["threads"] == 2
        assert manifest["runs"]["model_seed0"]["torch_threads"] == [[0, 2]]
        # Re-running a finished run with another count trains nothing and records the new setting.
        assert main(["run", str(spec), "--out", str(out), "--no-progress"]) == 0
        assert seen == [2, 2] and torch.get_num_threads() == 1
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["spec"]["training"]["threads"] == 1
        assert manifest["runs"]["model_seed0"]["torch_threads"] == [[0, 2]]
        capsys.readouterr()
        assert main(["run", str(spec), "--out", str(out), "--threads", "0"]) == 2
        assert capsys.readouterr().err.strip().endswith("--threads must be >= 1, got 0")
    finally:
        torch.set_num_threads(before)

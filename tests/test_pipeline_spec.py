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

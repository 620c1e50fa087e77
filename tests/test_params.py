"""PersistenceParams: one set of defaults, rules and dict form for every layer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tda_nn.analysis.units import TopologyParams
from tda_nn.checks import check_homology_dimensions, check_int, dims_problem, int_problem
from tda_nn.errors import InputError
from tda_nn.homology import PersistenceParams, compute_persistence
from tda_nn.homology.params import DEFAULT_N_LANDMARKS, SUBSAMPLE_CHOICES
from tda_nn.pipeline.run import topology_params
from tda_nn.pipeline.spec import validate_spec
from tda_nn.registry import Registry


def test_defaults_normal_form_and_dict_round_trip():
    p = PersistenceParams(homology_dimensions=[1, 0], metric="knn_geodesic",
                          metric_params={"n_neighbors": 5}, max_edge_length=2.0)
    assert p.homology_dimensions == (0, 1) and p.metric_params == (("n_neighbors", 5),)
    assert PersistenceParams.from_dict(p.as_dict()) == p
    assert p.as_dict()["metric_params"] == {"n_neighbors": 5}
    kwargs = PersistenceParams().persistence_kwargs(random_state=3)
    assert kwargs["n_landmarks"] == DEFAULT_N_LANDMARKS and math.isinf(kwargs["max_edge_length"])
    assert kwargs["random_state"] == 3 and kwargs["metric_params"] is None
    assert SUBSAMPLE_CHOICES == ("auto", "maxmin", "random", "none")


def test_topology_params_extend_it_with_an_unchanged_digest():
    # the digest is a function of the values (PersistenceParams changed nothing); outlier
    # trimming (outlier_ratio, default 2) and the denser look (denser_look, default True)
    # changed the answers, so they changed the digest too (was 90a3b92f2067b18b, then
    # e0c5c9c6561f941b): units computed before them are recomputed, not reused
    assert TopologyParams().digest() == "7bcae2969a7c786a"
    assert isinstance(TopologyParams(), PersistenceParams)
    t = TopologyParams(coeff=3, betti_method="auto")
    assert TopologyParams.from_dict(t.as_dict()) == t


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"homology_dimensions": (-1,)}, "homology_dimensions must be non-negative integers"),
    ({"homology_dimensions": ()}, "must list at least one dimension"),
    ({"metric": "minkowski"}, "metric must be one of"),
    ({"metric_params": {"n_neighbors": 3}}, "metric 'euclidean' takes no parameters"),
    ({"metric": "knn_geodesic", "metric_params": {"n_neighbors": 0}},
     "n_neighbors must be an integer >= 1"),
    ({"subsample": "kmeans"}, "subsample must be one of"),
    ({"n_landmarks": 0}, "n_landmarks must be an integer >= 1"),
    ({"max_edge_length": -1.0}, "max_edge_length must be a number > 0"),
    ({"backend": "dionysus"}, "backend must be one of"),
    ({"coeff": 4}, "coeff must be a prime number"),
])
def test_one_set_of_rules_for_the_object_and_the_unit(kwargs, message):
    with pytest.raises(InputError, match=message):
        PersistenceParams(**kwargs)
    with pytest.raises(InputError, match=message):
        compute_persistence(np.random.default_rng(0).normal(size=(10, 2)), **kwargs)


def test_spec_topology_section_builds_the_same_object():
    spec = validate_spec({"data": {"name": "digits"}, "model": {"type": "mlp"},
                          "topology": {"homology_dimensions": [0, 1, 2], "backend": "ripser",
                                       "n_landmarks": 150, "classes": "true"}})
    params = topology_params(spec)
    assert params == TopologyParams(homology_dimensions=(0, 1, 2), backend="ripser",
                                    n_landmarks=150)
    off = validate_spec({"data": {"name": "digits"}, "model": {"type": "mlp"},
                         "topology": {"denser_look": False}})
    assert topology_params(off) == TopologyParams(denser_look=False) and params.denser_look


def test_shared_checks():
    assert check_int(np.int64(3), "k", 1) == 3
    assert int_problem(True, 0) == "must be an integer >= 0, got True"
    assert int_problem(2.0, 0) and int_problem(2.0, 0, integral_floats=True) is None
    with pytest.raises(InputError, match="--maxdim must be an integer between 0 and 3, got 4"):
        check_int(4, "--maxdim", 0, 3)
    assert check_homology_dimensions([2, 0, 2]) == (0, 2)
    assert dims_problem([0, 0]) == "lists a dimension twice: [0, 0]"
    assert dims_problem([0, 4], 3) == "must be between 0 and 3, got [0, 4]"
    assert dims_problem("01") is not None and dims_problem(np.array([0, 1])) is None


def test_registry_and_its_live_view():
    registry: Registry[int] = Registry("thing")
    view = registry.view(lambda e: e > 0)
    registry.register("a", 1)
    assert view == ("a",) and "a" in view and repr(view) == "('a',)"
    registry.register("b", 2)
    registry.register("z", 0)
    assert list(view) == ["a", "b"] and len(view) == 2 and view[1] == "b"
    with pytest.raises(InputError, match=r"thing must be one of \('a', 'b', 'z'\), got 'c'"):
        registry.get("c")
    with pytest.raises(InputError, match="did you mean 'a'"):
        registry.get("aa", where=lambda e: e > 0)

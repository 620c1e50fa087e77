"""Jacobian rank and linear regions against hand-computed answers."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from tda_nn.errors import InputError
from tda_nn.features.jacobian_rank import (
    jacobian_ranks,
    jacobian_singular_values,
    local_dimension,
    rank_from_singular_values,
)
from tda_nn.features.linear_regions import activation_patterns, region_counts, segment_pairs
from tda_nn.training.models import make_mlp


def _net(**modules: nn.Module) -> nn.Sequential:
    return nn.Sequential(OrderedDict(modules))


def _set(linear: nn.Linear, weight, bias=None) -> nn.Linear:
    with torch.no_grad():
        linear.weight[:] = torch.as_tensor(weight, dtype=torch.float32)
        linear.bias[:] = 0 if bias is None else torch.as_tensor(bias, dtype=torch.float32)
    return linear


PERMUTATION = [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


# -- Jacobian rank ---------------------------------------------------------------------------------
def test_linear_map_of_known_rank():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 2)) @ rng.normal(size=(2, 5))         # rank 2, 6 x 5
    net = _net(fc=_set(nn.Linear(5, 6), w), full=_set(nn.Linear(6, 6), np.eye(6)))
    X = rng.normal(size=(30, 5))
    ranks = jacobian_ranks(net, X, ["fc", "full"])
    assert (ranks["fc"] == 2).all() and (ranks["full"] == 2).all()
    s = jacobian_singular_values(net, X, ["fc"])["fc"]
    assert s.shape == (30, 5)
    assert s[0] == pytest.approx(np.linalg.svd(w, compute_uv=False), abs=1e-4)


def test_identity_and_permutation_layers_keep_full_rank_relu_counts_active_units():
    perm = _set(nn.Linear(3, 3), PERMUTATION)
    net = _net(ident=_set(nn.Linear(3, 3), np.eye(3)), perm=perm, act=nn.ReLU())
    X = np.array([[1.0, 2.0, 3.0], [-1.0, 2.0, 3.0], [-1.0, -2.0, 3.0], [-1.0, -2.0, -3.0]])
    ranks = jacobian_ranks(net, X, ["ident", "perm", "act"])
    assert ranks["ident"].tolist() == [3, 3, 3, 3] and ranks["perm"].tolist() == [3, 3, 3, 3]
    assert ranks["act"].tolist() == [3, 2, 1, 0]                 # positive coordinates
    assert local_dimension(net, X, ["act"]) == {"act": 1.5}


def test_rank_tolerance_is_relative_to_the_largest():
    s = np.array([[10.0, 1.0, 0.001], [0.0, 0.0, 0.0], [1.0, 0.5, 0.2]])
    assert rank_from_singular_values(s, 1e-3).tolist() == [2, 0, 3]
    assert rank_from_singular_values(s, 0.3).tolist() == [1, 0, 2]
    with pytest.raises(InputError):
        rank_from_singular_values(s, 1.0)


def test_jacobian_rank_of_an_mlp_in_batches():
    torch.manual_seed(0)
    net = make_mlp(2, 2, 3, 15, "tanh")
    X = np.random.default_rng(1).normal(size=(25, 2))
    dims = local_dimension(net, X, batch_size=7)
    assert list(dims) == ["act1", "act2", "act3", "out"] and all(d == 2.0 for d in dims.values())
    with pytest.raises(InputError, match="input"):
        jacobian_ranks(net, X, ["input"])


# -- linear regions ----------------------------------------------------------------------------------
def _one_hidden_1d() -> nn.Sequential:
    # units relu(x - 0.5), relu(-2x - 1), relu(0.5x + 0.5): breakpoints at 0.5, -0.5, -1
    return _net(fc1=_set(nn.Linear(1, 3), [[1.0], [-2.0], [0.5]], [-0.5, -1.0, 0.5]),
                act1=nn.ReLU(), out=nn.Linear(3, 1))


@pytest.mark.parametrize("method, step", [("exact", None), ("sample", 0.01)])
def test_one_hidden_layer_1d_breakpoints_by_hand(method, step):
    starts, ends = [[-2.0], [0.0], [-0.75], [0.6]], [[2.0], [2.0], [0.75], [2.0]]
    counts = region_counts(_one_hidden_1d(), starts, ends, method=method, step=step)
    assert counts["act1"].tolist() == [3, 1, 2, 0]


def test_two_layers_counts_are_cumulative():
    # act1: relu(x), relu(-x) (break at 0); act2: relu(|x| - 1) (breaks at -1 and 1)
    net = _net(fc1=_set(nn.Linear(1, 2), [[1.0], [-1.0]]), act1=nn.ReLU(),
               fc2=_set(nn.Linear(2, 1), [[1.0, 1.0]], [-1.0]), act2=nn.ReLU())
    for kwargs in ({}, {"method": "sample", "step": 0.003}):
        counts = region_counts(net, [[-2.0]], [[2.1]], **kwargs)
        assert counts["act1"].tolist() == [1] and counts["act2"].tolist() == [3]
    # act2 alone: the walk still follows act1's kink at 0, which bends act2's pre-activation
    for kwargs in ({}, {"method": "sample", "step": 0.003}):
        assert region_counts(net, [[-2.0]], [[2.1]], ["act2"], **kwargs)["act2"].tolist() == [2]


def test_permutation_layer_regions_are_sign_changes():
    a, b = np.array([[-1.0, 2.0, -3.0]]), np.array([[1.0, 1.0, 1.0]])   # coords 0, 2 change sign
    ident = _net(fc=_set(nn.Linear(3, 3), np.eye(3)), act=nn.ReLU())
    perm = _net(fc=_set(nn.Linear(3, 3), PERMUTATION), act=nn.ReLU())
    assert region_counts(ident, a, b)["act"].tolist() == [2]
    assert region_counts(perm, a, b)["act"].tolist() == [2]
    pattern = activation_patterns(perm, a)["act"]
    assert pattern.tolist() == [[False, False, True]]        # P x = (x3, x1, x2)


def test_exact_walk_matches_dense_sampling_on_a_random_relu_net():
    torch.manual_seed(3)
    net = make_mlp(2, 2, 3, 10, "leaky_relu")
    X = np.random.default_rng(3).normal(size=(50, 2)) * 3
    a, b = segment_pairs(X, 5, seed=1)
    exact = region_counts(net, a, b)
    dense = region_counts(net, a, b, method="sample", step=2e-4)
    for name in exact:
        assert (exact[name] == dense[name]).all(), name
    assert (np.diff(np.stack(list(exact.values())), axis=0) >= 0).all()   # cumulative in depth


def test_region_count_arguments():
    tanh = make_mlp(2, 2, 1, 4, "tanh")
    with pytest.raises(InputError, match="ReLU"):
        region_counts(tanh, [[0.0, 0.0]], [[1.0, 1.0]])
    with pytest.raises(InputError, match="piecewise-linear"):
        region_counts(tanh, [[0.0, 0.0]], [[1.0, 1.0]], ["act1"])
    relu = make_mlp(2, 2, 1, 4)
    with pytest.raises(InputError, match="ReLU/LeakyReLU modules only"):
        region_counts(relu, [[0.0, 0.0]], [[1.0, 1.0]], ["fc1"])
    with pytest.raises(InputError, match="positive step"):
        region_counts(relu, [[0.0, 0.0]], [[1.0, 1.0]], method="sample")
    with pytest.raises(InputError, match="differ in shape"):
        region_counts(relu, [[0.0, 0.0]], [[1.0, 1.0], [2.0, 2.0]])


def test_exact_walk_with_inplace_relu_and_without_max_pooling():
    net = _one_hidden_1d()
    net.act1.inplace = True
    assert region_counts(net, [[-2.0]], [[2.0]])["act1"].tolist() == [3]
    pooled = _net(fc=nn.Linear(4, 4), act=nn.ReLU(), pool=nn.MaxPool1d(2))
    with pytest.raises(InputError, match="MaxPool1d"):
        region_counts(pooled, [[0.0] * 4], [[1.0] * 4])


def test_segment_pairs_join_distinct_points_of_the_cloud():
    X = np.arange(10.0).reshape(5, 2)
    a, b = segment_pairs(X, 40, seed=2)
    assert a.shape == b.shape == (40, 2)
    assert not (a == b).all(axis=1).any()
    rows = {tuple(r) for r in X}
    assert all(tuple(r) in rows for r in np.concatenate([a, b]))
    with pytest.raises(InputError):
        segment_pairs(X[:1], 3)

"""Every bad hyper-parameter raises in ``fit``, one line naming the parameter (one mechanism)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from tda_nn._sklearn import ParameterError
from tda_nn.errors import InputError
from tda_nn.features import (
    Amplitude,
    BettiCurve,
    BettiNumbers,
    IntrinsicDimension,
    NumberOfBars,
    PersistenceEntropy,
    TotalPersistence,
)
from tda_nn.homology import VietorisRipsPersistence

CLOUDS = [np.random.default_rng(i).normal(size=(30, 3)) for i in range(2)]
DIAGRAMS = np.array([[[0.0, 1.0, 0], [0.2, 0.9, 1]], [[0.0, 0.5, 0], [0.3, 0.4, 1]]])

BAD = [
    (VietorisRipsPersistence, "homology_dimensions", (-1,)),
    (VietorisRipsPersistence, "homology_dimensions", (0, 0)),
    (VietorisRipsPersistence, "homology_dimensions", "01"),
    (VietorisRipsPersistence, "metric", "minkowski"),
    (VietorisRipsPersistence, "metric_params", {"p": 3}),
    (VietorisRipsPersistence, "metric_params", [1]),
    (VietorisRipsPersistence, "max_edge_length", 0.0),
    (VietorisRipsPersistence, "max_edge_length", "big"),
    (VietorisRipsPersistence, "subsample", "kmeans"),
    (VietorisRipsPersistence, "n_landmarks", 0),
    (VietorisRipsPersistence, "n_landmarks", 2.5),
    (VietorisRipsPersistence, "coeff", 4),
    (VietorisRipsPersistence, "coeff", 1),
    (VietorisRipsPersistence, "backend", "dionysus"),
    (VietorisRipsPersistence, "reduced_homology", "yes"),
    (VietorisRipsPersistence, "collapse_edges", "sometimes"),
    (VietorisRipsPersistence, "n_threads", 0),
    (VietorisRipsPersistence, "n_jobs", 1.5),
    (VietorisRipsPersistence, "random_state", -1),
    (VietorisRipsPersistence, "infinity_values", "inf"),
    (BettiNumbers, "method", "vote"),
    (BettiNumbers, "scale", "0.3"),
    (BettiNumbers, "birth_window", -1),
    (BettiNumbers, "persistence_factors", (-1.0,)),
    (BettiNumbers, "persistence_factors", ()),
    (BettiNumbers, "jump", 0.5),
    (BettiNumbers, "resolution", 0.0),
    (BettiNumbers, "distance_power", 0),
    (BettiNumbers, "alpha", 1.5),
    (BettiNumbers, "correction", "sidak"),
    (BettiNumbers, "n_jobs", "two"),
    (PersistenceEntropy, "normalize", "bogus"),
    (PersistenceEntropy, "nan_fill_value", "x"),
    (PersistenceEntropy, "homology_dimensions", (-2,)),
    (PersistenceEntropy, "n_jobs", 0.5),
    (TotalPersistence, "p", 0),
    (NumberOfBars, "min_lifetime", -0.1),
    (Amplitude, "metric", "heat"),
    (Amplitude, "metric_params", {"p": 2}),
    (Amplitude, "metric_params", {"n_bins": 0}),
    (Amplitude, "order", -1),
    (BettiCurve, "n_bins", 0),
    (BettiCurve, "n_bins", 10.0),
    (IntrinsicDimension, "method", "mle"),
    (IntrinsicDimension, "discard_fraction", 1.0),
]


@pytest.mark.parametrize(
    "cls, name, value", BAD, ids=[f"{c.__name__}-{n}-{v!r}" for c, n, v in BAD]
)
def test_bad_value_raises_in_fit_naming_the_parameter(cls, name, value):
    X = DIAGRAMS if cls._input_kind == "diagrams" else CLOUDS
    est = cls(**{name: value})  # __init__ stores, never checks
    assert est.get_params()[name] is value
    with pytest.raises(ParameterError) as info:
        est.fit(X)
    message = str(info.value)
    assert "\n" not in message and name in message and type(est).__name__ in message
    # scikit-learn's error and ours: caught as either
    assert isinstance(info.value, InvalidParameterError) and isinstance(info.value, InputError)


def test_conditional_rule_and_good_values():
    with pytest.raises(ParameterError, match="'scale' parameter of BettiNumbers"):
        BettiNumbers(method="scale").fit(DIAGRAMS)
    np.testing.assert_array_equal(
        BettiNumbers(method="scale", scale=0.45).fit_transform(DIAGRAMS), [[2, 1], [2, 0]]
    )
    # giotto-tda's spellings are accepted
    VietorisRipsPersistence(metric_params={}, homology_dimensions=[0, 1], n_threads=-1).fit(CLOUDS)
    VietorisRipsPersistence(random_state=np.random.default_rng(0)).fit(CLOUDS)


def test_amplitude_metric_changed_after_fit_says_so():
    from sklearn.exceptions import NotFittedError

    est = Amplitude().fit(DIAGRAMS)
    np.testing.assert_allclose(est.transform(DIAGRAMS), [[0.5, 0.35], [0.25, 0.05]])
    est.set_params(metric="landscape")
    with pytest.raises(NotFittedError, match="call fit again"):
        est.transform(DIAGRAMS)
    assert est.fit(DIAGRAMS).transform(DIAGRAMS).shape == (2, 2)

"""``PersistenceParams``: the one object that says how a persistence diagram is computed.

It owns the defaults, the validation and the dict form of the persistence parameters that
travel through every layer: :func:`~tda_nn.homology.unit.compute_persistence` validates its
keywords through it, :class:`~tda_nn.homology.VietorisRipsPersistence` computes through it,
:class:`~tda_nn.analysis.TopologyParams` (the job's parameters: these plus the Betti rule and the
companion measures) extends it, ``tda-nn persistence`` and the pipeline spec's ``topology:``
section build it, and manifests record :meth:`PersistenceParams.as_dict` (read back with
:meth:`PersistenceParams.from_dict`). Choices read the registries of
:mod:`tda_nn.homology.backends` and :mod:`tda_nn.homology.metrics`, and
:data:`SUBSAMPLE_CHOICES`.

Why a base class in the library rather than one TopologyParams for all: the transformer and
the unit belong to the library floor, which never imports the applications (``analysis``), and
they know nothing of Betti rules or linear probes; TopologyParams keeps its name, its fields in
their order, its manifest form and its digest (runs made before stay resumable) and inherits
the rules from here.

``n_landmarks=None`` means the library default (:data:`DEFAULT_N_LANDMARKS`) and
``max_edge_length=None`` no threshold (``inf``); both are recorded as given, so that a manifest
says whether a value was chosen.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tda_nn.checks import check_homology_dimensions, check_int, is_prime
from tda_nn.errors import InputError
from tda_nn.homology.backends import get_backend
from tda_nn.homology.metrics import check_metric, metric_params_problem

__all__ = [
    "DEFAULT_N_LANDMARKS",
    "MAX_HOMOLOGY_DIM",
    "SUBSAMPLE_CHOICES",
    "PersistenceParams",
    "check_max_edge_length",
    "check_subsample",
]

#: landmarks used by ``subsample="auto"`` for clouds larger than this
DEFAULT_N_LANDMARKS = 300
#: how the points a diagram is computed from are chosen (None is "none")
SUBSAMPLE_CHOICES = ("auto", "maxmin", "random", "none")
#: highest homology dimension the CLI (``--maxdim``) and specs may ask for
MAX_HOMOLOGY_DIM = 3


def check_subsample(subsample: Any) -> str | None:
    """``subsample`` if it is one of :data:`SUBSAMPLE_CHOICES` or None, else InputError."""
    if subsample is not None and subsample not in SUBSAMPLE_CHOICES:
        raise InputError(f"subsample must be one of {SUBSAMPLE_CHOICES} or None, got {subsample!r}")
    return subsample


def check_max_edge_length(value: Any) -> float:
    """The threshold as a float ``> 0`` (``inf`` allowed; None is ``inf``), else InputError."""
    if value is None:
        return math.inf
    try:
        thresh = float(value) if not isinstance(value, bool | str) else math.nan
    except (TypeError, ValueError):
        thresh = math.nan
    if not thresh > 0:
        raise InputError(f"max_edge_length must be a number > 0 (or inf), got {value!r}")
    return thresh


def _metric_params_tuple(metric: str, metric_params: Any) -> tuple[tuple[str, Any], ...]:
    if metric_params is None:
        metric_params = {}
    if not isinstance(metric_params, Mapping):
        try:
            metric_params = dict(metric_params)
        except (TypeError, ValueError):
            raise InputError(f"metric_params must be a dict, got {metric_params!r}") from None
    problem = metric_params_problem(metric, metric_params)
    if problem:
        raise InputError(f"metric_params: {problem}")
    return tuple(sorted(metric_params.items()))


@dataclass(frozen=True)
class PersistenceParams:
    """How the Vietoris–Rips diagram of a cloud is computed (validated when built).

    Parameters
    ----------
    homology_dimensions : tuple of int, default (0, 1)
        Stored sorted and without repeats.
    metric : str, default "euclidean"
        A registered metric (:data:`tda_nn.homology.metrics.METRICS`).
    metric_params : tuple of (str, value) pairs, default ()
        A dict is accepted and stored as sorted pairs (hashable); ``(("n_neighbors", k),)``
        for ``"knn_geodesic"``.
    subsample : {"auto", "maxmin", "random", "none"} or None, default "auto"
    n_landmarks : int or None, default None
        None: :data:`DEFAULT_N_LANDMARKS`.
    max_edge_length : float or None, default None
        None: no threshold.
    backend : str, default "giotto-ph"
        A registered backend (:data:`tda_nn.homology.backends.BACKENDS`).
    coeff : int, default 2
        Prime ``p`` of the coefficient field Z/pZ.
    """

    homology_dimensions: tuple[int, ...] = (0, 1)
    metric: str = "euclidean"
    metric_params: tuple[tuple[str, Any], ...] = ()
    subsample: str | None = "auto"
    n_landmarks: int | None = None
    max_edge_length: float | None = None
    backend: str = "giotto-ph"
    coeff: int = 2

    def __post_init__(self) -> None:
        check_metric(self.metric)
        get_backend(self.backend)
        check_subsample(self.subsample)
        check_max_edge_length(self.max_edge_length)
        if not is_prime(self.coeff, integral_floats=True):
            raise InputError(f"coeff must be a prime number, got {self.coeff!r}")
        n_landmarks = self.n_landmarks
        if n_landmarks is not None:
            n_landmarks = check_int(n_landmarks, "n_landmarks", 1, integral_floats=True)
        normal = {
            "homology_dimensions": check_homology_dimensions(self.homology_dimensions),
            "metric_params": _metric_params_tuple(self.metric, self.metric_params),
            "n_landmarks": n_landmarks,
            "coeff": int(self.coeff),
        }
        for name, value in normal.items():
            object.__setattr__(self, name, value)

    @property
    def threshold(self) -> float:
        """``max_edge_length`` as a float (``inf`` without a threshold)."""
        return check_max_edge_length(self.max_edge_length)

    def persistence_kwargs(self, random_state: Any = None) -> dict[str, Any]:
        """Keyword arguments of :func:`~tda_nn.homology.compute_persistence` for these values.

        Parameters
        ----------
        random_state : int, Generator or None
            Seeds the subsample; None: deterministic (see ``compute_persistence``).
        """
        return dict(
            homology_dimensions=self.homology_dimensions,
            metric=self.metric,
            metric_params=dict(self.metric_params) or None,
            max_edge_length=self.threshold,
            subsample=self.subsample,
            n_landmarks=DEFAULT_N_LANDMARKS if self.n_landmarks is None else self.n_landmarks,
            backend=self.backend,
            coeff=self.coeff,
            random_state=random_state,
        )

    def as_dict(self) -> dict[str, Any]:
        """The manifest / spec form: plain JSON values (lists and dicts), every field."""
        out = dataclasses.asdict(self)
        out["homology_dimensions"] = list(self.homology_dimensions)
        out["metric_params"] = dict(self.metric_params)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]):  # noqa: ANN206 - returns cls
        """Build from a manifest or spec mapping; keys that are not fields are ignored.

        Missing fields take their defaults, so a spec's ``topology:`` section (which has
        other keys, such as ``classes``) gives the parameters it sets.

        Parameters
        ----------
        values : mapping of str to value
            Field names to values (as :meth:`as_dict` writes them).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in values.items() if k in names}
        if "homology_dimensions" in kwargs:
            kwargs["homology_dimensions"] = tuple(kwargs["homology_dimensions"])
        return cls(**kwargs)

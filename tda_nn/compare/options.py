"""The parameters of a comparison: :class:`CompareOptions` and the persistence keywords."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tda_nn.analysis.units import TopologyParams
from tda_nn.errors import InputError

__all__ = [
    "ALIGN_CHOICES",
    "DIAGRAM_METRICS",
    "NORMALIZE_CHOICES",
    "NULL_CHOICES",
    "SUBSAMPLE_CHOICES",
    "CompareOptions",
    "Log",
    "persistence_kwargs",
]

ALIGN_CHOICES = ("relative_depth", "all")
NULL_CHOICES = ("auto", "seeds", "bootstrap", "none")
NORMALIZE_CHOICES = ("none", "rms")
SUBSAMPLE_CHOICES = ("auto", "maxmin", "random", "none")
DIAGRAM_METRICS = ("wasserstein", "bottleneck", "sliced_wasserstein")

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class CompareOptions:
    """Every parameter of a comparison (see :func:`~tda_nn.compare.job.compare_job`).

    Validated on construction: a bad value raises :class:`~tda_nn.errors.InputError`.

    Parameters
    ----------
    step : int, "first" or "last"
        Training step compared for run directories and stores.
    homology_dims : tuple of int
        Homology dimensions compared.
    metrics : tuple of {"wasserstein", "bottleneck", "sliced_wasserstein"}
        Diagram distances.
    order : float
        Wasserstein order ``p``.
    ground_metric : {"linf", "l2"}
        Norm in the plane of the Wasserstein and bottleneck distances.
    cka : bool
        Add linear CKA (metric ``"1-linear_cka"``), the non-topological baseline.
    rtd : bool
        Add RTD on the aligned layer pairs.
    rtd_samples : int
        Points drawn from each pair of clouds per RTD trial.
    rtd_trials : int
        RTD draws per layer pair.
    align : {"relative_depth", "all"}
        Layer pairs the summary averages over.
    null : {"auto", "seeds", "bootstrap", "none"}
        What an architecture difference is set against: the distance between seeds of one
        architecture, between bootstrap resamples of the probe points, or nothing; ``"auto"``:
        seeds where there are two or more, else bootstrap.
    n_bootstrap : int
        Resamples per model for a bootstrap null.
    n_landmarks : int or None
        Landmarks of the diagrams computed here; None: the library default.
    subsample : {"auto", "maxmin", "random", "none"}
        As in :func:`tda_nn.homology.compute_persistence`.
    random_state : int
        Seeds landmarks and resamples.
    normalize : {"none", "rms"}
        ``"rms"`` divides every diagram by the RMS radius of its cloud, so that distances compare
        shapes rather than scales.
    """

    step: int | str = "last"
    homology_dims: tuple[int, ...] = (0, 1)
    metrics: tuple[str, ...] = ("wasserstein", "bottleneck")
    order: float = 1.0
    ground_metric: str = "linf"
    cka: bool = True
    rtd: bool = False
    rtd_samples: int = 200
    rtd_trials: int = 3
    align: str = "relative_depth"
    null: str = "auto"
    n_bootstrap: int = 5
    n_landmarks: int | None = None
    subsample: str = "auto"
    random_state: int = 0
    normalize: str = "none"

    def __post_init__(self) -> None:
        from tda_nn.compare.distances import DistanceSpec

        step = self.step
        if isinstance(step, bool) or not (
            step in ("first", "last") or (isinstance(step, int | np.integer) and step >= 0)
        ):
            raise InputError(f"step must be 'first', 'last' or a step number >= 0, got {step!r}")
        try:
            dims = tuple(sorted({int(d) for d in self.homology_dims}))
        except (TypeError, ValueError):
            dims = ()
        if not dims or dims[0] < 0:
            raise InputError(
                f"homology_dims must be non-negative integers, got {self.homology_dims!r}"
            )
        object.__setattr__(self, "homology_dims", dims)
        metrics = tuple(dict.fromkeys(str(m) for m in self.metrics))
        bad = [m for m in metrics if m not in DIAGRAM_METRICS]
        if bad:
            raise InputError(f"metrics must be among {', '.join(DIAGRAM_METRICS)}, got {bad}")
        if not metrics and not self.cka and not self.rtd:
            raise InputError("nothing to compare: no diagram metric, cka=False and rtd=False")
        object.__setattr__(self, "metrics", metrics)
        DistanceSpec("wasserstein", self.order, self.ground_metric)
        object.__setattr__(self, "order", float(self.order))
        if self.align not in ALIGN_CHOICES:
            raise InputError(f"align must be one of {', '.join(ALIGN_CHOICES)}, got {self.align!r}")
        if self.normalize not in NORMALIZE_CHOICES:
            raise InputError(
                f"normalize must be one of {', '.join(NORMALIZE_CHOICES)}, got {self.normalize!r}"
            )
        if self.subsample not in SUBSAMPLE_CHOICES:
            raise InputError(
                f"subsample must be one of {', '.join(SUBSAMPLE_CHOICES)}, got {self.subsample!r}"
            )
        if self.null not in NULL_CHOICES:
            raise InputError(f"null must be one of {', '.join(NULL_CHOICES)}, got {self.null!r}")
        for name in ("rtd_samples", "rtd_trials", "n_bootstrap"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise InputError(f"{name} must be a positive integer, got {value!r}")
        if self.rtd_samples < 3:
            raise InputError(f"rtd_samples must be >= 3, got {self.rtd_samples}")
        if self.n_landmarks is not None and (
            isinstance(self.n_landmarks, bool) or int(self.n_landmarks) < 2
        ):
            raise InputError(f"n_landmarks must be an integer >= 2, got {self.n_landmarks!r}")

    def topology_params(self) -> TopologyParams:
        """The persistence parameters of every diagram the job computes."""
        return TopologyParams(
            homology_dimensions=self.homology_dims,
            subsample=self.subsample,
            n_landmarks=self.n_landmarks,
            random_state=int(self.random_state),
            intrinsic_dimension=False,
            linear_probe=False,
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["homology_dims"] = list(self.homology_dims)
        out["metrics"] = list(self.metrics)
        return out


def persistence_kwargs(params: TopologyParams) -> dict[str, Any]:
    """Keyword arguments of :func:`tda_nn.homology.compute_persistence` for ``params``.

    The same translation as the persistence job's, so that a diagram computed here equals the
    one ``tda-nn run`` / ``tda-nn persistence`` stores for the same cloud and parameters.
    """
    kwargs: dict[str, Any] = dict(
        homology_dimensions=tuple(params.homology_dimensions),
        metric=params.metric,
        metric_params=dict(params.metric_params) or None,
        max_edge_length=math.inf if params.max_edge_length is None else params.max_edge_length,
        backend=params.backend,
        subsample=getattr(params, "subsample", "auto"),
        coeff=params.coeff,
        random_state=params.random_state,
    )
    if params.n_landmarks is not None:
        kwargs["n_landmarks"] = params.n_landmarks
    return kwargs

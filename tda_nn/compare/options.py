"""The parameters of a comparison: :class:`CompareOptions` and the persistence keywords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tda_nn.analysis.units import TopologyParams
from tda_nn.checks import check_choice, check_homology_dimensions, check_int
from tda_nn.compare.distances import METRICS as DIAGRAM_METRICS
from tda_nn.errors import InputError
from tda_nn.homology.params import SUBSAMPLE_CHOICES

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
        dims = check_homology_dimensions(self.homology_dims, "homology_dims")
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
        check_choice(self.align, ALIGN_CHOICES, "align")
        check_choice(self.normalize, NORMALIZE_CHOICES, "normalize")
        check_choice(self.subsample, SUBSAMPLE_CHOICES, "subsample")
        check_choice(self.null, NULL_CHOICES, "null")
        for name, minimum in (("rtd_samples", 3), ("rtd_trials", 1), ("n_bootstrap", 1)):
            check_int(getattr(self, name), name, minimum)
        if self.n_landmarks is not None:
            check_int(self.n_landmarks, "n_landmarks", 2)

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
    return params.persistence_kwargs(params.random_state)

"""The three synthetic data sets of Naitzat, Zhitnikov & Lim, "Topology of Deep Neural Networks"
(JMLR 21(184), 2020), built as in the authors' public code.

:func:`d1` (2-D: nine disks against the square with nine holes), :func:`d2` (3-D: linked solid
tori) and :func:`d3` (3-D: nested spheres) each return ``(X, y, info)`` with the known Betti
numbers of each class in ``info["betti"]``. The constructions, and the D-II spacing caveat:
``docs/concepts.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tda_nn.errors import InputError

__all__ = ["NAITZAT_DATASETS", "d1", "d2", "d3"]

#: unit centres of D-II with the label of the xy-plane torus, in the authors' order
_D2_UNITS: tuple[tuple[tuple[int, int, int], int], ...] = (
    ((1, 1, 1), 0),
    ((-1, -1, 1), 1),
    ((-1, 1, -1), 0),
    ((1, -1, -1), 1),
    ((0, 0, 0), 0),
    ((-1, -1, -1), 0),
    ((1, 1, -1), 1),
    ((-1, 1, 1), 0),
    ((1, -1, 1), 1),
)

#: unit centres of D-III, in the authors' order
_D3_UNITS: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),
    (-1, -1, -1),
    (1, 1, 1),
    (-1, 1, 1),
    (-1, 1, -1),
    (-1, -1, 1),
    (1, -1, -1),
    (1, -1, 1),
    (1, 1, -1),
)


def _rng(random_state: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(random_state)
    except (TypeError, ValueError):
        raise InputError(
            f"random_state: expected an int, a numpy Generator or None, got {random_state!r}"
        ) from None


def _positive(value: Any, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a positive number, got {value!r}") from None
    if not (np.isfinite(value) and value > 0):
        raise InputError(f"{name}: expected a positive number, got {value}")
    return value


def _nonnegative(value: Any, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected a number >= 0, got {value!r}") from None
    if not (np.isfinite(value) and value >= 0):
        raise InputError(f"{name}: expected a number >= 0, got {value}")
    return value


def _per_part(n_samples: Any, n_parts: int, name: str = "n_samples") -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer):
        raise InputError(f"{name}: expected an integer, got {n_samples!r}")
    per = int(n_samples) // n_parts
    if per < 3:
        raise InputError(
            f"{name}: expected at least {3 * n_parts} ({n_parts} parts), got {n_samples}"
        )
    return per


def _max_abs_scale(X: np.ndarray) -> np.ndarray:
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    return X / scale


def _pack(
    X: np.ndarray, y: np.ndarray, info: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, dict]:
    return np.ascontiguousarray(X, dtype=np.float32), y.astype(np.int64), info


# ---------------------------------------------------------------------------------------------
# D-I
# ---------------------------------------------------------------------------------------------
def d1_centres(big_radius: float = 7.0) -> np.ndarray:
    """The nine disk centres of D-I: eight on the circle of radius ``big_radius``, then the origin."""
    angles = 2 * np.pi * np.arange(8) / 8
    ring = big_radius * np.c_[np.cos(angles), np.sin(angles)]
    return np.vstack([ring, np.zeros((1, 2))])


def d1(
    step: float = 0.19,
    *,
    radius: float = 1.3,
    margin: float = 0.5,
    big_radius: float = 7.0,
    noise: float = 0.0,
    random_state: Any = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """D-I: nine disks (label 1) inside a square with nine holes (label 0), on a 2-D grid.

    Parameters
    ----------
    step : float, default 0.19
        Grid spacing on ``[-10, 10)^2`` (106 x 106 grid points at the default).
    radius : float, default 1.3
        Disk radius.
    margin : float, default 0.5
        Width of the ring removed around each disk.
    big_radius : float, default 7.0
        Radius of the circle holding eight of the nine centres.
    noise : float, default 0.0
        Standard deviation of Gaussian jitter added to the grid (the authors' option: 0.02).
    random_state : int, Generator or None
        Seed of the jitter.

    Returns
    -------
    X : ndarray of shape (n, 2), float32
    y : ndarray of shape (n,), int64
        1 inside the disks, 0 in the holed square.
    info : dict
        ``betti`` ``{1: (9, 0, 0), 0: (1, 9, 0)}``, ``centres``, ``class_names``, ...
    """
    step = _positive(step, "step")
    radius = _positive(radius, "radius")
    margin = _nonnegative(margin, "margin")
    big_radius = _positive(big_radius, "big_radius")
    noise = _nonnegative(noise, "noise")
    if step > 2.0:
        raise InputError(f"step: {step} is too coarse to sample disks of radius {radius}")
    axis = np.arange(-10.0, 10.0, step)
    xx, yy = np.meshgrid(axis, axis)
    grid = np.c_[xx.ravel(), yy.ravel()]
    if noise > 0:
        grid = grid + _rng(random_state).normal(scale=noise, size=grid.shape)
    centres = d1_centres(big_radius)
    dist = np.sqrt(((grid[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    inside = dist < radius
    keep = inside | (dist >= radius + margin)
    X, y = grid[keep], inside[keep].astype(np.int64)
    info = {
        "name": "d1",
        "betti": {1: (9, 0, 0), 0: (1, 9, 0)},
        "class_names": {1: "a: nine disks", 0: "b: square with nine holes"},
        "centres": centres,
        "description": (
            "Naitzat et al. 2020 D-I: grid on [-10,10)^2, nine disks of radius "
            f"{radius} (label 1) and the square with nine holes of radius {radius + margin} "
            "(label 0)"
        ),
        "params": {
            "step": step,
            "radius": radius,
            "margin": margin,
            "big_radius": big_radius,
            "noise": noise,
        },
    }
    return _pack(X, y, info)


# ---------------------------------------------------------------------------------------------
# D-II
# ---------------------------------------------------------------------------------------------
def _noisy_circle(
    m: int, radius: float, plane: tuple[int, int], noise: float, rng: np.random.Generator
) -> np.ndarray:
    angles = np.linspace(0.0, 2 * np.pi, m, endpoint=False)
    pts = np.zeros((m, 3))
    pts[:, plane[0]] = radius * np.sin(angles)
    pts[:, plane[1]] = radius * np.cos(angles)
    return pts + rng.uniform(-noise, noise, size=(m, 3))


def d2(
    n_samples: int = 9000,
    *,
    ring_radii: tuple[float, float] = (2.5, 2.2),
    noise: float = 0.7,
    offset: float = 3.0,
    scale: bool = True,
    random_state: Any = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """D-II: nine pairs of linked solid tori in 3-D, one torus of each pair per class.

    Parameters
    ----------
    n_samples : int, default 9000
        Total number of points, split evenly over the 36 noisy circles (remainder dropped).
    ring_radii : (float, float), default (2.5, 2.2)
        Radii of the two noisy circles whose union forms one solid torus; the xy-plane torus is
        shifted by ``(ring_radii[1], 0, 0)`` so that the pair links.
    noise : float, default 0.7
        Half-width of the uniform noise on each coordinate (authors: ``0.5 * 1.4``).
    offset : float, default 3.0
        Corner units sit at ``(+-offset, +-offset, +-offset)``.
    scale : bool, default True
        Divide each column by its maximum absolute value (as the authors do).
    random_state : int, Generator or None
        Seeds the noise of the tori.

    Returns
    -------
    X : ndarray of shape (36 * (n_samples // 36), 3), float32
    y : ndarray of shape (n,), int64
    info : dict
        ``betti`` ``{0: (9, 9, 0), 1: (9, 9, 0)}``, ``min_gap_same_class``, ``centres`` (unit
        centres before scaling), ...
    """
    m = _per_part(n_samples, 36)
    noise = _nonnegative(noise, "noise")
    offset = _positive(offset, "offset")
    try:
        r_outer, r_inner = (_positive(r, "ring_radii") for r in ring_radii)
    except (TypeError, ValueError):
        raise InputError(f"ring_radii: expected two positive numbers, got {ring_radii!r}") from None
    rng = _rng(random_state)
    parts, labels = [], []
    for corner, flip in _D2_UNITS:
        centre = offset * np.asarray(corner, dtype=np.float64)
        shift = np.array([r_inner, 0.0, 0.0])
        flat = [_noisy_circle(m, r, (0, 1), noise, rng) + shift for r in (r_outer, r_inner)]
        upright = [_noisy_circle(m, r, (0, 2), noise, rng) for r in (r_outer, r_inner)]
        parts += [np.vstack(flat) + centre, np.vstack(upright) + centre]
        labels += [np.full(2 * m, flip), np.full(2 * m, 1 - flip)]
    X, y = np.vstack(parts), np.concatenate(labels)
    if scale:
        X = _max_abs_scale(X)
    info = {
        "name": "d2",
        "min_gap_same_class": _min_gap_same_class(X, y, 2 * m),
        "betti": {0: (9, 9, 0), 1: (9, 9, 0)},
        "class_names": {0: "nine solid tori", 1: "nine solid tori (linked with class 0)"},
        "centres": offset * np.array([c for c, _ in _D2_UNITS], dtype=np.float64),
        "description": (
            "Naitzat et al. 2020 D-II: nine pairs of linked solid tori (ring radii "
            f"{r_outer}/{r_inner}, uniform noise +-{noise}) at the origin and the cube corners"
        ),
        "params": {
            "n_samples": int(n_samples),
            "per_circle": m,
            "ring_radii": (r_outer, r_inner),
            "noise": noise,
            "offset": offset,
            "scale": bool(scale),
        },
    }
    return _pack(X, y, info)


def _min_gap_same_class(X: np.ndarray, y: np.ndarray, block: int) -> float:
    """Smallest distance between two same-class components (consecutive blocks of ``block`` rows)
    that belong to different units."""
    from scipy.spatial import cKDTree

    n_parts = X.shape[0] // block
    parts = [X[i * block : (i + 1) * block] for i in range(n_parts)]
    trees = [cKDTree(p) for p in parts]
    best = np.inf
    for a in range(n_parts):
        for b in range(a + 1, n_parts):
            same_unit = a // 2 == b // 2
            if same_unit or y[a * block] != y[b * block]:
                continue
            best = min(best, float(trees[a].query(parts[b], k=1)[0].min()))
    return best


# ---------------------------------------------------------------------------------------------
# D-III
# ---------------------------------------------------------------------------------------------
def fibonacci_sphere(m: int, radius: float = 1.0, rotation: float = 1.0) -> np.ndarray:
    """``m`` points spread over the sphere of ``radius`` by the Fibonacci (golden-angle) lattice.

    Parameters
    ----------
    m : int
        Number of points.
    radius : float
        Radius of the sphere.
    rotation : float
        Index offset of the spiral (the authors draw it at random for one sphere, 1 otherwise).

    Returns
    -------
    points : ndarray of shape (m, 3)
    """
    i = np.arange(m)
    step = 2.0 / m
    height = i * step - 1.0 + step / 2.0
    ring = np.sqrt(1.0 - height**2)
    phi = ((i + rotation) % m) * np.pi * (3.0 - np.sqrt(5.0))
    return radius * np.c_[np.cos(phi) * ring, height, np.sin(phi) * ring]


def d3(
    n_samples: int = 22500,
    *,
    inner: str = "sphere",
    offset: float = 3.0,
    scale: bool = True,
    random_state: Any = 0,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """D-III: nine thick spheres (label 0) each inside a thick sphere holding an inner object (label 1).

    Parameters
    ----------
    n_samples : int, default 22500
        Total number of points, split evenly over the 45 spheres (remainder dropped). Class b's
        two voids per unit show together in a Vietoris-Rips filtration only when the outer
        spheres are dense enough: about 500 points per sphere (the default) or more; the authors
        use 1050.
    inner : {"sphere", "ball"}, default "sphere"
        The radius-0.5 object of class b: a sphere as in the authors' code, or a filled ball.
    offset : float, default 3.0
        Corner units sit at ``(+-offset, +-offset, +-offset)``.
    scale : bool, default True
        Divide each column by its maximum absolute value (as the authors do).
    random_state : int, Generator or None
        Seed of the spiral rotation of the radius-1 spheres (and of the ball's points).

    Returns
    -------
    X : ndarray of shape (45 * (n_samples // 45), 3), float32
    y : ndarray of shape (n,), int64
    info : dict
        ``betti`` ``{0: (9, 0, 9), 1: (18, 0, 18)}`` (``(18, 0, 9)`` with ``inner="ball"``),
        ``centres`` (unit centres before scaling), ...
    """
    m = _per_part(n_samples, 45)
    if inner not in ("sphere", "ball"):
        raise InputError(f"inner: expected 'sphere' or 'ball', got {inner!r}")
    offset = _positive(offset, "offset")
    rng = _rng(random_state)
    rotation = float(rng.random() * m)
    parts, labels = [], []
    for corner in _D3_UNITS:
        centre = offset * np.asarray(corner, dtype=np.float64)
        if inner == "sphere":
            core = fibonacci_sphere(m, 0.5)
        else:
            direction = rng.normal(size=(m, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            core = 0.5 * rng.random((m, 1)) ** (1.0 / 3.0) * direction
        unit = [
            fibonacci_sphere(m, 1.0, rotation),
            fibonacci_sphere(m, 1.05),
            fibonacci_sphere(m, 2.0),
            fibonacci_sphere(m, 2.05),
            core,
        ]
        parts.append(np.vstack(unit) + centre)
        labels.append(np.repeat([0, 0, 1, 1, 1], m))
    X, y = np.vstack(parts), np.concatenate(labels)
    if scale:
        X = _max_abs_scale(X)
    b_beta2 = 18 if inner == "sphere" else 9
    info = {
        "name": "d3",
        "betti": {0: (9, 0, 9), 1: (18, 0, b_beta2)},
        "class_names": {
            0: "a: nine spheres (radii 1 and 1.05)",
            1: f"b: nine spheres (radii 2 and 2.05) each around an inner {inner} of radius 0.5",
        },
        "centres": offset * np.array(_D3_UNITS, dtype=np.float64),
        "description": (
            "Naitzat et al. 2020 D-III: nine units at the origin and the cube corners; class a "
            "(label 0) Fibonacci spheres of radii 1/1.05, class b (label 1) spheres of radii "
            f"2/2.05 with an inner {inner} of radius 0.5"
        ),
        "params": {
            "n_samples": int(n_samples),
            "per_sphere": m,
            "inner": inner,
            "offset": offset,
            "scale": bool(scale),
        },
    }
    return _pack(X, y, info)


#: name -> generator
NAITZAT_DATASETS = {"d1": d1, "d2": d2, "d3": d3}

"""Point clouds sampled from shapes whose Betti numbers are known.

``SHAPES`` maps a name to ``(generator, betti)``; every generator returns a
``(n_points, native_dim)`` float64 cloud sampled uniformly with respect to length or area, with
optional Gaussian noise, and :func:`embed` places it in a higher ambient dimension by a random
orthogonal map (distances, and so diagrams, unchanged). Unit sizes and why:
``docs/concepts.md`` (Shapes with known Betti numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tda_nn.checks import check_int
from tda_nn.errors import InputError

__all__ = [
    "SHAPES",
    "circle",
    "disjoint_union",
    "embed",
    "figure_eight",
    "linked_rings",
    "sphere",
    "sphere_and_circle",
    "torus",
    "two_circles",
    "two_spheres",
    "wedge_of_circles",
]

Generator = Callable[..., np.ndarray]


def _rng(random_state: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _check_n(n: int, minimum: int = 1) -> int:
    return check_int(n, "n", minimum, integral_floats=True)


def _add_noise(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise < 0 or not np.isfinite(noise):
        raise InputError(f"noise must be a finite number >= 0, got {noise!r}")
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X


def _split(n: int, weights: list[float]) -> list[int]:
    """Split ``n`` points between pieces proportionally to ``weights`` (length or area)."""
    w = np.asarray(weights, dtype=float)
    counts = np.floor(n * w / w.sum()).astype(int)
    counts[: n - counts.sum()] += 1
    return [int(c) for c in counts]


def circle(
    n: int,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Sample ``n`` points uniformly from a circle in the plane; Betti numbers (1, 1, 0).

    Parameters
    ----------
    n : int
        Number of points.
    radius : float
        Radius of the circle(s) or sphere.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 2)
    """
    n = _check_n(n)
    rng = _rng(random_state)
    t = rng.uniform(0.0, 2 * np.pi, n)
    X = radius * np.column_stack([np.cos(t), np.sin(t)])
    return _add_noise(X, noise, rng)


def sphere(
    n: int,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Sample ``n`` points uniformly from the 2-sphere in R^3; Betti numbers (1, 0, 1).

    Parameters
    ----------
    n : int
        Number of points.
    radius : float
        Radius of the circle(s) or sphere.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 3)
    """
    n = _check_n(n)
    rng = _rng(random_state)
    X = rng.normal(size=(n, 3))
    X *= radius / np.linalg.norm(X, axis=1, keepdims=True)
    return _add_noise(X, noise, rng)


def torus(
    n: int,
    R: float = 2.0,
    r: float = 1.0,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Sample ``n`` points uniformly (by area) from a torus of revolution; Betti numbers (1, 2, 1).

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.
    R, r : float
        Distance from the centre of the tube to the centre of the torus, and tube radius
        (``R > r > 0``). The default aspect ratio ``r / R = 0.5`` is one at which the 2-dimensional
        void is recovered from a few hundred landmarks; see docs/concepts.md.

    Returns
    -------
    X : ndarray of shape (n, 3)
    """
    n = _check_n(n)
    if not R > r > 0:
        raise InputError(f"torus needs R > r > 0, got R={R!r}, r={r!r}")
    rng = _rng(random_state)
    u = np.empty(0)
    while u.size < n:
        # area element is proportional to R + r cos(v): rejection sampling on v
        cand = rng.uniform(0.0, 2 * np.pi, 2 * n)
        keep = rng.uniform(0.0, R + r, 2 * n) < R + r * np.cos(cand)
        u = np.concatenate([u, cand[keep]])
    v = u[:n]
    t = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack(
        [(R + r * np.cos(v)) * np.cos(t), (R + r * np.cos(v)) * np.sin(t), r * np.sin(v)]
    )
    return _add_noise(X, noise, rng)


def _pad(X: np.ndarray, dim: int) -> np.ndarray:
    return np.hstack([X, np.zeros((X.shape[0], dim - X.shape[1]))])


def disjoint_union(*clouds: np.ndarray, gap: float = 1.0) -> np.ndarray:
    """Place clouds side by side along the first axis, ``gap`` apart; Betti numbers add up.

    Each cloud is shifted so that its bounding box starts ``gap`` after the previous one ends;
    clouds of lower dimension are padded with zeros.

    Parameters
    ----------
    *clouds : ndarray of shape (n_i, d_i)
        The clouds, in order along the first axis.
    gap : float
        Distance between consecutive bounding boxes along the first axis.

    Returns
    -------
    X : ndarray of shape (sum of n_points, max native_dim)
    """
    if not clouds:
        raise InputError("disjoint_union needs at least one cloud")
    dim = max(c.shape[1] for c in clouds)
    out, offset = [], 0.0
    for c in clouds:
        c = _pad(np.asarray(c, dtype=float), dim)
        shift = offset - c[:, 0].min()
        c = c.copy()
        c[:, 0] += shift
        out.append(c)
        offset = c[:, 0].max() + gap
    return np.vstack(out)


def two_circles(
    n: int, noise: float = 0.0, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Two disjoint unit circles with a gap of 1; Betti numbers (2, 2, 0).

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 2)
    """
    n = _check_n(n, 2)
    rng = _rng(random_state)
    a, b = _split(n, [1, 1])
    return disjoint_union(circle(a, noise=noise, random_state=rng),
                          circle(b, noise=noise, random_state=rng))


def two_spheres(
    n: int, noise: float = 0.0, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Two disjoint unit spheres with a gap of 1; Betti numbers (2, 0, 2).

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 3)
    """
    n = _check_n(n, 2)
    rng = _rng(random_state)
    a, b = _split(n, [1, 1])
    return disjoint_union(sphere(a, noise=noise, random_state=rng),
                          sphere(b, noise=noise, random_state=rng))


def wedge_of_circles(
    n: int,
    k: int = 2,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """``k`` circles through one common point (a bouquet); Betti numbers (1, k, 0).

    In ``d = max(k, 3)`` dimensions, circle ``i`` has centre ``radius * e_i`` and lies in the
    plane spanned by ``e_i`` and ``e_(i+1 mod d)``: all circles pass through the origin, cross
    there transversally and meet nowhere else.

    Parameters
    ----------
    n : int
        Number of points.
    k : int
        Number of circles.
    radius : float
        Radius of the circle(s) or sphere.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, max(k, 3))
    """
    check_int(k, "k", 1, integral_floats=True)
    n = _check_n(n, k)
    rng = _rng(random_state)
    d = max(int(k), 3)
    parts = []
    for i, m in enumerate(_split(n, [1.0] * k)):
        t = rng.uniform(0.0, 2 * np.pi, m)
        P = np.zeros((m, d))
        P[:, i] = radius * (1 + np.cos(t))
        P[:, (i + 1) % d] = radius * np.sin(t)
        parts.append(P)
    return _add_noise(np.vstack(parts), noise, rng)


def figure_eight(
    n: int, noise: float = 0.0, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """Two unit circles in the plane, tangent at one point (an 8); Betti numbers (1, 2, 0).

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 2)
    """
    n = _check_n(n, 2)
    rng = _rng(random_state)
    a, b = _split(n, [1, 1])
    A = circle(a, random_state=rng) + [1.0, 0.0]
    B = circle(b, random_state=rng) - [1.0, 0.0]
    return _add_noise(np.vstack([A, B]), noise, rng)


def linked_rings(
    n: int,
    radius: float = 1.0,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """A Hopf link: two circles in perpendicular planes, each through the other's centre.

    The two rings never come closer than ``radius`` to each other. Betti numbers (2, 2, 0).

    Parameters
    ----------
    n : int
        Number of points.
    radius : float
        Radius of the circle(s) or sphere.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 3)
    """
    n = _check_n(n, 2)
    rng = _rng(random_state)
    a, b = _split(n, [1, 1])
    A = _pad(circle(a, radius=radius, random_state=rng), 3)
    B = circle(b, radius=radius, random_state=rng)
    B = np.column_stack([B[:, 0] + radius, np.zeros(b), B[:, 1]])
    return _add_noise(np.vstack([A, B]), noise, rng)


def sphere_and_circle(
    n: int, noise: float = 0.0, random_state: int | np.random.Generator | None = None
) -> np.ndarray:
    """A unit sphere with a unit circle attached at one point (S^2 v S^1); Betti numbers (1, 1, 1).

    The circle lies in a plane through the sphere's centre and touches the sphere from outside.

    Parameters
    ----------
    n : int
        Number of points.
    noise : float
        Standard deviation of the Gaussian noise added to every coordinate (0: none).
    random_state : int, Generator or None
        Seed or generator of the sample; None: fresh entropy.

    Returns
    -------
    X : ndarray of shape (n, 3)
    """
    n = _check_n(n, 2)
    rng = _rng(random_state)
    a, b = _split(n, [4 * np.pi, 2 * np.pi])
    S = sphere(a, random_state=rng)
    C = _pad(circle(b, random_state=rng), 3)
    C[:, 0] += 2.0
    return _add_noise(np.vstack([S, C]), noise, rng)


def embed(
    X: np.ndarray,
    ambient_dim: int,
    noise: float = 0.0,
    random_state: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Map a cloud into ``ambient_dim`` dimensions by a random isometry (orthogonal columns).

    Parameters
    ----------
    X : ndarray of shape (n_points, native_dim)
        A cloud in its native coordinates.
    ambient_dim : int
        At least ``native_dim``.
    noise : float
        Standard deviation of isotropic Gaussian noise added in the ambient space after the map
        (0 keeps every pairwise distance of ``X``).
    random_state : int, Generator or None
        Seeds the orthogonal map (and the ambient noise).

    Returns
    -------
    Y : ndarray of shape (n_points, ambient_dim)
        ``Y = X @ Q.T`` with ``Q`` of shape ``(ambient_dim, native_dim)``, ``Q.T @ Q = I``.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise InputError(f"embed needs a 2-D cloud, got shape {X.shape}")
    if int(ambient_dim) != ambient_dim or ambient_dim < X.shape[1]:
        raise InputError(
            f"ambient_dim must be an integer >= the cloud's {X.shape[1]} columns, got {ambient_dim!r}"
        )
    rng = _rng(random_state)
    Q, _ = np.linalg.qr(rng.normal(size=(int(ambient_dim), X.shape[1])))
    return _add_noise(X @ Q.T, noise, rng)


SHAPES: dict[str, tuple[Generator, tuple[int, int, int]]] = {
    "circle": (circle, (1, 1, 0)),
    "sphere": (sphere, (1, 0, 1)),
    "torus": (torus, (1, 2, 1)),
    "two_circles": (two_circles, (2, 2, 0)),
    "two_spheres": (two_spheres, (2, 0, 2)),
    "figure_eight": (figure_eight, (1, 2, 0)),
    "wedge_of_circles": (
        lambda n, noise=0.0, random_state=None: wedge_of_circles(
            n, k=3, noise=noise, random_state=random_state
        ),
        (1, 3, 0),
    ),
    "linked_rings": (linked_rings, (2, 2, 0)),
    "sphere_and_circle": (sphere_and_circle, (1, 1, 1)),
}

"""Point clouds with known Betti numbers, for calibrating and validating Betti-number rules.

The shapes come from generators this project did not write, ``tadasets`` (``dsphere``, ``torus``,
``infty_sign``, ``swiss_roll``, ``eyeglasses``, its random ``embed``) and GUDHI's
``gudhi.datasets.generators.points`` (``sphere``, ``torus``, ``ctorus``), plus a few closed-form
embeddings written out here where neither has one (Klein bottle, RP^2, ellipses, necklaces), and
clouds built to look like real neural-network layers: outliers, near-duplicate points (dead ReLU
units), uneven density, anisotropy, two scales, 768-wide layers with independent noise in every
unit, a ReLU layer. No tda-nn code is used, so nothing the rule under test does can leak into its
test set.

``CASES`` is a list of :class:`Case`; ``case.make(seed)`` returns one cloud, an ``(n, d)`` float64
array. ``build(split)`` returns ``(case, seed, cloud)`` for every case and every seed of a split:

- ``"calibration"``: seeds ``CALIBRATION_SEEDS = (0, 1)``,
- ``"validation"``: seeds ``VALIDATION_SEEDS = (100, 101, 102)``,
- ``"holdout"``: seeds ``HOLDOUT_SEEDS = (200, 201, 202)``: a second validation split, added when
  the validation split had been looked at while the decision was still being designed, so that
  one set of clouds stays unseen until the design is frozen;
- ``"test"``: seeds ``TEST_SEEDS = (300, 301, 302)``: added when the holdout split had been scored
  and its failures studied (2026-12-03), for the next design change to be scored on clouds no
  one has looked at;
- ``"fresh"``: seeds ``FRESH_SEEDS = (400, 401, 402)``: added 2026-12-04, when the test split had
  been scored three times (once after each of three designs), so that the next design is scored
  once on clouds no design has been judged on.

The splits are disjoint by construction: every random draw of ``make(seed)`` comes from
``numpy.random.default_rng([seed, crc32(case.name)])`` (tadasets' own ``seed=`` arguments and the
NumPy global state that ``tadasets.embed`` and ``gudhi...points.torus`` read are seeded from it),
so the clouds of a case are functions of a seed, and no seed is in two splits. GUDHI's compiled
generators (``sphere``, ``ctorus``) draw from CGAL's default generator, which cannot be seeded from
Python and, with GUDHI 3.13, does not start from one state in every process either (it was once
run in a fresh interpreter after a seeded number of draws; the clouds changed from run to run).
Their clouds for every seed of the four splits were therefore drawn once (by that same
procedure) and are read from ``data/betti_suite_gudhi.npz`` (``GUDHI_CLOUDS``); a new seed
needs ``python benchmarks/betti_suite.py --make-gudhi-clouds``, which keeps every stored cloud
and draws only the missing ones.

Truths are tuples ``(beta_0, beta_1, beta_2)`` of the underlying space, with Z/2 coefficients
(tda-nn's default ``coeff=2``: the Klein bottle is ``(1, 2, 1)``, RP^2 is ``(1, 1, 1)``); ``None``
marks a dimension that is not scored. ``maxdim`` is the largest homology dimension to compute: 2
only where beta_2 is part of the truth, and then with at most 1,000 points (H2 of a full
Vietoris–Rips filtration is the expensive part). ``hard=True`` marks cases whose sampling may not
resolve the truth for any method (the reason is in ``note``); they are scored all the same.

Only NumPy, tadasets and GUDHI are imported.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import tadasets
from gudhi.datasets.generators import points as gudhi_points

__all__ = [
    "CALIBRATION_SEEDS",
    "CASES",
    "CATEGORIES",
    "VALIDATION_SEEDS",
    "HOLDOUT_SEEDS",
    "TEST_SEEDS",
    "FRESH_SEEDS",
    "SPLITS",
    "Case",
    "add_duplicates",
    "add_outliers",
    "build",
    "case_by_name",
    "klein_bottle",
    "rp2_r4",
    "rp2_veronese",
    "split_seeds",
]

CALIBRATION_SEEDS = (0, 1)
VALIDATION_SEEDS = (100, 101, 102)
HOLDOUT_SEEDS = (200, 201, 202)
TEST_SEEDS = (300, 301, 302)
FRESH_SEEDS = (400, 401, 402)
SPLITS = ("calibration", "validation", "holdout", "test", "fresh")
CATEGORIES = (
    "blob", "manifold", "ambient", "outliers", "duplicates", "density", "anisotropy",
    "two_scales", "wide_noisy",
)


@dataclass(frozen=True)
class Case:
    """One kind of cloud with known Betti numbers.

    Attributes
    ----------
    category, name : str
    truth : tuple of (int or None), length 3
        ``(beta_0, beta_1, beta_2)``; None: not scored.
    maxdim : {1, 2}
        Homology dimensions ``0..maxdim`` are computed.
    make : callable ``seed -> ndarray of shape (n, d)``, float64
    n, d : int
        The shape of every cloud of the case.
    hard : bool
        The sampling may not resolve the truth for any method (``note`` says why).
    note : str
    params : dict
        What the cloud was built with (outlier counts, jitter, ...), for the tests.
    """

    category: str
    name: str
    truth: tuple[int | None, int | None, int | None]
    maxdim: int
    make: Callable[[int], np.ndarray] = field(repr=False, compare=False)
    n: int
    d: int
    hard: bool = False
    note: str = ""
    params: dict = field(default_factory=dict, compare=False)


# ----------------------------------------------------------------------------- randomness
def _rng(name: str, seed: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def _int_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


@contextlib.contextmanager
def _numpy_global_seed(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator (read by ``tadasets.embed``, gudhi's ``torus``), then restore it."""
    state = np.random.get_state()  # noqa: NPY002 (third-party code reads the global state)
    np.random.seed(seed % 2**32)  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


_GUDHI_SNIPPET = """
import sys
import numpy as np
from gudhi.datasets.generators import points
fn, n, dim, skip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gen = getattr(points, fn)
for _ in range(skip):
    gen(64, dim)
sys.stdout.buffer.write(np.ascontiguousarray(gen(n, dim), dtype="<f8").tobytes())
"""


@lru_cache(maxsize=64)
def _gudhi_compiled(fn: str, n: int, dim: int, skip: int) -> np.ndarray:
    """``gudhi.datasets.generators.points.<fn>(n, dim)`` in a fresh process after ``skip`` draws.

    Not reproducible across processes with GUDHI 3.13 (CGAL's default generator no longer starts
    from one state), so the suite reads these clouds from :data:`GUDHI_CLOUDS` instead; this is
    how that file was made (``python benchmarks/betti_suite.py --make-gudhi-clouds``)."""
    out = subprocess.run(
        [sys.executable, "-c", _GUDHI_SNIPPET, fn, str(n), str(dim), str(skip)],
        check=True, capture_output=True,
    ).stdout
    X = np.frombuffer(out, dtype="<f8").reshape(n, -1)
    X.setflags(write=False)
    return X


#: the clouds of GUDHI's compiled generators the suite uses, drawn once and kept: the key
#: ``"<fn>-<n>-<dim>-<skip>"``, the skip drawn from the case's generator as before
GUDHI_CLOUDS = Path(__file__).resolve().parents[1] / "data" / "betti_suite_gudhi.npz"
_MAKING: dict[str, np.ndarray] | None = None  # filled by --make-gudhi-clouds


@lru_cache(maxsize=1)
def _stored_gudhi() -> dict[str, np.ndarray]:
    with np.load(GUDHI_CLOUDS) as f:
        return {k: f[k] for k in f.files}


def _gudhi(fn: str, n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """GUDHI's compiled ``sphere``/``ctorus``, reproducibly: read from :data:`GUDHI_CLOUDS`."""
    key = f"{fn}-{n}-{dim}-{1 + int(rng.integers(1009))}"
    if _MAKING is not None:
        _MAKING.setdefault(key, np.array(_gudhi_compiled(fn, n, dim, int(key.rsplit("-", 1)[1]))))
        return np.array(_MAKING[key])
    stored = _stored_gudhi()
    if key not in stored:
        raise KeyError(f"{GUDHI_CLOUDS}: no stored GUDHI cloud {key!r} (a new seed?): run "
                       "python benchmarks/betti_suite.py --make-gudhi-clouds")
    return np.array(stored[key])


def _embed(X: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
    """Isometric embedding of ``X`` into ``width`` dimensions by a random orthonormal frame."""
    Q, _ = np.linalg.qr(rng.standard_normal((width, X.shape[1])))
    return X @ Q.T


def _noise(X: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    return X + sigma * rng.standard_normal(X.shape) if sigma else X


def _circle(n: int, rng: np.random.Generator, r: float = 1.0, noise: float = 0.0) -> np.ndarray:
    return tadasets.dsphere(n, d=1, r=r, noise=noise or None, seed=_int_seed(rng))


def _sphere(n: int, rng: np.random.Generator, r: float = 1.0, noise: float = 0.0) -> np.ndarray:
    return tadasets.dsphere(n, d=2, r=r, noise=noise or None, seed=_int_seed(rng))


def _torus(n: int, rng: np.random.Generator, c: float = 2.0, a: float = 1.0,
           noise: float = 0.0) -> np.ndarray:
    return tadasets.torus(n, c=c, a=a, noise=noise or None, seed=_int_seed(rng))


def _figure_eight(n: int, rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """``tadasets.infty_sign`` (points evenly spaced in the parameter) at a random angle."""
    angle = float(rng.uniform(0, np.pi))
    return tadasets.infty_sign(n, noise=noise or None, angle=angle, seed=_int_seed(rng))


def _pad(X: np.ndarray, d: int) -> np.ndarray:
    return np.hstack([X, np.zeros((len(X), d - X.shape[1]))]) if X.shape[1] < d else X


def klein_bottle(u: np.ndarray, v: np.ndarray, R: float = 2.0, r: float = 1.0) -> np.ndarray:
    """The Klein bottle embedded in R^4 (the standard 'flat' embedding).

    ``((R + r cos v) cos u, (R + r cos v) sin u, r sin v cos(u/2), r sin v sin(u/2))``: going
    once round ``u`` flips ``(z, w)``, i.e. ``v -> -v``, the Klein bottle's gluing. Over Z/2:
    Betti numbers (1, 2, 1).
    """
    return np.column_stack([
        (R + r * np.cos(v)) * np.cos(u), (R + r * np.cos(v)) * np.sin(u),
        r * np.sin(v) * np.cos(u / 2), r * np.sin(v) * np.sin(u / 2),
    ])


def rp2_veronese(S: np.ndarray) -> np.ndarray:
    """The Veronese embedding of RP^2 in R^6: ``x -> (x1^2, x2^2, x3^2, √2 x1x2, √2 x1x3, √2 x2x3)``.

    ``x x^T`` written out (up to the √2 that makes it an isometry of the Frobenius norm), so
    ``x`` and ``-x`` meet and nothing else does. Over Z/2: Betti numbers (1, 1, 1).
    """
    x, y, z = S.T
    s = np.sqrt(2.0)
    return np.column_stack([x * x, y * y, z * z, s * x * y, s * x * z, s * y * z])


def rp2_r4(S: np.ndarray) -> np.ndarray:
    """An embedding of RP^2 in R^4: ``(x, y, z) -> (xy, xz, y^2 - z^2, 2yz)`` of points on S^2."""
    x, y, z = S.T
    return np.column_stack([x * y, x * z, y * y - z * z, 2 * y * z])


def add_outliers(X: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Replace the last ``round(fraction * n)`` rows by points uniform in the bounding box of the
    others, widened by 10 % (5 % of its side on each side)."""
    n = len(X)
    k = int(round(fraction * n))
    keep = X[: n - k]
    lo, hi = keep.min(axis=0), keep.max(axis=0)
    pad = 0.05 * (hi - lo)
    out = rng.uniform(lo - pad, hi + pad, size=(k, X.shape[1]))
    return np.vstack([keep, out])


def add_duplicates(X: np.ndarray, jitter: float, rng: np.random.Generator, low: int = 2,
                   high: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Repeat every row ``low..high`` times (uniformly), each copy moved by Gaussian jitter with
    per-coordinate sigma ``jitter / sqrt(d)`` (root-mean-square displacement ``jitter``).

    Returns the cloud and, for each of its rows, the index of the row of ``X`` it copies.
    """
    reps = rng.integers(low, high + 1, size=len(X))
    idx = np.repeat(np.arange(len(X)), reps)
    d = X.shape[1]
    return X[idx] + jitter / np.sqrt(d) * rng.standard_normal((len(idx), d)), idx


def _unit_ball(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    g = rng.standard_normal((n, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * rng.random((n, 1)) ** (1.0 / d)


def _ellipse(n: int, aspect: float, rng: np.random.Generator, noise: float = 0.0) -> np.ndarray:
    """Ellipse with semi-axes 1 and 1/aspect, points uniform in arc length."""
    t = np.linspace(0, 2 * np.pi, 20001)
    P = np.column_stack([np.cos(t), np.sin(t) / aspect])
    s = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(P, axis=0), axis=1))])
    ts = np.interp(rng.uniform(0, s[-1], n), s, t)
    return _noise(np.column_stack([np.cos(ts), np.sin(ts) / aspect]), noise, rng)


# ----------------------------------------------------------------------------- the cases
CASES: list[Case] = []


def _add(category: str, name: str, truth: tuple, maxdim: int, n: int, d: int,
         fn: Callable[[np.random.Generator], np.ndarray], *, hard: bool = False, note: str = "",
         **params) -> None:
    full = f"{category}/{name}"
    if any(c.name == full for c in CASES):
        raise ValueError(f"duplicate case {full}")

    def make(seed: int) -> np.ndarray:
        rng = _rng(full, seed)
        with _numpy_global_seed(_int_seed(rng)):
            X = fn(rng)
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.shape != (n, d):
            raise AssertionError(f"{full}: made {X.shape}, declared {(n, d)}")
        return X

    CASES.append(Case(category, full, tuple(truth), maxdim, make, n, d, hard, note, params))


def _blob_cases() -> None:
    c = "blob"
    for d, n in ((2, 500), (10, 1000), (64, 1000), (768, 1000), (768, 200)):
        _add(c, f"gauss-d{d}-n{n}", (1, 0, None), 1, n, d,
             lambda rng, n=n, d=d: rng.standard_normal((n, d)))
    _add(c, "gauss-d3-n300-h2", (1, 0, 0), 2, 300, 3, lambda rng: rng.standard_normal((300, 3)))
    _add(c, "ball-d3-n2000", (1, 0, None), 1, 2000, 3, lambda rng: _unit_ball(2000, 3, rng))
    _add(c, "ball-d64-n300", (1, 0, None), 1, 300, 64, lambda rng: _unit_ball(300, 64, rng))
    _add(c, "ball-d10-n1000", (1, 0, None), 1, 1000, 10, lambda rng: _unit_ball(1000, 10, rng))
    # anisotropic Gaussians: spectrum 1/k (like the top principal components of a layer)
    for d, n in ((64, 1500), (768, 600)):
        _add(c, f"aniso-gauss-d{d}-n{n}", (1, 0, None), 1, n, d,
             lambda rng, n=n, d=d: rng.standard_normal((n, d)) / np.arange(1, d + 1))
    _add(c, "aniso-gauss-d10-n400-axes10to1", (1, 0, None), 1, 400, 10,
         lambda rng: rng.standard_normal((400, 10)) * np.geomspace(10, 1, 10))
    # pure noise: uniform in a box (contractible in every dimension, the 2-D square included)
    for d, n in ((2, 300), (2, 2000), (3, 3000), (10, 1000), (768, 2000)):
        _add(c, f"noise-box-d{d}-n{n}", (1, 0, None), 1, n, d,
             lambda rng, n=n, d=d: rng.uniform(size=(n, d)))


def _manifold_cases() -> None:
    c = "manifold"
    _add(c, "tadasets-circle-n300", (1, 1, None), 1, 300, 2,
         lambda rng: _circle(300, rng, noise=0.05))
    _add(c, "tadasets-circle-n2000-noise0.1", (1, 1, None), 1, 2000, 2,
         lambda rng: _circle(2000, rng, noise=0.1))
    _add(c, "tadasets-sphere-n250", (1, 0, 1), 2, 250, 3,
         lambda rng: _sphere(250, rng, noise=0.02))
    _add(c, "tadasets-sphere-n800", (1, 0, 1), 2, 800, 3,
         lambda rng: _sphere(800, rng, noise=0.05))
    _add(c, "tadasets-3sphere-n600", (1, 0, 0), 2, 600, 4,
         lambda rng: tadasets.dsphere(600, d=3, seed=_int_seed(rng)),
         note="false-H2 control: S^3 has no H2")
    _add(c, "tadasets-torus-n1000", (1, 2, 1), 2, 1000, 3,
         lambda rng: _torus(1000, rng, noise=0.02))
    _add(c, "tadasets-torus-n2500", (1, 2, None), 1, 2500, 3,
         lambda rng: _torus(2500, rng, noise=0.05))
    _add(c, "tadasets-figure-eight-n400", (1, 2, None), 1, 400, 2,
         lambda rng: _figure_eight(400, rng, noise=0.02))
    _add(c, "tadasets-figure-eight-n1500", (1, 2, None), 1, 1500, 2,
         lambda rng: _figure_eight(1500, rng, noise=0.05))
    _add(c, "tadasets-swiss-roll-n1500", (1, 0, None), 1, 1500, 3,
         lambda rng: tadasets.swiss_roll(1500, seed=_int_seed(rng)),
         note="layers 2*pi apart, spacing ~0.8: contractible at every scale below the layer gap")
    _add(c, "tadasets-swiss-roll-n4000-noise0.2", (1, 0, None), 1, 4000, 3,
         lambda rng: tadasets.swiss_roll(4000, noise=0.2, seed=_int_seed(rng)))
    _add(c, "tadasets-eyeglasses-n1000", (1, 1, None), 1, 1000, 2,
         lambda rng: tadasets.eyeglasses(1000, noise=0.01, seed=_int_seed(rng)), hard=True,
         note="one closed curve, but the neck (width 1 = the radius) closes a second loop at scale 1")
    _add(c, "gudhi-sphere-n800", (1, 0, 1), 2, 800, 3,
         lambda rng: _noise(_gudhi("sphere", 800, 3, rng), 0.03, rng))
    _add(c, "gudhi-3sphere-n1000", (1, 0, 0), 2, 1000, 4,
         lambda rng: _gudhi("sphere", 1000, 4, rng),
         note="false-H2 control: S^3 has no H2")
    _add(c, "gudhi-torus-flat-n1000", (1, 2, 1), 2, 1000, 4,
         lambda rng: _noise(_gudhi("ctorus", 1000, 2, rng), 0.02, rng),
         note="flat torus S^1 x S^1 in R^4 (gudhi ctorus)")
    _add(c, "gudhi-torus-flat-n3000", (1, 2, None), 1, 3000, 4,
         lambda rng: gudhi_points.torus(3000, 2), note="gudhi points.torus (NumPy's global generator)")
    _add(c, "gudhi-3torus-n4000", (1, 3, None), 1, 4000, 6,
         lambda rng: gudhi_points.torus(4000, 3), hard=True,
         note="flat T^3 = (S^1)^3 in R^6, volume 248: 300 landmarks cover it at radius ~0.8, close to the circles' radius 1")
    _add(c, "gudhi-3torus-grid-n1728", (1, 3, None), 1, 1728, 6,
         lambda rng: _noise(gudhi_points.torus(1728, 3, sample="grid"), 0.01, rng), hard=True,
         note="12^3 grid on the flat T^3: 300 landmarks, covering radius near the circles' radius")

    def klein(n: int, noise: float) -> Callable[[np.random.Generator], np.ndarray]:
        return lambda rng: _noise(klein_bottle(rng.uniform(0, 2 * np.pi, n),
                                               rng.uniform(0, 2 * np.pi, n)), noise, rng)

    _add(c, "klein-r4-n300", (1, 2, 1), 2, 300, 4, klein(300, 0.0), R=2.0, r=1.0,
         hard=True, note="300 points on a surface of area ~79: spacing ~0.5 against the tube radius 1")
    _add(c, "klein-r4-n1000", (1, 2, 1), 2, 1000, 4, klein(1000, 0.01), R=2.0, r=1.0)
    _add(c, "rp2-veronese-r6-n800", (1, 1, 1), 2, 800, 6,
         lambda rng: _noise(rp2_veronese(_sphere(800, rng)), 0.01, rng))
    _add(c, "rp2-veronese-r6-n300", (1, 1, 1), 2, 300, 6,
         lambda rng: rp2_veronese(_sphere(300, rng)))
    _add(c, "rp2-r4-n1000", (1, 1, 1), 2, 1000, 4,
         lambda rng: rp2_r4(_sphere(1000, rng)), hard=True,
         note="the R^4 embedding squeezes the points near x = ±1 to the origin: very uneven scale")
    _add(c, "two-circles-far-n600", (2, 2, None), 1, 600, 2,
         lambda rng: np.vstack([_circle(300, rng, noise=0.03),
                                _circle(300, rng, noise=0.03) + [5.0, 0.0]]))
    _add(c, "circle-and-torus-n2000", (2, 3, None), 1, 2000, 3,
         lambda rng: np.vstack([_pad(_circle(500, rng, noise=0.02), 3) + [0, 0, 8.0],
                                _torus(1500, rng, noise=0.02)]))


def _ambient_cases() -> None:
    c = "ambient"
    for width in (64, 256):  # tadasets' own random rotation (a QR of a width x width matrix)
        _add(c, f"circle-w{width}-n1000", (1, 1, None), 1, 1000, width,
             lambda rng, w=width: tadasets.dsphere(1000, d=1, noise=0.05, ambient=w,
                                                   seed=_int_seed(rng)))
        _add(c, f"torus-w{width}-n2000", (1, 2, None), 1, 2000, width,
             lambda rng, w=width: tadasets.torus(2000, noise=0.05, ambient=w, seed=_int_seed(rng)))
    # 768: a random orthonormal 768 x k frame (tadasets' full 768 x 768 QR takes seconds)
    _add(c, "circle-w768-n1000", (1, 1, None), 1, 1000, 768,
         lambda rng: _embed(_circle(1000, rng, noise=0.05), 768, rng))
    _add(c, "torus-w768-n2000", (1, 2, None), 1, 2000, 768,
         lambda rng: _embed(_torus(2000, rng, noise=0.05), 768, rng))
    _add(c, "figure-eight-w256-n1000", (1, 2, None), 1, 1000, 256,
         lambda rng: _embed(_figure_eight(1000, rng, noise=0.03), 256, rng))
    _add(c, "sphere-w64-n600", (1, 0, 1), 2, 600, 64,
         lambda rng: tadasets.dsphere(600, d=2, noise=0.05, ambient=64, seed=_int_seed(rng)))


def _outlier_cases() -> None:
    c = "outliers"
    shapes = {
        "circle": ((1, 1, None), 1, 800, 2, lambda rng: _circle(800, rng, noise=0.02)),
        "two-circles": ((2, 2, None), 1, 1000, 2,
                        lambda rng: np.vstack([_circle(500, rng, noise=0.02),
                                               _circle(500, rng, noise=0.02) + [3.0, 0.0]])),
        "sphere": ((1, 0, 1), 2, 800, 3, lambda rng: _sphere(800, rng, noise=0.02)),
        "torus": ((1, 2, None), 1, 2500, 3, lambda rng: _torus(2500, rng, noise=0.02)),
    }
    for shape, (truth, maxdim, n, d, fn) in shapes.items():
        for frac in (0.01, 0.02, 0.05):
            _add(c, f"{shape}-{frac:.0%}-n{n}", truth, maxdim, n, d,
                 lambda rng, fn=fn, frac=frac: add_outliers(fn(rng), frac, rng),
                 outlier_fraction=frac, n_outliers=int(round(frac * n)))


def _duplicate_cases() -> None:
    c = "duplicates"

    def dup(base: Callable[[np.random.Generator], np.ndarray], n: int, jitter: float,
            low: int = 2, high: int = 10) -> Callable[[np.random.Generator], np.ndarray]:
        """``n`` points: one sample of ``base`` repeated ``low..high`` times with jitter, cut or
        topped up to n with more jittered copies of the *same* sample (a second call of ``base``
        would add a second shape: another rotation of a figure eight, another embedding)."""
        def make(rng: np.random.Generator) -> np.ndarray:
            B = base(rng)
            X, _ = add_duplicates(B, jitter, rng, low, high)
            while len(X) < n:
                more, _ = add_duplicates(B, jitter, rng, low, high)
                X = np.vstack([X, more])
            return X[rng.permutation(len(X))[:n]]
        return make

    for jit in (1e-6, 1e-4, 1e-3, 1e-2):
        _add(c, f"circle-small-jitter{jit:g}-n240", (1, 1, None), 1, 240, 2,
             dup(lambda rng: _circle(40, rng), 240, jit), jitter=jit, exact=True)
    for jit in (1e-6, 1e-3):
        _add(c, f"circle-large-jitter{jit:g}-n2400", (1, 1, None), 1, 2400, 2,
             dup(lambda rng: _circle(400, rng, noise=0.02), 2400, jit), jitter=jit)
    _add(c, "circle-w128-jitter1e-4-n2000", (1, 1, None), 1, 2000, 128,
         dup(lambda rng: _embed(_circle(350, rng, noise=0.02), 128, rng), 2000, 1e-4), jitter=1e-4)
    _add(c, "sphere-small-jitter1e-3-n200", (1, 0, 1), 2, 200, 3,
         dup(lambda rng: _sphere(70, rng), 200, 1e-3, 2, 4), jitter=1e-3, exact=True)
    _add(c, "sphere-large-jitter1e-4-n900", (1, 0, None), 1, 900, 3,
         dup(lambda rng: _sphere(160, rng, noise=0.02), 900, 1e-4), jitter=1e-4)
    _add(c, "figure-eight-small-jitter1e-4-n280", (1, 2, None), 1, 280, 2,
         dup(lambda rng: _figure_eight(60, rng), 280, 1e-4, 2, 6), jitter=1e-4, exact=True)
    _add(c, "figure-eight-large-jitter1e-2-n3000", (1, 2, None), 1, 3000, 2,
         dup(lambda rng: _figure_eight(500, rng, noise=0.02), 3000, 1e-2), jitter=1e-2)
    _add(c, "blob-small-d10-jitter1e-6-n300", (1, 0, None), 1, 300, 10,
         dup(lambda rng: rng.standard_normal((50, 10)), 300, 1e-6), jitter=1e-6, exact=True)
    _add(c, "blob-large-d64-jitter1e-3-n1800", (1, 0, None), 1, 1800, 64,
         dup(lambda rng: rng.standard_normal((300, 64)), 1800, 1e-3), jitter=1e-3)

    def collapse(base: Callable[[np.random.Generator], np.ndarray], at_center: bool):
        """30 % of the points, chosen at random, replaced by one point (jitter 1e-3): a point of
        the shape, or its center (all units dead: then it is a component of its own). Random
        rows, not the last ones: a figure eight's points come in curve order, and its last 30 %
        would be an arc, cut out of the shape."""
        def make(rng: np.random.Generator) -> np.ndarray:
            X = base(rng)
            k = int(round(0.3 * len(X)))
            p = np.zeros(X.shape[1]) if at_center else X[0].copy()
            rows = 1 + rng.choice(len(X) - 1, size=k, replace=False)
            X[rows] = p + 1e-3 / np.sqrt(X.shape[1]) * rng.standard_normal((k, X.shape[1]))
            return X
        return make

    _add(c, "circle-30pct-on-one-point-n1000", (1, 1, None), 1, 1000, 2,
         collapse(lambda rng: _circle(1000, rng, noise=0.02), False), collapse_fraction=0.3)
    _add(c, "circle-30pct-at-center-n1000", (2, 1, None), 1, 1000, 2,
         collapse(lambda rng: _circle(1000, rng, noise=0.02), True), collapse_fraction=0.3,
         note="the dead point (the origin) is 1 away from the circle: a second component")
    _add(c, "circle-30pct-on-one-point-n250", (1, 1, None), 1, 250, 2,
         collapse(lambda rng: _circle(250, rng, noise=0.02), False), collapse_fraction=0.3,
         exact=True)
    _add(c, "figure-eight-w64-30pct-on-one-point-n1500", (1, 2, None), 1, 1500, 64,
         collapse(lambda rng: _embed(_figure_eight(1500, rng, noise=0.02), 64, rng), False),
         collapse_fraction=0.3)


def _density_cases() -> None:
    c = "density"

    def circle_arc(n: int, ratio: float, arc: float = 0.1, on_arc: float | None = None):
        """Circle where an arc (fraction ``arc`` of it) is ``ratio`` times denser than the rest,
        or holds the fraction ``on_arc`` of the points."""
        share = on_arc if on_arc is not None else ratio * arc / (ratio * arc + 1 - arc)

        def make(rng: np.random.Generator) -> np.ndarray:
            k = int(round(share * n))
            t = np.concatenate([rng.uniform(0, 2 * np.pi * arc, k),
                                rng.uniform(2 * np.pi * arc, 2 * np.pi, n - k)])
            return _noise(np.column_stack([np.cos(t), np.sin(t)]), 0.01, rng)
        return make

    for ratio in (5, 10, 20):
        _add(c, f"circle-arc-ratio{ratio}-n1000", (1, 1, None), 1, 1000, 2,
             circle_arc(1000, ratio), density_ratio=ratio)
    _add(c, "circle-arc-ratio20-n300", (1, 1, None), 1, 300, 2, circle_arc(300, 20),
         density_ratio=20, note="93 points (spacing ~0.06) on the sparse 90 % of the circle")
    _add(c, "circle-95pct-on-5pct-n2000", (1, 1, None), 1, 2000, 2,
         circle_arc(2000, 0, arc=0.05, on_arc=0.95), density_ratio=361,
         note="100 points on 95 % of the circle: spacing ~0.06, still a dense sample of the loop")

    def sphere_cap(n: int, ratio: float, cap_height: float = 0.2):
        """Sphere where a cap (area fraction cap_height / 2) is ``ratio`` times denser."""
        a = cap_height / 2
        share = ratio * a / (ratio * a + 1 - a)

        def make(rng: np.random.Generator) -> np.ndarray:
            k = int(round(share * n))
            z = np.concatenate([rng.uniform(1 - cap_height, 1, k),
                                rng.uniform(-1, 1 - cap_height, n - k)])
            phi = rng.uniform(0, 2 * np.pi, n)
            s = np.sqrt(1 - z * z)
            return _noise(np.column_stack([s * np.cos(phi), s * np.sin(phi), z]), 0.02, rng)
        return make

    for ratio in (5, 20):
        _add(c, f"sphere-cap-ratio{ratio}-n900", (1, 0, 1), 2, 900, 3, sphere_cap(900, ratio),
             density_ratio=ratio)
    _add(c, "sphere-cap-ratio10-h1-n2000", (1, 0, None), 1, 2000, 3, sphere_cap(2000, 10),
         density_ratio=10)
    _add(c, "clusters-big-sparse-small-dense-n2050", (2, 0, None), 1, 2050, 2,
         lambda rng: np.vstack([rng.standard_normal((2000, 2)),
                                0.05 * rng.standard_normal((50, 2)) + [7.0, 0.0]]))
    _add(c, "clusters-disk-and-speck-d10-n1020", (2, 0, None), 1, 1020, 10,
         lambda rng: np.vstack([_unit_ball(1000, 10, rng),
                                0.02 * _unit_ball(20, 10, rng) + 3.0 * np.eye(10)[0]]))


def _anisotropy_cases() -> None:
    c = "anisotropy"
    for aspect in (5, 10, 30):
        _add(c, f"ellipse-{aspect}to1-n1000", (1, 1, None), 1, 1000, 2,
             lambda rng, a=aspect: _ellipse(1000, a, rng, noise=0.002), aspect=aspect)
    _add(c, "ellipse-30to1-n300", (1, 1, None), 1, 300, 2,
         lambda rng: _ellipse(300, 30, rng, noise=0.002), aspect=30)
    _add(c, "ellipse-10to1-w768-n1500", (1, 1, None), 1, 1500, 768,
         lambda rng: _embed(_ellipse(1500, 10, rng, noise=0.002), 768, rng), aspect=10)
    _add(c, "torus-R3-r1-n3000", (1, 2, None), 1, 3000, 3,
         lambda rng: _torus(3000, rng, c=3.0, a=1.0, noise=0.01),
         note="area 118, 3000 points: spacing ~0.2 of the tube radius")
    _add(c, "torus-R5-r1-n5000", (1, 2, None), 1, 5000, 3,
         lambda rng: _torus(5000, rng, c=5.0, a=1.0, noise=0.01), hard=True,
         note="300 landmarks on area 197: covering radius ~0.5 of the tube radius, the tube loop is short against it")


def _two_scale_cases() -> None:
    c = "two_scales"
    _add(c, "circles-r1-r0.1-equal-counts-n1000", (2, 2, None), 1, 1000, 2,
         lambda rng: np.vstack([_circle(500, rng, noise=0.01),
                                _circle(500, rng, r=0.1, noise=0.001) + [3.0, 0.0]]))
    _add(c, "circles-r1-r0.1-equal-density-n1100", (2, 2, None), 1, 1100, 2,
         lambda rng: np.vstack([_circle(1000, rng, noise=0.005),
                                _circle(100, rng, r=0.1, noise=0.0005) + [3.0, 0.0]]))
    _add(c, "circles-r1-r0.1-n300", (2, 2, None), 1, 300, 2,
         lambda rng: np.vstack([_circle(200, rng, noise=0.005),
                                _circle(100, rng, r=0.1, noise=0.0005) + [3.0, 0.0]]))

    def necklace(k: int, r: float, n_big: int, n_small: int):
        """A unit circle with ``k`` circles of radius ``r`` touching it from outside: a wedge of
        k + 1 circles (beta_1 = k + 1)."""
        def make(rng: np.random.Generator) -> np.ndarray:
            parts = [_circle(n_big, rng, noise=0.002)]
            for i in range(k):
                a = 2 * np.pi * i / k
                parts.append(_circle(n_small, rng, r=r, noise=0.002)
                             + (1 + r) * np.array([np.cos(a), np.sin(a)]))
            return np.vstack(parts)
        return make

    _add(c, "necklace-6x0.15-n1200", (1, 7, None), 1, 1200, 2, necklace(6, 0.15, 600, 100))
    _add(c, "necklace-8x0.1-n2000", (1, 9, None), 1, 2000, 2, necklace(8, 0.1, 1200, 100))
    _add(c, "necklace-6x0.15-n300", (1, 7, None), 1, 300, 2, necklace(6, 0.15, 120, 30),
         hard=True, note="30 points per small circle (spacing 0.03) and tangency points")
    _add(c, "circle-and-small-sphere-n600", (2, 1, 1), 2, 600, 3,
         lambda rng: np.vstack([_pad(_circle(300, rng, noise=0.005), 3),
                                _sphere(300, rng, r=0.2, noise=0.002) + [2.0, 0, 0]]))
    _add(c, "blob-and-small-circle-d10-n1100", (2, 1, None), 1, 1100, 10,
         lambda rng: np.vstack([rng.standard_normal((1000, 10)),
                                _pad(_circle(100, rng, r=0.1, noise=0.002), 10) + 8.0]))


def _wide_noisy_cases() -> None:
    c = "wide_noisy"
    # noise norm sigma * sqrt(768) = 0.55, 0.97, 1.39 against radius 1; even at 0.05 the loop's
    # H1 bar is ~12 times the next one in the diagram (checked on seed 100), so none is "hard"
    for sigma in (0.02, 0.035, 0.05):
        _add(c, f"circle-w768-sigma{sigma:g}-n1500", (1, 1, None), 1, 1500, 768,
             lambda rng, s=sigma: _noise(_embed(_circle(1500, rng), 768, rng), s, rng),
             sigma=sigma, note=f"noise norm {sigma * np.sqrt(768):.2f} against radius 1")
    _add(c, "figure-eight-w768-sigma0.02-n2000", (1, 2, None), 1, 2000, 768,
         lambda rng: _noise(_embed(_figure_eight(2000, rng), 768, rng), 0.02, rng), sigma=0.02)
    _add(c, "blob2d-w768-sigma0.035-n1500", (1, 0, None), 1, 1500, 768,
         lambda rng: _noise(_embed(rng.standard_normal((1500, 2)), 768, rng), 0.035, rng),
         sigma=0.035)
    _add(c, "circle-w768-sigma0.035-n300", (1, 1, None), 1, 300, 768,
         lambda rng: _noise(_embed(_circle(300, rng), 768, rng), 0.035, rng), sigma=0.035)

    def relu_circle(width: int, n: int, n_active: int):
        """``relu(W x + b)`` of a unit circle in R^width (random orthonormal frame), W Gaussian
        (He scale), b ~ N(0, 0.1); the first ``n_active`` units get a bias larger than
        ``max |W_i x|`` on the circle, so they are never cut. Those units are affine in ``x`` and
        (checked: rank 2 on the circle's plane) injective, so the layer is a continuous
        injection of the circle, a homeomorphism onto its image: truth (1, 1)."""
        def make(rng: np.random.Generator) -> np.ndarray:
            U, _ = np.linalg.qr(rng.standard_normal((width, 2)))
            W = rng.normal(scale=np.sqrt(2.0 / width), size=(width, width))
            b = rng.normal(scale=0.1, size=width)
            WU = W[:n_active] @ U
            if np.linalg.svd(WU, compute_uv=False)[-1] < 1e-3:
                raise AssertionError("active units not injective on the circle's plane")
            b[:n_active] = np.linalg.norm(WU, axis=1) + 0.05
            X = _circle(n, rng) @ U.T
            return np.maximum(X @ W.T + b, 0.0)
        return make

    _add(c, "relu-circle-w128-n1000", (1, 1, None), 1, 1000, 128, relu_circle(128, 1000, 4))
    _add(c, "relu-circle-w768-n2000", (1, 1, None), 1, 2000, 768, relu_circle(768, 2000, 4))


for _fn in (_blob_cases, _manifold_cases, _ambient_cases, _outlier_cases, _duplicate_cases,
            _density_cases, _anisotropy_cases, _two_scale_cases, _wide_noisy_cases):
    _fn()
del _fn


# ----------------------------------------------------------------------------- splits
def split_seeds(split: str) -> tuple[int, ...]:
    """Seeds of ``"calibration"`` (0, 1), ``"validation"`` (100-102), ``"holdout"`` (200-202),
    ``"test"`` (300-302) or ``"fresh"`` (400-402)."""
    if split == "calibration":
        return CALIBRATION_SEEDS
    if split == "validation":
        return VALIDATION_SEEDS
    if split == "holdout":
        return HOLDOUT_SEEDS
    if split == "test":
        return TEST_SEEDS
    if split == "fresh":
        return FRESH_SEEDS
    raise ValueError(f"split must be one of {', '.join(map(repr, SPLITS))}, got {split!r}")


def case_by_name(name: str) -> Case:
    for case in CASES:
        if case.name == name:
            return case
    raise KeyError(name)


def build(split: str) -> list[tuple[Case, int, np.ndarray]]:
    """Every ``(case, seed, cloud)`` of a split (about 1 GB for the validation split at most;
    iterate ``CASES`` x ``split_seeds(split)`` with ``case.make(seed)`` to hold one at a time)."""
    seeds = split_seeds(split)
    return [(case, seed, case.make(seed)) for case in CASES for seed in seeds]


def _make_gudhi_clouds() -> None:
    """Draw the GUDHI compiled-generator clouds of every split that :data:`GUDHI_CLOUDS` lacks
    and write it again; stored clouds are kept (a redraw would change splits already scored)."""
    global _MAKING
    _MAKING = dict(_stored_gudhi()) if GUDHI_CLOUDS.exists() else {}
    before = len(_MAKING)
    try:
        for split in SPLITS:
            for case in CASES:  # only the cases built with _gudhi store anything
                for seed in split_seeds(split):
                    case.make(seed)
        np.savez_compressed(GUDHI_CLOUDS, **_MAKING)
        print(f"wrote {len(_MAKING)} clouds ({len(_MAKING) - before} new) to {GUDHI_CLOUDS}")
    finally:
        _MAKING = None


if __name__ == "__main__":
    if sys.argv[1:] == ["--make-gudhi-clouds"]:
        _make_gudhi_clouds()
    else:
        print("usage: python benchmarks/betti_suite.py --make-gudhi-clouds")

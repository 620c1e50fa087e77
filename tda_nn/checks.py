"""The value checks every layer shares: integers, homology dimensions, one-of choices.

Each check comes in two forms: ``*_problem(value, ...)`` returns the problem as text (``"must
be an integer >= 2, got 1"``) or None, for validators that collect problems (the spec schema);
``check_*(value, name, ...)`` raises :class:`~tda_nn.errors.InputError` with ``"NAME problem"``
and returns the normalised value, for everything else (the CLI, the unit, option objects).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral
from typing import Any

import numpy as np

from tda_nn.errors import InputError

__all__ = [
    "check_choice",
    "check_homology_dimensions",
    "check_int",
    "dims_problem",
    "int_problem",
    "is_int",
    "is_prime",
]


def is_int(value: Any, *, integral_floats: bool = False) -> bool:
    """An integer (Python or NumPy; bools excluded); ``integral_floats``: also ``3.0``."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, Integral | np.integer):
        return True
    return integral_floats and isinstance(value, float | np.floating) and float(value).is_integer()


def is_prime(value: Any, *, integral_floats: bool = False) -> bool:
    """True for a prime integer (bools excluded; ``integral_floats``: also ``3.0``)."""
    if not is_int(value, integral_floats=integral_floats):
        return False
    n = int(value)
    return n >= 2 and all(n % p for p in range(2, math.isqrt(n) + 1))


def _bounds(minimum: int | None, maximum: int | None) -> str:
    if minimum is not None and maximum is not None:
        return f"an integer between {minimum} and {maximum}"
    if minimum is not None:
        return f"an integer >= {minimum}"
    return "an integer" if maximum is None else f"an integer <= {maximum}"


def int_problem(value: Any, minimum: int | None = None, maximum: int | None = None, *,
                integral_floats: bool = False) -> str | None:
    """What is wrong with ``value`` as an integer in ``[minimum, maximum]``, or None."""
    ok = is_int(value, integral_floats=integral_floats) and (
        (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    )
    return None if ok else f"must be {_bounds(minimum, maximum)}, got {value!r}"


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None, *,
              integral_floats: bool = False) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]``, or InputError naming ``name``."""
    problem = int_problem(value, minimum, maximum, integral_floats=integral_floats)
    if problem:
        raise InputError(f"{name} {problem}")
    return int(value)


def dims_problem(value: Any, maximum: int | None = None, *, distinct: bool = True,
                 integral_floats: bool = False) -> str | None:
    """What is wrong with ``value`` as homology dimensions, or None.

    Dimensions are a non-empty list, tuple or 1-D array of non-negative integers (``3.0`` too
    with ``integral_floats``), at most ``maximum``; ``distinct``: without repeats.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return f"must be non-negative integers, got {value!r}"
    try:
        items = list(value)
    except TypeError:
        return f"must be non-negative integers, got {value!r}"
    if not items:
        return "must list at least one dimension"
    if not all(is_int(d, integral_floats=integral_floats) and d >= 0 for d in items):
        return f"must be non-negative integers, got {value!r}"
    if maximum is not None and max(items) > maximum:
        return f"must be between 0 and {maximum}, got {value!r}"
    if distinct and len({int(d) for d in items}) != len(items):
        return f"lists a dimension twice: {value!r}"
    return None


def check_homology_dimensions(value: Any, name: str = "homology_dimensions",
                              maximum: int | None = None, *, distinct: bool = False,
                              integral_floats: bool = True) -> tuple[int, ...]:
    """Sorted unique dimensions, or InputError naming ``name`` (see :func:`dims_problem`)."""
    problem = dims_problem(value, maximum, distinct=distinct, integral_floats=integral_floats)
    if problem:
        raise InputError(f"{name} {problem}")
    return tuple(sorted({int(d) for d in value}))


def check_choice(value: Any, choices: Iterable[Any], name: str) -> Any:
    """``value`` if it is one of ``choices``, or InputError listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value

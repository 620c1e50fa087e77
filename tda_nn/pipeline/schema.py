"""A small declarative schema for YAML specs: typed fields, defaults, choices, nested sections.

Validation is complete and up front: every unknown key (with close matches) and every bad value is
reported as ``FILE: KEY.PATH: problem``, one line per problem, before anything runs.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tda_nn.errors import InputError

_MISSING = object()


@dataclass(frozen=True)
class Field:
    """One key of a section.

    ``types`` are accepted Python types (``None`` in ``types`` allows null); ``choices`` restricts
    values (a tuple, or a registry's live view of names, read at validation); ``check`` returns
    an error text or None; ``default`` fills a missing optional key (``required=True`` means no
    default).
    """

    types: tuple[Any, ...]
    default: Any = None
    required: bool = False
    choices: Sequence[Any] | None = None
    check: Callable[[Any], str | None] | None = None
    doc: str = ""


@dataclass(frozen=True)
class Section:
    """A mapping of known keys; ``open_keys`` allows free-form keys (passed through unchecked)."""

    fields: Mapping[str, Field | Section]
    open_keys: bool = False
    doc: str = ""
    required: bool = False
    nullable: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def validate(spec: Any, schema: Section, source: str) -> dict[str, Any]:
    """Return ``spec`` with defaults filled in, or raise InputError listing every problem."""
    problems: list[str] = []
    out = check_section(spec, schema, "", problems)
    raise_problems(source, problems)
    return out


def raise_problems(source: str, problems: list[str]) -> None:
    """Raise one InputError naming ``source`` and every problem, if there are any."""
    if problems:
        head = f"{source}: {len(problems)} problem(s) in the spec"
        raise InputError(head + "; " + "; ".join(problems))


def check_section(value: Any, section: Section, path: str, problems: list[str]) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        problems.append(f"{path or '<top>'}: expected a mapping, got {type(value).__name__}")
        return {}
    out: dict[str, Any] = {}
    known = list(section.fields)
    for key in value:
        if key not in section.fields and not section.open_keys:
            close = difflib.get_close_matches(str(key), known, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            allowed = "" if close else f" (allowed: {', '.join(known)})"
            problems.append(f"{_join(path, key)}: unknown key{hint}{allowed}")
        elif key not in section.fields:
            out[key] = value[key]
    for key, spec in section.fields.items():
        sub = _join(path, key)
        present = key in value
        if isinstance(spec, Section):
            if not present and spec.required:
                problems.append(f"{sub}: required section is missing")
            raw = value.get(key)
            if raw is None and spec.nullable and present:
                out[key] = None
            else:
                out[key] = check_section(raw, spec, sub, problems)
            continue
        if not present:
            if spec.required:
                problems.append(f"{sub}: required key is missing")
            out[key] = spec.default
            continue
        out[key] = _validate_field(value[key], spec, sub, problems)
    return out


def _validate_field(value: Any, spec: Field, path: str, problems: list[str]) -> Any:
    if value is None:
        if type(None) in spec.types or None in spec.types:
            return None
        problems.append(f"{path}: must not be null")
        return spec.default
    types = tuple(t for t in spec.types if t is not None and t is not type(None))
    if float in types and int not in types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) and bool not in types:
        problems.append(f"{path}: expected {_type_names(types)}, got a boolean")
        return spec.default
    if not isinstance(value, types):
        problems.append(f"{path}: expected {_type_names(types)}, got {type(value).__name__} {value!r}")
        return spec.default
    if spec.choices is not None and value not in spec.choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in spec.choices], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(
            f"{path}: unknown value {value!r}{hint}; expected one of "
            + ", ".join(repr(c) for c in spec.choices)
        )
        return spec.default
    if spec.check is not None:
        err = spec.check(value)
        if err:
            problems.append(f"{path}: {err}")
            return spec.default
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _type_names(types: tuple[Any, ...]) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true/false",
             list: "a list", dict: "a mapping"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def positive(value: Any) -> str | None:
    """Check helper: strictly positive finite number."""
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    return None if value > 0 else f"must be > 0, got {value!r}"


def non_negative(value: Any) -> str | None:
    """Check helper: finite number >= 0."""
    if not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    return None if value >= 0 else f"must be >= 0, got {value!r}"


def string_list(value: Any) -> str | None:
    """Check helper: a list of non-empty strings without repeats."""
    if not all(isinstance(v, str) and v for v in value):
        return f"must be a list of non-empty strings, got {value!r}"
    if len(set(value)) != len(value):
        return f"lists a name twice: {value!r}"
    return None


#: Python types plain data (JSON) is made of; YAML also makes dates, bytes and sets.
_PLAIN = (str, int, float, bool, type(None))


def plain_data(value: Any, path: str, problems: list[str]) -> None:
    """Report every value below ``value`` that JSON cannot hold: non-string keys, dates, binary
    data, sets, NaN or infinite numbers (a spec is recorded as JSON and hashed)."""
    where = path or "<top>"
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{_join(path, key)}: keys must be text, got {type(key).__name__}")
                continue
            plain_data(item, _join(path, key), problems)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            plain_data(item, f"{where}[{i}]", problems)
    elif isinstance(value, float) and not math.isfinite(value):
        problems.append(f"{where}: must be a finite number, got {value!r}")
    elif not isinstance(value, _PLAIN):
        problems.append(
            f"{where}: {type(value).__name__} values are not allowed (quote it to make it text)"
        )


def int_list(minimum: int = 0) -> Callable[[Any], str | None]:
    """Check helper: a list of integers >= minimum."""

    def check(value: Any) -> str | None:
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value):
            return f"must be a list of integers >= {minimum}, got {value!r}"
        return None

    return check

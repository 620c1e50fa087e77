"""Lazy exports for package ``__init__`` modules: names load their module on first access.

Keeps ``import tda_nn`` (and every sub-package) cheap: torch, scikit-learn, giotto-ph, umap and dask
are imported only when a name that needs them is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__all__, __getattr__, __dir__)`` for a package exporting ``exports``.

    ``exports`` maps a public name to the module that defines it; a loaded name is cached in the
    package ``namespace`` so later accesses are plain attribute lookups.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    names = sorted(exports)

    def __dir__() -> list[str]:
        return sorted(set(names) | {k for k in namespace if not k.startswith("_")})

    return names, __getattr__, __dir__

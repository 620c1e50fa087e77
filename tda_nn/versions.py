"""Library versions, recorded in every manifest so a result can be traced to the code that made it."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

_PACKAGES = (
    "tda-nn", "numpy", "scipy", "scikit-learn", "torch", "giotto-ph", "ripser", "persim", "gudhi",
    "giotto-tda", "umap-learn", "matplotlib", "dask", "distributed", "pandas",
)


def library_versions() -> dict[str, str]:
    """Return ``{package: version}`` for Python, the platform and every installed dependency."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out

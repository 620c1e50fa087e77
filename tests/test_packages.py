"""The package export tables (``tda_nn._lazy``): cheap to import, and every name resolves."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys

import pytest

LAZY_PACKAGES = ["tda_nn", "tda_nn.compare", "tda_nn.datasets", "tda_nn.experiments",
                 "tda_nn.extract", "tda_nn.features", "tda_nn.homology", "tda_nn.models",
                 "tda_nn.training"]
HEAVY = ("torch", "sklearn", "scipy", "umap", "dask", "distributed", "matplotlib", "gudhi", "gph",
         "pandas", "transformers")


def test_importing_the_packages_imports_no_heavy_dependency():
    code = (
        f"import sys; [__import__(p) for p in {LAZY_PACKAGES!r}];"
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_exported_name_is_its_module_s_object(package):
    pkg = importlib.import_module(package)
    for name, module in pkg._EXPORTS.items():
        expected = getattr(importlib.import_module(module), name)
        # an export named like a submodule would become that module once it is imported (the
        # import system sets the package attribute): the name would depend on import order
        assert importlib.util.find_spec(f"{package}.{name}") is None, f"{package}.{name}"
        assert getattr(pkg, name) is expected, name
        assert name in dir(pkg)
    assert set(pkg._EXPORTS) <= set(pkg.__all__)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        pkg.no_such_name  # noqa: B018


def test_datasets_exports_every_public_name_of_its_modules():
    import tda_nn.datasets as datasets

    for module in ("naitzat", "real", "shapes"):
        names = importlib.import_module(f"tda_nn.datasets.{module}").__all__
        assert set(names) <= set(datasets.__all__), module

"""The documentation cannot rot: every public parameter is documented, docs/api.md is current."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def api_docs():
    spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_docs"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_parser_reads_numpydoc_sections(api_docs):
    doc = api_docs.parse_docstring('''Summary line
    that wraps.

    Extended text.

    Parameters
    ----------
    x, y : int
        Coordinates,
        on two lines.
    flag : bool
    **kwargs
        Passed on.

    Returns
    -------
    float
        The answer.
    ''')
    assert doc.summary == "Summary line that wraps."
    assert doc.extended == "Extended text."
    assert doc.documented("Parameters") == {"x", "y", "flag", "kwargs"}
    entries = doc.entries("Parameters")
    assert entries[0].type == "int"
    assert entries[0].description == "Coordinates,\non two lines."
    assert entries[1].description == ""
    returns = doc.entries("Returns")
    assert returns[0].names == [] and returns[0].type == "float"


def test_every_public_parameter_is_documented(api_docs):
    missing = api_docs.undocumented_parameters()
    assert missing == [], "parameters without a numpydoc 'Parameters' entry:\n" + "\n".join(missing)


def test_every_cli_option_has_help(api_docs):
    missing = api_docs.undocumented_cli_options()
    assert missing == [], "CLI options without help=:\n" + "\n".join(missing)


def test_api_page_is_the_generators_output(api_docs):
    page = ROOT / "docs" / "api.md"
    assert page.read_text(encoding="utf-8") == api_docs.render(), (
        "docs/api.md is out of date: run python scripts/api_docs.py"
    )


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def test_guide_links_resolve():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    anchors = {
        page.resolve(): {_slug(h) for h in re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"),
                                                     flags=re.MULTILINE)}
        for page in pages
    }
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
            if "://" in target:
                continue
            path = (page.parent / target).resolve() if target else page.resolve()
            if not path.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
            elif anchor and path in anchors and anchor not in anchors[path]:
                broken.append(f"{page.relative_to(ROOT)} -> {target}#{anchor}")
    assert broken == []

"""Generate ``docs/api.md`` from the numpydoc docstrings of tda-nn's public API.

The public API is what ``tda_nn/__init__.py`` and each sub-package's ``__all__`` export, plus the
options of the ``tda-nn`` command (documented by argparse's ``help=``). The page is plain
Markdown, written by this script only::

    python scripts/api_docs.py           # rewrite docs/api.md
    python scripts/api_docs.py --check   # exit 1 if docs/api.md differs from the output
    python scripts/api_docs.py --undocumented   # list parameters without a "Parameters" entry

``tests/test_docs.py`` runs the last two checks, so the page cannot fall behind the code. The
docstring parser is a small subset of numpydoc's (section headers underlined with dashes,
``name : type`` entries followed by an indented description); it needs nothing beyond the
standard library.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import importlib
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
API_PAGE = ROOT / "docs" / "api.md"

# the packages whose exports are the public API, in the order of the page
PACKAGES = (
    "tda_nn",
    "tda_nn.extract",
    "tda_nn.io",
    "tda_nn.homology",
    "tda_nn.features",
    "tda_nn.compare",
    "tda_nn.datasets",
    "tda_nn.training",
    "tda_nn.analysis",
    "tda_nn.execution",
    "tda_nn.plotting",
    "tda_nn.report",
    "tda_nn.experiments",
    "tda_nn.models",
    "tda_nn.gtda.homology",
    "tda_nn.gtda.diagrams",
)

SECTION_NAMES = (
    "Parameters",
    "Returns",
    "Yields",
    "Raises",
    "Warns",
    "Attributes",
    "Methods",
    "Notes",
    "Examples",
    "See Also",
    "References",
    "Other Parameters",
)
# sections made of ``name : type`` entries
ENTRY_SECTIONS = ("Parameters", "Other Parameters", "Attributes", "Returns", "Yields", "Raises",
                  "Warns")

_ENTRY = re.compile(r"^(?P<names>\*{0,2}[A-Za-z_]\w*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)"
                    r"(?:\s+:\s*(?P<type>.*)|\s*:\s*(?P<type2>.*))?$")


# --------------------------------------------------------------------------------- docstrings
@dataclasses.dataclass
class Entry:
    """One ``name : type`` entry of a numpydoc section."""

    names: list[str]
    type: str
    description: str


@dataclasses.dataclass
class Docstring:
    """A numpydoc docstring split into its summary, extended text and sections."""

    summary: str = ""
    extended: str = ""
    sections: dict[str, str] = dataclasses.field(default_factory=dict)

    def entries(self, section: str) -> list[Entry]:
        """The ``name : type`` entries of ``section`` (empty when it is absent)."""
        return parse_entries(self.sections.get(section, ""),
                             returns=section in ("Returns", "Yields", "Raises", "Warns"))

    def documented(self, section: str = "Parameters") -> set[str]:
        """Names documented in ``section`` (leading ``*`` stripped)."""
        return {name.lstrip("*") for entry in self.entries(section) for name in entry.names}


def parse_docstring(doc: str | None) -> Docstring:
    """Split a numpydoc docstring into summary, extended description and named sections."""
    lines = inspect.cleandoc(doc or "").splitlines()
    out = Docstring()
    head: list[str] = []
    current: str | None = None
    body: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        title = line.strip()
        if (title in SECTION_NAMES and nxt.strip() and set(nxt.strip()) == {"-"}
                and not line.startswith(" ")):
            if current is None:
                head = body
            else:
                out.sections[current] = "\n".join(body).strip("\n")
            current, body = title, []
            i += 2
            continue
        body.append(line)
        i += 1
    if current is None:
        head = body
    else:
        out.sections[current] = "\n".join(body).strip("\n")
    paragraphs = "\n".join(head).strip().split("\n\n", 1)
    out.summary = " ".join(paragraphs[0].split())
    out.extended = paragraphs[1].strip() if len(paragraphs) > 1 else ""
    return out


def parse_entries(text: str, returns: bool = False) -> list[Entry]:
    """Parse ``name : type`` lines (at the section's indentation) and their indented text.

    With ``returns`` (Returns, Yields, Raises, Warns), a line without `` : `` is a type, as in
    numpydoc; elsewhere it is a name without a type.
    """
    entries: list[Entry] = []
    for line in text.splitlines():
        if not line.strip():
            if entries:
                entries[-1].description += "\n"
            continue
        if not line.startswith((" ", "\t")):
            match = _ENTRY.match(line.strip())
            if match and returns and not (match["type"] or match["type2"]):
                match = None
            if match:
                names = [n.strip() for n in match["names"].split(",")]
                kind = (match["type"] or match["type2"] or "").strip()
                entries.append(Entry(names, kind, ""))
                continue
            # an unindented line that is not an entry (a return type without a name)
            entries.append(Entry([], line.strip(), ""))
            continue
        if entries:
            entries[-1].description += line.strip() + "\n"
    for entry in entries:
        entry.description = re.sub(r"\n{2,}", "\n\n", entry.description).strip()
    return entries


# ----------------------------------------------------------------------------- the public API
@dataclasses.dataclass
class Item:
    """One public name: where it is exported, what it is and where it is defined."""

    package: str
    name: str
    obj: Any

    @property
    def qualname(self) -> str:
        return f"{self.package}.{self.name}"


def public_names(package: str) -> list[str]:
    """The names a package exports (its ``__all__``), without ``__version__``."""
    module = importlib.import_module(package)
    return [n for n in module.__all__ if not n.startswith("__")]


def public_api() -> list[Item]:
    """Every exported name of :data:`PACKAGES`, in page order."""
    items = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in public_names(package):
            value = getattr(module, name)
            items.append(Item(package, name, value))
    return items


def home(items: list[Item]) -> dict[int, Item]:
    """For each object, the item that documents it: its first export outside the root package."""
    by_id: dict[int, Item] = {}
    for item in items:
        if not _documentable(item.obj):
            continue
        key = id(item.obj)
        if key not in by_id or by_id[key].package == "tda_nn":
            by_id[key] = item
    return by_id


def _documentable(obj: Any) -> bool:
    return inspect.isclass(obj) or inspect.isroutine(obj)


def _own_init(cls: type) -> Callable | None:
    """The ``__init__`` a class defines (itself or a tda-nn base), None for builtin ones."""
    for klass in cls.__mro__:
        if "__init__" in vars(klass):
            if klass.__module__.startswith("tda_nn"):
                return vars(klass)["__init__"]
            if dataclasses.is_dataclass(cls) and klass is cls:
                return vars(klass)["__init__"]
            return None
    return None


def signature_parameters(obj: Any, method: bool = False) -> list[inspect.Parameter]:
    """The parameters a caller passes; empty if none apply.

    ``method``: ``obj`` is a function found in a class body, whose first parameter (``self`` or
    ``cls``) the caller does not pass.
    """
    if inspect.isclass(obj):
        if issubclass(obj, BaseException | enum.Enum):
            return []
        if _own_init(obj) is None and not dataclasses.is_dataclass(obj):
            return []
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    params = list(sig.parameters.values())
    return params[1:] if method and params else params


def class_docstring(cls: type) -> Docstring:
    """A class's docstring; its ``__init__``'s Parameters section when the class has none."""
    doc = parse_docstring(cls.__doc__)
    init = _own_init(cls)
    if "Parameters" not in doc.sections and init is not None and init.__doc__:
        init_doc = parse_docstring(init.__doc__)
        if "Parameters" in init_doc.sections:
            doc.sections["Parameters"] = init_doc.sections["Parameters"]
    return doc


def object_docstring(obj: Any) -> Docstring:
    return class_docstring(obj) if inspect.isclass(obj) else parse_docstring(obj.__doc__)


def undocumented_parameters() -> list[str]:
    """``"package.name: param"`` for every public parameter without a "Parameters" entry.

    Public parameters are those of the exported functions, of the exported classes'
    constructors and of the public methods those classes define. Dataclasses whose fields are described under "Attributes" count as documented there.
    """
    missing = []
    items = public_api()
    for item in home(items).values():
        doc = object_docstring(item.obj)
        documented = doc.documented("Parameters") | doc.documented("Other Parameters")
        if dataclasses.is_dataclass(item.obj):
            documented |= doc.documented("Attributes")
        for param in signature_parameters(item.obj):
            if param.name not in documented:
                missing.append(f"{item.qualname}: {param.name}")
        if inspect.isclass(item.obj):
            for name, member, bound in public_methods(item.obj):
                if isinstance(member, property):
                    continue
                documented = parse_docstring(member.__doc__).documented("Parameters")
                for param in signature_parameters(member, method=bound):
                    if param.name not in documented:
                        missing.append(f"{item.qualname}.{name}: {param.name}")
    return sorted(missing)


# ------------------------------------------------------------------------------------- the CLI
def cli_actions() -> Iterator[tuple[str, argparse.ArgumentParser, list[argparse.Action]]]:
    """``(command, parser, options)`` for ``tda-nn`` and each of its sub-commands."""
    from tda_nn.cli import build_parser

    parser = build_parser()
    top = [a for a in parser._actions if not isinstance(a, argparse._SubParsersAction)]
    yield "tda-nn", parser, top
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"tda-nn {name}", sub, list(sub._actions)


def undocumented_cli_options() -> list[str]:
    """``"command: option"`` for every CLI option or argument without a ``help=`` text."""
    missing = []
    for command, _parser, actions in cli_actions():
        for action in actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{command}: {_option_name(action)}")
    return missing


def _option_name(action: argparse.Action) -> str:
    return ", ".join(action.option_strings) if action.option_strings else (action.metavar
                                                                         or action.dest)


# ----------------------------------------------------------------------------------- rendering
def _default(value: Any) -> str:
    if inspect.isclass(value) or inspect.isroutine(value):
        module = getattr(value, "__module__", "") or ""
        return f"{module}.{value.__qualname__}" if module != "builtins" else value.__qualname__
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
    text = repr(value)
    if " at 0x" in text:
        text = f"<{type(value).__name__}>"
    return text


def render_signature(name: str, obj: Any) -> str:
    """``name(a, b=1, *, c=None)`` without annotations (the types are in the docstring)."""
    params = signature_parameters(obj)
    parts = []
    seen_kwonly = False
    for i, p in enumerate(params):
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            seen_kwonly = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not seen_kwonly:
            parts.append("*")
            seen_kwonly = True
        text = p.name if p.default is p.empty else f"{p.name}={_default(p.default)}"
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params)
                                            or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    one_line = f"{name}({', '.join(parts)})"
    if len(one_line) <= 96:
        return one_line
    return f"{name}(\n" + "".join(f"    {part},\n" for part in parts) + ")"


def _md_text(text: str) -> str:
    """reST-flavoured docstring text as Markdown: double backticks and roles become code."""
    text = re.sub(r":(?:py:)?(?:func|class|mod|meth|data|attr|exc|obj):`~?([^`]+)`", r"`\1`",
                  text)
    text = text.replace("``", "`")
    return text


def _entry_lines(entries: list[Entry], section: str) -> list[str]:
    lines = []
    for entry in entries:
        if not entry.names and section not in ("Returns", "Yields", "Raises", "Warns"):
            # text between the entries of a section (a remark, not a name)
            text = " ".join(f"{entry.type}\n{entry.description}".split())
            lines += ["", _md_text(text), ""]
            continue
        names = ", ".join(f"`{n}`" for n in entry.names)
        kind = f" ({_md_text(entry.type)})" if entry.type and entry.names else ""
        if not entry.names:
            names = _md_text(entry.type)
        desc = _md_text(entry.description)
        first, *rest = desc.split("\n") if desc else [""]
        lines.append(f"- {names}{kind}" + (f": {first}" if first else ""))
        lines.extend(f"  {line}".rstrip() for line in rest)
    return lines


def public_methods(cls: type) -> list[tuple[str, Any, bool]]:
    """``(name, member, bound)`` for the public methods and properties a class defines itself.

    ``bound`` is False for static methods (their first parameter is the caller's).
    """
    out = []
    for name, member in sorted(vars(cls).items()):
        if name.startswith("_"):
            continue
        bound = not isinstance(member, staticmethod)
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if inspect.isfunction(member) or isinstance(member, property):
            out.append((name, member, bound))
    return out


def render_item(item: Item) -> list[str]:
    obj = item.obj
    kind = "class" if inspect.isclass(obj) else "function"
    doc = object_docstring(obj)
    lines = [f"### `{item.qualname}`", ""]
    defined = f"{obj.__module__}.{obj.__qualname__}"
    where = "" if defined == item.qualname else f" Defined in `{obj.__module__}`."
    lines += [f"*{kind}*.{where}", ""]
    if not (inspect.isclass(obj) and issubclass(obj, BaseException)):
        lines += ["```python", render_signature(item.name, obj), "```", ""]
    if doc.summary:
        lines += [_md_text(doc.summary), ""]
    for section in ("Parameters", "Other Parameters", "Returns", "Yields", "Raises",
                    "Attributes"):
        entries = doc.entries(section)
        if entries:
            lines += [f"**{section}**", ""] + _entry_lines(entries, section) + [""]
    if inspect.isclass(obj) and not issubclass(obj, BaseException):
        methods = public_methods(obj)
        if methods:
            lines += ["**Methods and properties**", ""]
            for name, member, _bound in methods:
                summary = parse_docstring(getattr(member, "__doc__", None)).summary
                label = f"`{name}`" if isinstance(member, property) else f"`{name}()`"
                lines.append(f"- {label}" + (f": {_md_text(summary)}" if summary else ""))
            lines.append("")
    return lines


def render_constant(item: Item) -> list[str]:
    value = item.obj
    if isinstance(value, dict):
        shown = "keys " + ", ".join(f"`{k}`" for k in sorted(map(str, value)))
    elif isinstance(value, int | float | str | bool) or (
            isinstance(value, tuple | list | frozenset) and len(repr(value)) < 200):
        shown = f"`{_default(value)}`"
    else:
        shown = f"a `{type(value).__name__}`"
    return [f"- `{item.qualname}` ({type(value).__name__}): {shown}"]


def render_cli() -> list[str]:
    lines = ["## The `tda-nn` command", "",
             "Every option of every sub-command, from the argparse parser "
             "(`tda-nn COMMAND --help` prints the same).", ""]
    for command, parser, actions in cli_actions():
        lines += [f"### `{command}`", ""]
        if parser.description:
            lines += [parser.description, ""]
        lines += ["| option | default | description |", "|---|---|---|"]
        for action in actions:
            if isinstance(action, argparse._HelpAction | argparse._VersionAction):
                name = _option_name(action)
                lines.append(f"| `{name}` | | {_cell(action.help or '')} |")
                continue
            name = _option_name(action)
            if action.choices and not isinstance(action.choices, dict):
                name += " {" + ",".join(map(str, action.choices)) + "}"
            default = "" if action.default in (None, False, argparse.SUPPRESS) or not \
                action.option_strings else f"`{_default(action.default)}`"
            help_text = (action.help or "") % {**vars(action), "prog": parser.prog}
            lines.append(f"| `{name}` | {default} | {_cell(help_text)} |")
        lines.append("")
    return lines


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render() -> str:
    """The whole ``docs/api.md`` page."""
    items = public_api()
    homes = home(items)
    lines = [
        "# API reference",
        "",
        "<!-- Generated by `python scripts/api_docs.py` from the docstrings; do not edit. "
        "tests/test_docs.py fails when this page is out of date. -->",
        "",
        "The public API: what `tda_nn` and each sub-package export (their `__all__`), then the "
        "options of the `tda-nn` command. The guide is in [index.md](index.md).",
        "",
    ]
    lines += ["Packages: " + ", ".join(f"[`{p}`](#{p.replace('.', '')})" for p in PACKAGES)
              + ", [the command](#the-tda-nn-command).", ""]
    for package in PACKAGES:
        module = importlib.import_module(package)
        lines += [f"## {package}", ""]
        summary = parse_docstring(module.__doc__).summary
        if summary:
            lines += [_md_text(summary), ""]
        pkg_items = [i for i in items if i.package == package]
        constants = [i for i in pkg_items if not _documentable(i.obj)]
        elsewhere = [i for i in pkg_items
                     if _documentable(i.obj) and homes[id(i.obj)] is not i]
        if constants:
            lines += ["Constants:", ""]
            for item in constants:
                lines += render_constant(item)
            lines.append("")
        if elsewhere:
            lines += ["Re-exported: " + ", ".join(
                f"`{i.name}` (see `{homes[id(i.obj)].qualname}`)" for i in elsewhere), ""]
        for item in pkg_items:
            if _documentable(item.obj) and homes[id(item.obj)] is item:
                lines += render_item(item)
    lines += render_cli()
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/api.md is not the generator's output")
    parser.add_argument("--undocumented", action="store_true",
                        help="list public parameters and CLI options without documentation")
    args = parser.parse_args(argv)
    if args.undocumented:
        missing = undocumented_parameters() + undocumented_cli_options()
        print("\n".join(missing) if missing else "every public parameter is documented")
        return 1 if missing else 0
    text = render()
    if args.check:
        current = API_PAGE.read_text(encoding="utf-8") if API_PAGE.exists() else ""
        if current != text:
            print(f"{API_PAGE.relative_to(ROOT)} is out of date: run python scripts/api_docs.py")
            return 1
        return 0
    API_PAGE.parent.mkdir(exist_ok=True)
    API_PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {API_PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())

"""Loading YAML specs safely: limits on size, depth and alias expansion; duplicate keys refused.

PyYAML's ``safe_load`` builds no Python objects from tags, but it accepts a "billion laughs"
document (aliases of aliases that expand to billions of nodes once a consumer walks them), nesting
deep enough to exhaust the stack, recursive aliases, and a key given twice (the last one silently
wins). :func:`load_yaml` refuses all of these with one line naming the file, before any value
is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from tda_nn.errors import InputError
from tda_nn.io.paths import regular_file

#: Largest spec file read, in bytes.
MAX_BYTES = 1024 * 1024
#: Deepest nesting of mappings and sequences, aliases expanded.
MAX_DEPTH = 32
#: Most nodes once every alias is expanded (a spec has a few hundred).
MAX_NODES = 100_000

_MERGE = "tag:yaml.org,2002:merge"


class _LimitError(Exception):
    """A limit of this module was exceeded (turned into an InputError naming the file)."""


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` that bounds nesting while composing and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _LimitError(f"nested deeper than {MAX_DEPTH} levels at line {mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == _MERGE:
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    duplicate = key in seen
                except TypeError:
                    continue  # unhashable: the base constructor reports it
                if duplicate:
                    raise _LimitError(
                        f"key {key!r} given twice (line {key_node.start_mark.line + 1})"
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | os.PathLike[str], what: str = "spec") -> Any:
    """Parse the YAML file at ``path`` within the limits of this module.

    Raises
    ------
    InputError
        One line naming ``path``: missing or not a regular file, too large, not UTF-8, not valid
        YAML, nested too deep, too many nodes after alias expansion, a recursive alias, or a
        duplicate key.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} not found")
    regular_file(path, what)
    with open(path, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: {what} is larger than {MAX_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: {what} is not UTF-8 text (bad byte at offset {exc.start})") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except _LimitError as exc:
        raise InputError(f"{path}: {what} refused: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise InputError(f"{path}: not valid YAML{where}" + (f" ({problem})" if problem else "")) \
            from None
    except RecursionError:
        raise InputError(f"{path}: {what} refused: nested too deep") from None
    finally:
        loader.dispose()


def _check_expansion(root: Any) -> None:
    """Refuse recursive aliases, and documents too deep or too large once aliases are expanded."""
    sizes: dict[int, tuple[int, int]] = {}
    active: set[int] = set()

    def visit(node: Any, level: int) -> tuple[int, int]:
        ident = id(node)
        count, depth = sizes.get(ident, (1, 0))
        if level + depth > MAX_DEPTH:
            raise _LimitError(f"nested deeper than {MAX_DEPTH} levels once aliases are expanded")
        if ident in sizes or isinstance(node, yaml.ScalarNode):
            return count, depth
        if ident in active:
            raise _LimitError(f"recursive alias at line {node.start_mark.line + 1}")
        active.add(ident)
        children = node.value if isinstance(node, yaml.SequenceNode) else [
            part for pair in node.value for part in pair
        ]
        for child in children:
            n, d = visit(child, level + 1)
            count += n
            depth = max(depth, d + 1)
            if count > MAX_NODES:
                raise _LimitError(
                    f"more than {MAX_NODES} values once aliases are expanded (alias bomb?)"
                )
        active.discard(ident)
        sizes[ident] = (count, depth)
        return count, depth

    visit(root, 1)

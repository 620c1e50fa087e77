"""Names that end up in file names: identifiers checked, keys escaped.

- :func:`check_identifier`: a name from a spec (a model name) that becomes a directory or file name
  must be a plain identifier, never a path.
- :func:`escape_key`: any text (a layer name, a class label) made file-safe *injectively*: letters,
  digits, ``.``, ``-`` and single ``_`` stay, everything else becomes ``%XX`` (UTF-8 bytes), so two
  different names never share a key; long names are cut and end in a hash.
"""

from __future__ import annotations

import hashlib
import re

from tda_nn.errors import InputError

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_SAFE_CHAR = re.compile(r"[A-Za-z0-9_.-]")
#: Escaped keys longer than this are cut and end in ``~`` and a hash of the full name.
MAX_KEY_PART = 80


def check_identifier(name: object, where: str) -> str:
    """``name`` if it is a plain identifier (letters, digits, ``_ . -``; at most 100 characters).

    Raises
    ------
    InputError
        One line naming ``where`` (the file and key the name came from).
    """
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or ".." in name:
        raise InputError(
            f"{where}: {name!r} is not a valid name; use letters, digits, '_', '.' and '-' "
            "(starting with a letter or digit, at most 100 characters, no '..'): names are "
            "never paths"
        )
    return name


def escape_key(text: str) -> str:
    """An injective, file-safe form of ``text`` that never contains ``__`` nor ends in ``_``.

    ``__`` separates the parts of a unit key, so escaped parts can be joined with it and still be
    told apart. Names made of letters, digits, ``.``, ``-`` and single inner ``_`` are unchanged.
    """
    out = "".join(c if _SAFE_CHAR.fullmatch(c) else _percent(c) for c in text)
    out = out.replace("__", "_%5F")
    if out.endswith("_"):
        out = out[:-1] + "%5F"
    if len(out) > MAX_KEY_PART:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        out = out[: MAX_KEY_PART - 17].rstrip("_") + "~" + digest
    return out


def _percent(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))

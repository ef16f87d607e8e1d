"""A small, fast YAML writer for the plain data compiled rules are made of.

Rule files for thousands of SLOs must be written in well under a second, which a general
YAML library does not do; this writer handles exactly dicts, lists, strings, numbers,
booleans and None.  Multi-line strings (PromQL) become literal blocks, other strings are
plain when that cannot be misread and JSON-quoted otherwise (a JSON string is a valid YAML
double-quoted scalar once the few characters YAML takes as line breaks are escaped).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_:./@()=-]*$")
# Prometheus durations (`5m`, `30d`, `1h30m`) are strings in every YAML schema.
_DURATION = re.compile(r"^(?:[0-9]+(?:ms|[smhdwy]))+$")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"})
# YAML reads these as line breaks or a byte-order mark even inside quotes.
_YAML_BREAKS = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\ufeff"}
_BLOCK_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]")


def dump(data: Any) -> str:
    """``data`` as a YAML document (no leading ``---``), ending with a newline."""
    lines: list[str] = []
    _node(data, 0, lines, top=True)
    return "\n".join(lines) + "\n"


def dump_all(documents: list[Any]) -> str:
    return "---\n".join(dump(doc) for doc in documents)


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        if (_PLAIN.fullmatch(value) and value.lower() not in _RESERVED) or _DURATION.fullmatch(
            value
        ):
            return value
        return quoted(value)
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def quoted(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in _YAML_BREAKS.items():
        out = out.replace(char, escape)
    return _NOT_PRINTABLE.sub(_escape, out)


# Characters YAML refuses in a stream, even quoted (YAML 1.2, "printable").
_NOT_PRINTABLE = re.compile("[\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def _block(text: str) -> str | None:
    """The literal-block header for ``text``, or None when a block cannot hold it."""
    if "\n" not in text.rstrip("\n") or _BLOCK_UNSAFE.search(text) or _NOT_PRINTABLE.search(text):
        return None
    if text.startswith((" ", "\t", "\n")) or text.endswith("\n\n"):
        return None
    if any(line.endswith((" ", "\t")) for line in text.split("\n")):
        return None
    return "|" if text.endswith("\n") else "|-"


def _node(value: Any, indent: int, lines: list[str], top: bool = False) -> None:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            lines.append(pad + "{}")
            return
        for key, item in value.items():
            _entry(f"{pad}{scalar(str(key))}:", item, indent, lines)
    elif isinstance(value, list):
        if not value:
            lines.append(pad + "[]")
            return
        for item in value:
            if isinstance(item, dict) and item:
                first = True
                for key, sub in item.items():
                    head = f"{pad}- " if first else f"{pad}  "
                    _entry(f"{head}{scalar(str(key))}:", sub, indent + 2, lines)
                    first = False
            else:
                _entry(f"{pad}-", item, indent, lines, in_list=True)
    else:
        lines.append(pad + scalar(value))


def _entry(head: str, value: Any, indent: int, lines: list[str], in_list: bool = False) -> None:
    if isinstance(value, dict) and value:
        lines.append(head)
        _node(value, indent + 2, lines)
    elif isinstance(value, list) and value:
        lines.append(head)
        # Lists under a key sit at the key's indentation, as Sloth and kubectl write them.
        _node(value, indent + 2 if in_list else indent, lines)
    elif isinstance(value, dict):
        lines.append(f"{head} {{}}")
    elif isinstance(value, list):
        lines.append(f"{head} []")
    elif isinstance(value, str) and (header := _block(value)) is not None:
        lines.append(f"{head} {header}")
        inner = " " * (indent + 2)
        lines.extend(inner + line if line else "" for line in value.rstrip("\n").split("\n"))
    else:
        lines.append(f"{head} {scalar(value)}")

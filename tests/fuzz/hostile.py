"""Hostile values and a YAML writer that can spell them (shared by the fuzz tests).

The values are what a careless or malicious spec author or API client sends: numbers
too large for a float or an int64, non-finite floats, deep nesting, huge collections,
very long strings, control and bidirectional characters, wrong types.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import strategies as st

HUGE_INTS = [10**400, -(10**30), 2**63, 2**64 + 1, -1, 0, 2**53 + 1]
ODD_FLOATS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -0.0, 1e-300]
NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "\u202eevil\u202c",
    "\ufeffbom",
    "\u2028\u2029",
    "\t\r\n",
    "\x7f\x85",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀",
    "${jndi:ldap://x/a}",
    "%s%n%x",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "NaN",
    ".inf",
    "1e999",
    "-5m",
    "0d",
    "99999999999999999999d",
    "28d" * 50,
    "openslo/v1\x00",
]


def deep(levels: int, leaf: Any = 1, kind: str = "list") -> Any:
    """``levels`` of nesting around ``leaf``, built without recursion."""
    value = leaf
    for _ in range(levels):
        value = [value] if kind == "list" else {"a": value}
    return value


def hostile_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(HUGE_INTS),
        st.sampled_from(ODD_FLOATS),
        st.sampled_from(NASTY_TEXT),
        st.integers(1, 200_000).map(lambda n: "x" * n),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40),
        st.sampled_from([None, True, False, [], {}]),
        st.tuples(st.integers(20, 400), st.sampled_from(["list", "dict"])).map(
            lambda t: deep(t[0], kind=t[1])
        ),
        # Sized so that parsing stays well inside a deadline: the pure-Python YAML parser
        # reads about 15,000 flow items a second.
        st.integers(1_000, 5_000).map(lambda n: list(range(n))),
        st.integers(500, 2_000).map(lambda n: {f"k{i}": i for i in range(n)}),
    )


def to_yaml(value: Any) -> str:
    """YAML flow text for ``value``: JSON, except that non-finite floats are YAML's own.

    (``json.dumps`` writes ``NaN``, which YAML reads as a string; ``.nan`` is the float.)
    Iterative, so nesting deeper than Python's recursion limit can be written.
    """
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, dict):
            parts: list[Any] = [_Raw("{")]
            for i, (k, v) in enumerate(item.items()):
                parts += [
                    _Raw(("," if i else "") + json.dumps(str(k), ensure_ascii=False) + ":"),
                    v,
                ]
            parts.append(_Raw("}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list):
            parts = [_Raw("[")]
            for i, v in enumerate(item):
                parts += ([_Raw(",")] if i else []) + [v]
            parts.append(_Raw("]"))
            stack.extend(reversed(parts))
        elif isinstance(item, float) and not math.isfinite(item):
            out.append(".nan" if math.isnan(item) else (".inf" if item > 0 else "-.inf"))
        elif isinstance(item, bool) or item is None or isinstance(item, int | float):
            out.append(json.dumps(item))
        else:
            out.append(json.dumps(str(item), ensure_ascii=False))
    return "".join(out)


class _Raw:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

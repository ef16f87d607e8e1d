"""Splitting an NRQL ``SELECT … FROM … WHERE …`` into the parts New Relic SLIs take.

A New Relic service level counts events: ``{from, where}`` plus, for metrics, an optional
``select`` (``sum(attribute)``).  Only queries of that shape can be mapped; anything else
(another aggregate, FACET, SINCE, a subquery in FROM, …) raises :class:`NrqlError` with a
message that says what to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = ("SELECT", "FROM", "WHERE")
# Clauses a service level has no place for (New Relic adds the time range itself).
REFUSED = (
    "FACET",
    "SINCE",
    "UNTIL",
    "LIMIT",
    "TIMESERIES",
    "COMPARE",
    "SLIDE",
    "ORDER",
    "EXTRAPOLATE",
    "JOIN",
    "WITH",
    "OFFSET",
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_COUNT = re.compile(r"^count\s*\(\s*\*\s*\)$", re.IGNORECASE)
_SUM = re.compile(r"^sum\s*\(\s*(`[^`]+`|[A-Za-z_][A-Za-z0-9_.]*)\s*\)$", re.IGNORECASE)
_EVENT_TYPE = re.compile(r"^(`[^`]+`|[A-Za-z_][A-Za-z0-9_.]*)$")


class NrqlError(ValueError):
    """An NRQL query that cannot become service-level events; the message says why."""


@dataclass(frozen=True)
class Events:
    """One side of a service level: ``from``, ``where`` and an optional ``sum`` attribute."""

    from_: str
    where: str | None
    sum_of: str | None = None

    def as_input(self) -> dict[str, object]:
        out: dict[str, object] = {"from": self.from_}
        if self.where:
            out["where"] = self.where
        if self.sum_of:
            out["select"] = {"attribute": self.sum_of, "function": "SUM"}
        return out

    @property
    def aggregate(self) -> str:
        return f"sum({self.sum_of})" if self.sum_of else "count(*)"


def strip_comments(query: str) -> str:
    """Comments removed and whitespace collapsed, strings and backquoted names kept."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in "'\"`":
            end = _string_end(query, i)
            out.append(query[i:end])
            i = end
        elif query.startswith("--", i) or query.startswith("//", i):
            newline = query.find("\n", i)
            i = n if newline < 0 else newline
        elif query.startswith("/*", i):
            close = query.find("*/", i + 2)
            if close < 0:
                raise NrqlError("a /* comment is not closed")
            out.append(" ")
            i = close + 2
        else:
            out.append(" " if ch.isspace() else ch)
            i += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    i = start + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    raise NrqlError(f"a {quote} string is not closed")


def _top_level_words(query: str) -> list[tuple[int, str]]:
    """``(position, upper-cased word)`` of every word outside strings and parentheses."""
    words = []
    depth, i = 0, 0
    while i < len(query):
        ch = query[i]
        if ch in "'\"`":
            i = _string_end(query, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and (i == 0 or not _is_word(query[i - 1])):
            match = _WORD.match(query, i)
            if match:
                words.append((i, match.group(0).upper()))
                i = match.end()
                continue
        i += 1
    if depth != 0:
        raise NrqlError("parentheses do not match")
    return words


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_."


def split(query: str) -> Events:
    """``SELECT count(*) FROM Transaction WHERE appName = 'x'`` → ``Events``."""
    text = strip_comments(query)
    if not text:
        raise NrqlError("the query is empty")
    clauses: dict[str, tuple[int, int]] = {}
    words = _top_level_words(text)
    for pos, word in words:
        if word in REFUSED:
            raise NrqlError(
                f"{word} cannot be part of a service level: New Relic adds the time range "
                "and counts events itself; write only SELECT … FROM … WHERE …"
            )
        if word in KEYWORDS:
            if word in clauses:
                raise NrqlError(f"{word} appears twice at the top level")
            clauses[word] = (pos, pos + len(word))
    for needed in ("SELECT", "FROM"):
        if needed not in clauses:
            raise NrqlError(f"missing {needed}")
    order = sorted(clauses.items(), key=lambda kv: kv[1][0])
    if order[0][1][0] != 0:
        raise NrqlError("the query must start with SELECT or FROM")
    parts = {}
    for index, (word, (_, end)) in enumerate(order):
        stop = order[index + 1][1][0] if index + 1 < len(order) else len(text)
        parts[word] = text[end:stop].strip()
    select, from_ = parts["SELECT"], parts["FROM"]
    where = parts.get("WHERE")
    if "WHERE" in parts and not where:
        raise NrqlError("WHERE has no condition")
    if not _EVENT_TYPE.fullmatch(from_):
        raise NrqlError(
            f"FROM {from_!r}: a service level reads one event type (e.g. FROM Transaction), "
            "not several or a subquery"
        )
    if _COUNT.fullmatch(select):
        return Events(from_, where)
    if (total := _SUM.fullmatch(select)) is not None:
        return Events(from_, where, sum_of=total.group(1))
    raise NrqlError(
        f"SELECT {select!r} cannot be mapped: New Relic service levels count events "
        "(SELECT count(*)) or sum an attribute (SELECT sum(attribute))"
    )

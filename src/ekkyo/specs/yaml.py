"""YAML in, with positions: documents as plain Python data plus a way back to line and column.

ruamel.yaml's round-trip loader keeps, for every mapping key, mapping value and sequence
item, where it stood in the text.  :func:`parse_documents` loads every document of a text,
turns each into plain ``dict``/``list``/scalars (what pydantic validates) and keeps the
ruamel tree next to it; :func:`locate` walks that tree along a field path such as
``("spec", "objectives", 0, "target")`` to find the line and column to report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from ekkyo.specs.problems import Problem, describe

Loc = tuple[str | int, ...]

# Aliases let a small text expand into a huge tree ("billion laughs"); past this many
# nodes a document is refused rather than expanded.
MAX_NODES = 100_000
# ruamel's scanner takes quadratic time in the depth of flow collections ([[[…]]]); specs
# never nest this deep, so deeper texts are refused before parsing.
MAX_FLOW_DEPTH = 100
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    col: int


@dataclass(frozen=True)
class Document:
    """One YAML document: plain ``data`` plus the ruamel ``node`` that knows positions."""

    data: Any
    node: Any
    start: Position


@dataclass(frozen=True)
class Located:
    """Where a field path leads: the positions of its key and of its value.

    When only part of the path exists in the document, they are those of the deepest
    part that does (so a problem about a missing field points at its parent).
    """

    key: Position
    value: Position


def parse_documents(text: str, path: str) -> tuple[list[Document], list[Problem]]:
    """Every non-empty document in ``text``, and the problems that stopped or spoilt them.

    A syntax error ends the stream (YAML cannot be resumed after one), so the documents
    before it are returned together with one problem for it.
    """
    docs: list[Document] = []
    problems: list[Problem] = []
    if _flow_depth(text) > MAX_FLOW_DEPTH:
        message = f"YAML is nested more than {MAX_FLOW_DEPTH} levels deep"
        return docs, [Problem(path, 1, 1, message)]
    starts: list[Position] | None = None
    try:
        for index, node in enumerate(_yaml().load_all(text)):
            if node is None:
                continue
            if isinstance(node, CommentedMap | CommentedSeq):
                start = _pos(node.lc.line, node.lc.col)
            else:
                # A bare scalar document carries no position; find where it started.
                starts = starts if starts is not None else _document_starts(text)
                start = starts[index] if index < len(starts) else Position(1, 1)
            converter = _Converter(path)
            data = converter.convert(node, start)
            problems.extend(converter.problems)
            if not converter.fatal:
                docs.append(Document(data=data, node=node, start=start))
    except MarkedYAMLError as exc:
        problems.append(_marked_problem(exc, path))
    except YAMLError as exc:
        problems.append(Problem(path, *_reader_position(exc, text), _yaml_message(exc)))
    except RecursionError:
        problems.append(Problem(path, 1, 1, "YAML is nested too deeply to read"))
    return docs, problems


def locate(node: Any, start: Position, loc: Loc) -> Located:
    """Follow ``loc`` through the ruamel tree ``node`` (which starts at ``start``).

    A mapping key that is absent is also tried in camelCase, because Sloth's Kubernetes
    resource spells the keys of its ``prometheus/v1`` twin that way.
    """
    key_pos = value_pos = start
    current = node
    for part in loc:
        if isinstance(current, CommentedMap) and isinstance(part, str):
            key = part if part in current else _camel(part)
            if key not in current:
                break
            key_pos = _pos(*current.lc.key(key))
            value_pos = _pos(*current.lc.value(key))
            current = current[key]
        elif isinstance(current, CommentedSeq) and isinstance(part, int):
            if not 0 <= part < len(current):
                break
            key_pos = value_pos = _pos(*current.lc.item(part))
            current = current[part]
        else:
            break
    return Located(key=key_pos, value=value_pos)


def _flow_depth(text: str) -> int:
    """The deepest nesting of brackets, counting those in strings too (an upper bound)."""
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth = depth + 1 if char in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def _yaml() -> YAML:
    # A fresh loader per text: ruamel's loaders keep state between calls.
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    return yaml


def _pos(line: int, col: int) -> Position:
    return Position(line + 1, col + 1)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


class _Converter:
    """Turns a ruamel tree into plain data, reporting what plain data cannot hold."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.fatal = False
        self._nodes = 0
        self._stack: set[int] = set()

    def convert(self, node: Any, pos: Position) -> Any:
        self._nodes += 1
        if self._nodes > MAX_NODES:
            if not self.fatal:
                self._report(pos, f"document too large: more than {MAX_NODES} values")
            self.fatal = True
            return None
        if isinstance(node, CommentedMap | CommentedSeq):
            if id(node) in self._stack:
                self._report(pos, "an alias refers to a node that contains it")
                self.fatal = True
                return None
            self._stack.add(id(node))
            try:
                return self._mapping(node) if isinstance(node, CommentedMap) else self._seq(node)
            finally:
                self._stack.discard(id(node))
        return self._scalar(node, pos)

    def _mapping(self, node: CommentedMap) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in node:
            key_pos = _pos(*node.lc.key(key))
            if not isinstance(key, str):
                self._report(key_pos, f"keys must be strings, got {describe(_plain_key(key))}")
                continue
            out[str(key)] = self.convert(node[key], _pos(*node.lc.value(key)))
        return out

    def _seq(self, node: CommentedSeq) -> list[Any]:
        return [self.convert(item, _pos(*node.lc.item(i))) for i, item in enumerate(node)]

    def _scalar(self, value: Any, pos: Position) -> Any:
        # ruamel keeps formatting in str/int/float subclasses; pydantic's strict mode and
        # equality checks want the plain types.
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return str(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, dt.datetime):
            return dt.datetime(
                value.year,
                value.month,
                value.day,
                value.hour,
                value.minute,
                value.second,
                value.microsecond,
                tzinfo=value.tzinfo,
            )
        if isinstance(value, dt.date):
            return dt.date(value.year, value.month, value.day)
        if isinstance(value, TaggedScalar):
            self._report(pos, f"unsupported YAML tag {str(value.tag)!r}")
            return None
        self._report(pos, f"unsupported YAML value {describe(value)}")
        return None

    def _report(self, pos: Position, message: str) -> None:
        self.problems.append(Problem(self.path, pos.line, pos.col, message))


def _plain_key(key: Any) -> Any:
    if isinstance(key, Sequence) and not isinstance(key, str):
        return list(key)
    return key


def _marked_problem(exc: MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Problem(path, line, col, _yaml_message(exc))


def _yaml_message(exc: YAMLError) -> str:
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if problem:
        text = str(problem)
        if context and "duplicate key" not in text:
            text = f"{text} ({context})"
        return f"YAML syntax error: {text}"
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"YAML syntax error: {first_line}"


def _reader_position(exc: YAMLError, text: str) -> tuple[int, int]:
    # ReaderError (e.g. a NUL byte) has a character offset rather than a mark.
    offset = getattr(exc, "position", None)
    if not isinstance(offset, int):
        return 1, 1
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


def _document_starts(text: str) -> list[Position]:
    """Where each document's content begins, from the parser's events (rarely needed)."""
    from ruamel.yaml.events import DocumentStartEvent, NodeEvent

    starts: list[Position] = []
    waiting = False
    try:
        for event in _yaml().parse(text):
            if isinstance(event, DocumentStartEvent):
                waiting = True
            elif waiting and isinstance(event, NodeEvent):
                starts.append(_pos(event.start_mark.line, event.start_mark.column))
                waiting = False
    except YAMLError:
        pass
    return starts

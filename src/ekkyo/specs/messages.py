"""Pydantic validation errors, rewritten for the people who wrote the YAML.

Each error becomes an :class:`Issue`: the field path as it is spelt in the file, a message,
and whether the position to report is the key itself (an unknown field), its value (a
wrong value) or the mapping that lacks it (a missing field).  Unknown keys and unknown
choices get a ``did you mean …?`` from the keys the model at that place accepts.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from ekkyo.specs.problems import describe
from ekkyo.specs.yaml import Loc

At = Literal["key", "value", "parent"]


@dataclass(frozen=True)
class Issue:
    """A problem at a field path of one object; the loader turns ``loc`` into a position.

    ``at`` says what to point at: the key at ``loc`` (an unknown field), its value (a
    wrong value), or the key of the mapping that lacks ``loc`` (a missing field).  The
    message names ``where`` (by default ``loc``) as a dotted path before ``text``.
    """

    loc: Loc
    text: str
    at: At = "value"
    where: Loc | None = None

    @property
    def message(self) -> str:
        where = dotted(self.loc if self.where is None else self.where)
        return f"{where}: {self.text}" if where else self.text

    def within(self, prefix: Loc) -> Issue:
        """The same issue for an object that sits at ``prefix`` inside a larger document."""
        where = None if self.where is None else prefix + self.where
        return Issue(prefix + self.loc, self.text, self.at, where)


def dotted(loc: Loc) -> str:
    """``("spec", "objectives", 0, "target")`` → ``spec.objectives[0].target``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` when none is close."""
    options = sorted(set(choices))

    def squash(text: str) -> str:
        return text.replace("_", "").replace("-", "").casefold()

    same = [c for c in options if squash(c) == squash(word)]
    close = same or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def issues_from(error: ValidationError, root: type[BaseModel]) -> list[Issue]:
    """Every error of ``error`` (raised validating ``root``) as an :class:`Issue`."""
    return [_issue(detail, _strip_tags(root, detail["loc"]), root) for detail in error.errors()]


def _issue(detail: ErrorDetails, loc: Loc, root: type[BaseModel]) -> Issue:
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    if kind == "missing":
        return Issue(loc, f"missing required field '{loc[-1]}'", "parent", where=loc[:-1])
    if kind == "extra_forbidden":
        parent = _annotation_at(root, loc[:-1])
        hint = did_you_mean(str(loc[-1]), _aliases(parent))
        return Issue(loc, f"unknown field '{loc[-1]}'{hint}", "key", where=loc[:-1])
    if kind == "ekkyo":
        field = ctx.get("field")
        if field:
            return Issue((*loc, field), str(ctx["message"]), "key", where=loc)
        return Issue(loc, str(ctx["message"]))
    if kind == "literal_error":
        choices = _literal_choices(_annotation_at(root, loc))
        hint = did_you_mean(value, choices) if isinstance(value, str) else ""
        listed = ", ".join(f"'{c}'" for c in choices) or str(ctx.get("expected"))
        return Issue(loc, f"{describe(value)} is not one of {listed}{hint}")
    return Issue(loc, _type_message(kind, loc, value, ctx, str(detail["msg"])))


def _type_message(kind: str, loc: Loc, value: Any, ctx: dict[str, Any], fallback: str) -> str:
    got = describe(value)
    last = loc[-1] if loc else ""
    if kind == "string_type":
        hint = "; put it in quotes if it is text" if isinstance(value, int | float) else ""
        return f"expected a string, got {got}{hint}"
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        return f"expected a number, got {got}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {got}"
    if kind == "list_type":
        if last == "timeWindow" and isinstance(value, dict):
            return (
                "expected a list: OpenSLO writes the window as a list of one item (- duration: 28d)"
            )
        return f"expected a list, got {got}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return f"expected a mapping, got {got}"
    if kind == "too_short":
        if last == "timeWindow":
            return "needs exactly one item"
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        if last == "timeWindow":
            return f"takes exactly one item, got {ctx.get('actual_length')}"
        return f"takes at most {ctx.get('max_length')} item(s), got {ctx.get('actual_length')}"
    if kind == "value_error":
        return fallback.removeprefix("Value error, ")
    return fallback


# --- walking the model along an error's path ----------------------------------------------


def _strip_tags(root: type[BaseModel], loc: Sequence[str | int]) -> Loc:
    """The error's path without pydantic's union tags ("ref", "inline")."""
    clean: list[str | int] = []
    annotation: Any = root
    for part in loc:
        annotation = _unwrap(annotation)
        tags = _tags(annotation)
        if isinstance(part, str) and part in tags:
            annotation = tags[part]
            continue
        clean.append(part)
        annotation = _step(annotation, part)
    return tuple(clean)


def _annotation_at(root: type[BaseModel], loc: Loc) -> Any:
    """The model (or annotation) that validates the value at ``loc``, or None.

    The path has lost its union tags, so at a ref-or-inline item the member that knows
    the next key is taken; at the end of the path a union gives all its members.
    """
    annotation: Any = root
    for part in loc:
        annotation = _unwrap(annotation)
        members = list(_tags(annotation).values())
        if members:
            knowing = [m for m in members if _step(m, part) is not None]
            annotation = (knowing or members)[0]
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    annotation = _unwrap(annotation)
    members = list(_tags(annotation).values())
    return members or annotation


def _step(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if _is_model(annotation) and isinstance(part, str):
        return _field_annotation(annotation, part)
    if origin is list and isinstance(part, int):
        return typing.get_args(annotation)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(annotation)[1]
    return None


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
            else:
                return annotation
        else:
            return annotation


def _tags(annotation: Any) -> dict[str, Any]:
    """For a tagged union, ``{tag: member}``; else empty."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    tags = {}
    for member in typing.get_args(annotation):
        if typing.get_origin(member) is typing.Annotated:
            inner, *meta = typing.get_args(member)
            for item in meta:
                if isinstance(item, Tag):
                    tags[item.tag] = inner
    return tags


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _aliases(annotation: Any) -> list[str]:
    models = annotation if isinstance(annotation, list) else [annotation]
    return [
        field.alias or name
        for model in models
        if _is_model(model)
        for name, field in model.model_fields.items()
    ]


def _field_annotation(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field.annotation
    return None


def _literal_choices(annotation: Any) -> list[str]:
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) is Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return []

"""OpenSLO v1 YAML out: :func:`emit_openslo`.

Objects are written as a multi-document stream in a stable shape: ``apiVersion``, ``kind``,
``metadata``, ``spec`` first, then fields in the order the models declare them, camelCase
keys, no empty optional fields.  Inline objects (an SLO's ``indicator``, inline alert
policies, conditions and targets) are written without ``apiVersion``.  Reading the output
back gives objects equal to the ones written.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from ekkyo.specs.durations import Duration
from ekkyo.specs.model import SpecObject

_FIRST = ("apiVersion", "kind", "metadata", "spec")


def emit_openslo(objects: Iterable[SpecObject]) -> str:
    """OpenSLO v1 YAML for ``objects``, one document each, separated by ``---``."""
    documents = [_model(obj, top=True) for obj in objects]
    if not documents:
        return ""
    yaml = YAML(typ="rt", pure=True)
    yaml.explicit_start = True
    yaml.width = 4096  # long queries stay on one line rather than being folded
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump_all(documents, out)
    return out.getvalue()


def _model(model: BaseModel, *, top: bool = False) -> dict[str, Any]:
    fields = type(model).model_fields
    data: dict[str, Any] = {}
    for name, info in fields.items():
        key = info.alias or name
        value = getattr(model, name)
        if key == "apiVersion" and not top:
            continue
        if value is None:
            continue
        empty_default = (value == {} or value == []) and not info.is_required()
        if empty_default and not (top and key == "spec"):
            continue
        if isinstance(value, dt.datetime):
            # OpenSLO's calendar startTime: "2020-01-21 12:30:00", no zone.
            data[key] = value.isoformat(sep=" ")
        else:
            data[key] = _value(value)
    if not top:
        return data
    ordered = {key: data[key] for key in _FIRST if key in data}
    ordered.update((key, value) for key, value in data.items() if key not in ordered)
    return ordered


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _model(value)
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {_value(key): _value(item) for key, item in value.items()}
    if isinstance(value, str):
        return _string(value)
    return value


def _string(value: str) -> Any:
    if "\n" in value and _block_safe(value):
        # Multi-line PromQL and NRQL read best as literal blocks.
        return LiteralScalarString(value)
    if not value.isprintable():
        # ruamel writes NEL and the Unicode line separators raw inside single quotes,
        # where a reader folds them into spaces; double quotes escape them.
        return DoubleQuotedScalarString(value)
    return value


def _block_safe(text: str) -> bool:
    # Trailing spaces, tabs and leading blanks make literal blocks hard to read (and to
    # get right); such strings stay quoted.
    return not text.startswith((" ", "\n")) and all(
        line == line.rstrip() and line.isprintable() for line in text.split("\n")
    )


def to_document(obj: SpecObject) -> dict[str, Any]:
    """The OpenSLO document of ``obj`` as plain JSON-able data, in the shape
    :func:`emit_openslo` writes (what the catalog stores and exports)."""
    plain: dict[str, Any] = _plain(_model(obj, top=True))
    return plain


def _plain(value: Any) -> Any:
    # ruamel's scalar-string styles are str subclasses; JSON columns want plain values.
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value

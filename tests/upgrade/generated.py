"""One generated row in every table still empty, through a (historical) model registry.

Values are deterministic and differ from each field's default, so that a migration that
loses or resets a column shows up; relations point at the first rows of their models.
Check constraints of the "exactly one of these relations" kind are met by trying each
nullable relation alone (see :func:`_attempts`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

EKKYO_PREFIX = "ekkyo."


def _ekkyo_models(apps: Any) -> list[Any]:
    from django.apps import apps as installed

    # A historical registry knows apps by label only; the installed one says whose they are.
    ours = {c.label for c in installed.get_app_configs() if c.name.startswith(EKKYO_PREFIX)}
    return [m for m in apps.get_models() if m._meta.app_label in ours]


def _ordered(models: list[Any]) -> list[Any]:
    """Models after those their required foreign keys point to (cycles broken at nullable)."""
    out: list[Any] = []
    placed: set[Any] = set()
    pending = list(models)
    while pending:
        progress = False
        for model in list(pending):
            needs = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and not f.null and f.related_model is not model
            }
            if all(n in placed or n not in models for n in needs):
                out.append(model)
                placed.add(model)
                pending.remove(model)
                progress = True
        if not progress:  # a cycle of required keys: let the database say which
            out.extend(pending)
            break
    return out


def _choice(field: Any) -> Any:
    values = [value for value, _label in field.flatchoices]
    different = [v for v in values if v != field.get_default()]
    return (different or values)[-1]


def _scalar(field: Any, tag: str, now: dt.datetime) -> Any:
    kind = field.get_internal_type()
    if field.choices:
        return _choice(field)
    if kind in {"CharField", "SlugField", "TextField", "EmailField", "URLField", "FilePathField"}:
        text = {"EmailField": f"{tag}@example.com", "URLField": f"https://example.com/{tag}"}.get(
            kind, tag.replace(".", "-")
        )
        return text[: field.max_length] if field.max_length else text
    if kind in {"IntegerField", "BigIntegerField", "SmallIntegerField"}:
        return 7
    if kind.startswith("Positive"):
        return 3  # within 1..5 for ratings and small enough for any small field
    if kind == "FloatField":
        return 0.25
    if kind == "DecimalField":
        return Decimal("1.5")
    if kind == "BooleanField":
        return not bool(field.get_default())
    if kind == "DateTimeField":
        return now - dt.timedelta(minutes=17)
    if kind == "DateField":
        return dt.date(2026, 2, 27)
    if kind == "TimeField":
        return dt.time(9, 30)
    if kind == "DurationField":
        return dt.timedelta(minutes=45)
    if kind == "JSONField":
        return {"generated": tag}
    if kind == "BinaryField":
        return tag.encode()
    if kind == "UUIDField":
        return uuid.uuid5(uuid.NAMESPACE_URL, tag)
    if kind == "GenericIPAddressField":
        return "192.0.2.7"
    raise TypeError(f"fill.py cannot make a value for {tag} ({kind}): teach _scalar")


def _one_row(model: Any, now: dt.datetime) -> tuple[dict[str, Any], list[str]]:
    """Values for every field, and the names of the nullable relations among them."""
    values: dict[str, Any] = {}
    optional = []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.get_internal_type().endswith("AutoField"):
            continue
        tag = f"{model._meta.label_lower}.{field.name}"
        if field.is_relation:
            related = field.related_model._default_manager.order_by("pk")
            taken = set(model._default_manager.values_list(field.attname, flat=True))
            target = next((r for r in related if not field.unique or r.pk not in taken), None)
            if target is None and not field.null:
                return {}, []
            values[field.name] = target
            if field.null and target is not None:
                optional.append(field.name)
        else:
            values[field.name] = _scalar(field, tag, now)
    return values, optional


def _attempts(model: Any, values: dict[str, Any], optional: list[str]) -> Iterator[dict[str, Any]]:
    """The values, then variants for check constraints: "exactly one of these relations"
    (each nullable relation alone, or none), then defaults instead of generated values."""
    yield values
    bare = {k: (None if k in optional else v) for k, v in values.items()}
    variants = [bare] + [bare | {name: values[name]} for name in optional]
    defaults = {
        f.name: f.get_default()
        for f in model._meta.concrete_fields
        if f.has_default() and not f.is_relation
    }
    for variant in variants:
        yield variant
    for variant in [values, *variants]:
        yield variant | defaults


def _create(model: Any, now: dt.datetime) -> Any:
    from django.db import IntegrityError, transaction

    values, optional = _one_row(model, now)
    if not values:
        return None
    error: Exception | None = None
    for attempt in _attempts(model, values, optional):
        try:
            with transaction.atomic():
                return model._default_manager.create(**attempt)
        except IntegrityError as exc:
            error = exc
    raise RuntimeError(f"fill.py cannot make a row of {model._meta.label}: {error}")


def generated_rows(apps: Any, *, now: dt.datetime) -> list[str]:
    """Labels of the models given a row."""
    filled = []
    for model in _ordered(_ekkyo_models(apps)):
        if model._meta.auto_created or model._default_manager.exists():
            continue
        obj = _create(model, now)
        if obj is None:
            continue
        for m2m in model._meta.many_to_many:
            if m2m.remote_field.through._meta.auto_created:
                first = m2m.related_model._default_manager.order_by("pk").first()
                if first is not None:
                    getattr(obj, m2m.name).add(first)
        filled.append(model._meta.label)
    return filled

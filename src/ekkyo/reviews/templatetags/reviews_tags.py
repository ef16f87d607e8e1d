"""Words and numbers of the review pages (rounding happens here, at the edge)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils.translation import gettext as _

from ekkyo.reviews.models import EntryKind, ItemStatus, SessionStatus
from ekkyo.web import display

register = template.Library()


def section_titles() -> dict[str, str]:
    return {
        "opening": _("Welcome and ice-break"),
        "burned": _("Budget burned most since the last session"),
        "at_risk": _("At risk or exhausted"),
        "alerts": _("Alerts that fired"),
        "trials": _("Trials ending"),
        "maintenance": _("Maintenance windows"),
        "action_items": _("Open action items"),
        "topics": _("Topics to share"),
        "wrap_up": _("Wrap-up"),
    }


def empty_texts() -> dict[str, str]:
    return {
        "burned": _("No SLO burned 1% of its budget or more since the last session."),
        "at_risk": _("Every SLO is healthy or has no data."),
        "alerts": _("No alerts fired since the last session."),
        "trials": _("No trial operation ends soon."),
        "maintenance": _("No maintenance windows since the last session or before the next."),
        "action_items": _("No open action items."),
    }


@register.filter
def section_title(kind: str) -> str:
    return section_titles().get(kind, kind)


@register.filter
def section_empty(kind: str) -> str:
    return empty_texts().get(kind, "")


@register.filter
def iso_dt(value: Any) -> datetime | date | None:
    """An ISO text from the agenda's JSON as a date or aware datetime (for ``|date``)."""
    if not value:
        return None
    if isinstance(value, datetime | date):
        return value
    text = str(value)
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text)


@register.filter
def budget_share(value: float | None) -> str:
    """A share of the error budget: ``0.123`` → ``12.3%``."""
    return display.percent(value, 1)


@register.filter
def item_status_label(value: str) -> str:
    return str(dict(ItemStatus.choices).get(value, value))


@register.filter
def entry_kind_label(value: str) -> str:
    return str(dict(EntryKind.choices).get(value, value))


@register.filter
def session_status_label(value: str) -> str:
    return str(dict(SessionStatus.choices).get(value, value))


@register.filter
def severity_label(value: str) -> str:
    return {"page": _("Page"), "ticket": _("Ticket")}.get(value, value)


@register.filter
def abs_int(value: Any) -> int:
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return 0


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def get_label(form: Any, name: str) -> str:
    field = form.fields.get(name)
    return str(field.label) if field is not None and field.label else name

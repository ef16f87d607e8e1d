"""Display helpers of the report pages: numbers rounded here, times in the report's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def pct(value: Any, digits: int = 3) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value * 100:.{digits}f}%"


@register.filter
def in_zone(iso: str | None, zone: str) -> str:
    """An ISO instant as ``YYYY-MM-DD HH:MM`` in ``zone``."""
    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except (ValueError, KeyError):
        return iso


@register.filter
def minutes(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "—"
    m = int(seconds) // 60
    return f"{m // 60}h {m % 60:02d}m" if m >= 60 else f"{m}m"


@register.filter
def count(value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{value:,.0f}"


@register.filter
def met_icon(value: Any) -> str:
    return "—" if value is None else ("✓" if value else "✕")

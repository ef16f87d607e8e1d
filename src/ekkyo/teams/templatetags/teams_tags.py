"""Template helpers of the team pages."""

from __future__ import annotations

from typing import Any

from django import template

from ekkyo.teams.models import InteractionMode
from ekkyo.teams.scorecard import FAIL, NOT_APPLICABLE, PASS
from ekkyo.teams.wording import LEVELS, STATUS, pct

register = template.Library()

ICONS = {PASS: "✓", FAIL: "✕", NOT_APPLICABLE: "–"}


@register.filter
def level_label(level: str) -> str:
    return str(LEVELS.get(level, level))


@register.filter
def check_icon(status: str) -> str:
    return ICONS.get(status, "?")


@register.filter
def check_label(status: str) -> str:
    return str(STATUS.get(status, status))


@register.filter
def mode_label(mode: str) -> str:
    return str(dict(InteractionMode.choices).get(mode, mode))


@register.filter
def share(value: float | None) -> str:
    return pct(value)


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def notice_text(notice: Any, language: str) -> str:
    return str(notice.text(language or "en"))

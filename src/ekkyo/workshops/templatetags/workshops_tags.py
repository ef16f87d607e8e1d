"""Template helpers of the workshop pages, and the SLO page's link back to its workshop."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import template

from ekkyo.workshops import wording
from ekkyo.workshops.models import SLI

register = template.Library()


@register.simple_tag
def workshop_origin(slo: Any) -> SLI | None:
    """The workshop SLI an SLO was agreed from (with its journey and workshop), if any."""
    if slo is None or getattr(slo, "pk", None) is None:
        return None
    return SLI.objects.filter(slo=slo).select_related("journey__workshop").first()


@register.filter
def business_lines(terms: Any) -> list[str]:
    if dataclasses.is_dataclass(terms) and not isinstance(terms, type):
        terms = dataclasses.asdict(terms)
    return wording.business_lines(terms) if terms else []


@register.filter
def evidence_lines(evidence: dict[str, Any] | None) -> list[str]:
    return wording.evidence_lines(evidence or {})


@register.filter
def pct(value: float | None, digits: int = 3) -> str:
    return wording.percent(value, digits)


@register.filter
def count(value: float | None) -> str:
    return "—" if value is None else wording.count(value)


@register.filter
def lines(text: str) -> list[str]:
    return [line for line in str(text).splitlines() if line.strip()]

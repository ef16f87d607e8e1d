"""The policy banner for product pages, and display helpers of the policy pages."""

from __future__ import annotations

from typing import Any

from django import template

from ekkyo.policies.models import Level, RuleKind
from ekkyo.policies.services import Banner, banner_for

register = template.Library()


@register.simple_tag
def policy_banner(slo: Any = None, product: Any = None) -> Banner | None:
    """The banner of ``product`` (or of ``slo``'s product), when its policy is above normal."""
    service = product or getattr(slo, "service", None)
    if service is None or getattr(service, "pk", None) is None:
        return None
    return banner_for(service)


@register.filter
def level_label(level: int) -> str:
    try:
        return str(Level(int(level)).label)
    except (TypeError, ValueError):
        return str(level)


@register.filter
def threshold_text(rule: Any) -> str:
    """``≤ 25%``, ``> 20%`` or ``≥ 2× (1d)``: a rule's condition in short."""
    kind = rule.kind if hasattr(rule, "kind") else rule.get("kind")
    value = rule.threshold if hasattr(rule, "threshold") else rule.get("threshold")
    window = rule.burn_window if hasattr(rule, "burn_window") else rule.get("burn_window")
    if kind == RuleKind.REMAINING:
        return f"≤ {value * 100:g}%"
    if kind == RuleKind.INCIDENT:
        return f"> {value * 100:g}%"
    return f"≥ {value:g}× ({window or '1d'})"


@register.filter
def pct1(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def local(iso: str | None) -> str:
    """An ISO instant from the JSON twin as ``YYYY-MM-DD HH:MM`` in the reader's zone."""
    from datetime import datetime

    from django.utils import timezone

    if not iso:
        return "—"
    try:
        moment = datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")

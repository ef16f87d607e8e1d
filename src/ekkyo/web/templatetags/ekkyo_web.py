"""Display helpers: numbers are rounded here, at the edge, never in the engine."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from ekkyo.accounts.models import Role
from ekkyo.teams.models import SreEngagement, TopologyType
from ekkyo.web import display
from ekkyo.web.plain import format_duration, format_target

register = template.Library()
NONE = display.NONE

percent = register.filter("percent", display.percent)
burn = register.filter("burn", display.burn)
bar_width = register.filter("bar_width", display.bar_width)
state_icon = register.filter("state_icon", display.state_icon)
state_label = register.filter("state_label", display.state_label)
lifecycle_label = register.filter("lifecycle_label", display.lifecycle_label)


@register.filter
def target_percent(value: float | None) -> str:
    """A target exactly as written (``0.999`` → ``99.9%``), however many decimals it has."""
    return NONE if value is None else format_target(value)


@register.filter
def duration(seconds: float | None) -> str:
    if seconds is None:
        return NONE
    return format_duration(seconds)


@register.filter
def role_label(role: str) -> str:
    return str(dict(Role.choices).get(role, role))


@register.filter
def topology_label(value: str) -> str:
    return str(dict(TopologyType.choices).get(value, value))


@register.filter
def engagement_label(value: str) -> str:
    return str(dict(SreEngagement.choices).get(value, value))


@register.filter
def team_label(team: Any) -> str:
    """The team's Japanese name for Japanese readers, when it has one."""
    if team is None:
        return ""
    if (get_language() or "").startswith("ja") and getattr(team, "name_ja", ""):
        return str(team.name_ja)
    return str(team.name)


@register.filter
def local_time(iso: str) -> str:
    """``2026-01-01T09:00:00+09:00`` → ``2026-01-01 09:00`` (already in the reader's zone)."""
    return iso[:16].replace("T", " ") if iso else NONE


@register.simple_tag(takes_context=True)
def query(context: template.Context, **changes: Any) -> str:
    """The current query string with ``changes`` applied (empty values removed)."""
    request = context["request"]
    params = {k: v for k, v in request.GET.items() if k != "format"}
    for key, value in changes.items():
        params[key] = value
    kept = {k: v for k, v in params.items() if v not in ("", None)}
    return "?" + urlencode(kept) if kept else "?"


@register.filter
def diff_lines(diff: str) -> SafeString:
    """A unified diff with added and removed lines marked (text, not only colour: +/-)."""

    def kind(line: str) -> str:
        if line.startswith(("+++", "---")):
            return "file"
        return {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")

    lines = diff.splitlines()
    return format_html_join("\n", '<span class="{}">{}</span>', ((kind(x), x) for x in lines))

"""What the team pages share: lookups, who may edit, the refusal page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from ekkyo.teams.models import Team


def forbidden(request: HttpRequest, who: str = "team") -> HttpResponse:
    """403 with a page that says who may do this: the team's members and SRE admins, or
    SRE admins only (``who="admin"``)."""
    return render(request, "teams/403.html", {"who": who}, status=403)


def team_or_404(slug: str) -> Team:
    return get_object_or_404(Team, slug=slug)


def language() -> str:
    return "ja" if (get_language() or "").startswith("ja") else "en"


def label(obj: Any, field: str) -> str:
    """``obj.<field>_ja`` for Japanese readers when set, else ``obj.<field>``."""
    if language() == "ja" and getattr(obj, f"{field}_ja", ""):
        return str(getattr(obj, f"{field}_ja"))
    return str(getattr(obj, field))

"""What every page shares: sign-in, the reader's time zone, JSON twins."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation

from ekkyo.accounts.models import Profile, Role

# A Japanese reader without a zone of their own is most likely in Japan.
JAPANESE_DEFAULT_ZONE = "Asia/Tokyo"


def _profile_facts(user: Any) -> tuple[str, str]:
    """The user's role and zone name in one query (the role as ``role_of`` answers it)."""
    if not getattr(user, "is_authenticated", False):
        return "", ""
    row = Profile.objects.filter(user=user).values_list("role", "time_zone").first()
    role, zone = row if row else (Role.VIEWER, "")
    return (Role.ADMIN if user.is_superuser else role), zone


def zone_for(name: str) -> ZoneInfo:
    """The zone called ``name``, else Asia/Tokyo in Japanese, else the site's."""
    if not name and (translation.get_language() or "").startswith("ja"):
        name = JAPANESE_DEFAULT_ZONE
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def user_time_zone(request: HttpRequest) -> ZoneInfo:
    """The reader's zone: their profile's, else Asia/Tokyo in Japanese, else the site's."""
    return zone_for(_profile_facts(request.user)[1])


View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """Sign-in required; dates render in the reader's time zone; ``request.role`` is set."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # One query for both: every page needs them, and the portfolio counts its queries.
        role, zone_name = _profile_facts(request.user)
        request.role = role  # type: ignore[attr-defined]
        zone = zone_for(zone_name)
        request.zone = zone  # type: ignore[attr-defined]
        with timezone.override(zone):
            return view(request, *args, **kwargs)

    return wrapper


def wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json"


def json_twin(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})

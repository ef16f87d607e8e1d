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

from ekkyo.accounts.models import Profile
from ekkyo.accounts.permissions import role_of

# A Japanese reader without a zone of their own is most likely in Japan.
JAPANESE_DEFAULT_ZONE = "Asia/Tokyo"


def user_time_zone(request: HttpRequest) -> ZoneInfo:
    """The reader's zone: their profile's, else Asia/Tokyo in Japanese, else the site's."""
    name = ""
    if request.user.is_authenticated:
        name = (
            Profile.objects.filter(user=request.user).values_list("time_zone", flat=True).first()
            or ""
        )
    if not name and (translation.get_language() or "").startswith("ja"):
        name = JAPANESE_DEFAULT_ZONE
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


View = Callable[..., HttpResponse]


def page(view: View) -> View:
    """Sign-in required; dates render in the reader's time zone; ``request.role`` is set."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.role = role_of(request.user)  # type: ignore[attr-defined]
        zone = user_time_zone(request)
        request.zone = zone  # type: ignore[attr-defined]
        with timezone.override(zone):
            return view(request, *args, **kwargs)

    return wrapper


def wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json"


def json_twin(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})

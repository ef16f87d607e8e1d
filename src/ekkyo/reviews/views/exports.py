"""The iCalendar feed of a series, and a team's review signals as JSON."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from ekkyo.accounts.models import Role
from ekkyo.accounts.permissions import role_of
from ekkyo.reviews import ical
from ekkyo.reviews.agenda import counts
from ekkyo.reviews.cadence import CadenceError, occurrences
from ekkyo.reviews.models import ActionItem, Attendance, ReviewSession, SessionStatus
from ekkyo.reviews.signals import ItemFact, SessionFact, month_periods, team_signals
from ekkyo.reviews.views.common import series_or_404
from ekkyo.teams.models import Membership, Team, TopologyType
from ekkyo.web.views.common import json_twin, page

FEED_PAST = timedelta(days=180)
FEED_AHEAD = timedelta(days=180)
FEED_MAX_PLANNED = 60
MAX_MONTHS = 36


def _uid(slug: str, session: ReviewSession | None, slot: datetime | None) -> str:
    # A slot keeps its UID when a session is created for it, so calendars update the
    # planned event instead of showing a second one.
    moment = slot or (session.occurrence_at if session else None)
    if moment is not None:
        return f"{slug}-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}@ekkyo"
    return f"{slug}-session-{session.pk if session else 0}@ekkyo"


def feed(request: HttpRequest, slug: str) -> HttpResponse:
    """``/reviews/series/<slug>/sessions.ics``: signed-in users, or anyone with the key.

    Calendar apps cannot sign in, so the series page shows an address with a secret key
    (``?key=…``) that opens this feed, and only this feed.
    """
    series = series_or_404(slug)
    if not request.user.is_authenticated:
        key = request.GET.get("key", "")
        if not key:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not constant_time_compare(key, series.feed_key):
            raise Http404("unknown feed")
    now = timezone.now()
    sessions = list(
        series.sessions.filter(starts_at__gte=now - FEED_PAST).order_by("starts_at", "id")
    )
    taken = {s.occurrence_at for s in sessions if s.occurrence_at}
    events = []
    for s in sessions:
        url = request.build_absolute_uri(reverse("reviews:session", args=[s.pk]))
        summary = counts(s.agenda)
        lines = [url]
        if s.facilitator:
            lines.insert(0, f"Facilitator: {s.facilitator.get_username()}")
        if summary:
            lines.append(", ".join(f"{k}: {v}" for k, v in summary.items()))
        events.append(
            ical.Event(
                uid=_uid(series.slug, s, None),
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                summary=series.name,
                description="\n".join(lines),
                location=series.location,
                url=url,
                cancelled=s.status == SessionStatus.CANCELLED,
                last_modified=s.updated_at,
            )
        )
    try:
        slots = occurrences(series.cadence(), now, now + FEED_AHEAD)[:FEED_MAX_PLANNED]
    except CadenceError:
        slots = []
    page_url = request.build_absolute_uri(reverse("reviews:series", args=[series.slug]))
    for slot in slots:
        if slot in taken:
            continue
        events.append(
            ical.Event(
                uid=_uid(series.slug, None, slot),
                starts_at=slot,
                ends_at=slot + series.duration,
                summary=series.name,
                description=page_url,
                location=series.location,
                url=page_url,
            )
        )
    events.sort(key=lambda e: (e.starts_at, e.uid))
    text = ical.calendar(events, name=series.name, stamp=now)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{series.slug}.ics"'
    return response


def _facts(team: Team, start: datetime, end: datetime) -> tuple[list[SessionFact], list[ItemFact]]:
    sessions = list(
        ReviewSession.objects.filter(
            series__teams=team, status=SessionStatus.HELD, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("facilitator")
        .prefetch_related("series__teams")
        .distinct()
    )
    facilitators = {s.facilitator_id for s in sessions if s.facilitator_id}
    teams_of: dict[int, set[str]] = {}
    enabling: set[int] = set()
    for m in Membership.objects.filter(user_id__in=facilitators).select_related("team"):
        teams_of.setdefault(m.user_id, set()).add(m.team.slug)
        if m.team.topology_type == TopologyType.ENABLING:
            enabling.add(m.user_id)
    attendance: dict[int, Counter[str]] = {}
    for a in Attendance.objects.filter(session__in=sessions).select_related("team"):
        attendance.setdefault(a.session_id, Counter())[a.team.slug if a.team else ""] += 1
    facts = []
    for s in sessions:
        user = s.facilitator
        is_sre = bool(user) and (s.facilitator_id in enabling or role_of(user) == Role.ADMIN)
        facts.append(
            SessionFact(
                starts_at=s.starts_at,
                teams=frozenset(t.slug for t in s.series.teams.all()),
                facilitator=user.get_username() if user else "",
                facilitator_teams=frozenset(teams_of.get(s.facilitator_id or 0, set())),
                facilitator_is_sre=is_sre,
                attendance=dict(attendance.get(s.pk, {})),
            )
        )
    items = [
        ItemFact(team=team.slug, created_at=i.created_at, status=i.status, closed_at=i.closed_at)
        for i in ActionItem.objects.filter(team=team).only(
            "created_at", "status", "closed_at", "team"
        )
    ]
    return facts, items


@page
def team_signals_json(request: HttpRequest, slug: str) -> HttpResponse:
    """``/reviews/teams/<slug>/signals.json?months=N``: a team's review practice per month."""
    team = get_object_or_404(Team, slug=slug)
    try:
        months = int(request.GET.get("months", "6"))
    except ValueError:
        months = 0
    if not 1 <= months <= MAX_MONTHS:
        return json_twin(
            {
                "error": {
                    "code": "invalid_months",
                    "message": f"months must be a whole number from 1 to {MAX_MONTHS}",
                }
            },
            status=400,
        )
    zone_name = str(request.zone)  # type: ignore[attr-defined]
    periods = month_periods(timezone.now(), months, zone_name)
    facts, items = _facts(team, periods[0].start, periods[-1].end)
    rows = team_signals(team.slug, periods, facts, items)
    total: dict[str, Any] = {
        key: sum(getattr(r, key) for r in rows)
        for key in (
            "sessions_held",
            "attendance",
            "facilitated_by_team",
            "facilitated_by_sre",
            "facilitated_by_other",
            "without_facilitator",
            "items_opened",
            "items_done",
            "items_dropped",
        )
    }
    held = total["sessions_held"]
    total["self_facilitation_share"] = total["facilitated_by_team"] / held if held else None
    return json_twin(
        {
            "team": team.slug,
            "time_zone": zone_name,
            "months": months,
            "periods": [r.as_dict() for r in rows],
            "total": total,
        }
    )

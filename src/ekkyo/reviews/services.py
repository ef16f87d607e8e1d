"""What pages, the worker and tests do with series, sessions and action items.

Every function takes ``now`` (or reads it once) and the acting user; permission checks
are the views' job (see :mod:`ekkyo.reviews.permissions`).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ekkyo.reviews import collect
from ekkyo.reviews.cadence import CadenceError, next_after, next_facilitator
from ekkyo.reviews.models import (
    CLOSED_STATUSES,
    ActionItem,
    ActionItemChange,
    Attendance,
    Entry,
    ReviewSeries,
    ReviewSession,
    SessionStatus,
)
from ekkyo.teams.models import Membership

#: Ice-break prompts, one per session in turn (a relaxed start is the point of the session).
ICE_BREAKS = (
    _("What did you ship or learn since the last session?"),
    _("Which dashboard do you open first in the morning, and why?"),
    _("What surprised you in production recently?"),
    _("Which number on these dashboards would a customer care about most?"),
    _("If you could delete one alert, which would it be?"),
    _("What is one small thing that made your week easier?"),
    _("Which part of the system do you understand least? Let's look at it together."),
    _("What would you like to see on our dashboards that isn't there yet?"),
)


class ReviewError(ValueError):
    """A request the data does not allow (e.g. a session for a slot that has one)."""


def _name(user: Any) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def _actor(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- sessions --------------------------------------------------------------------------------


def facilitator_candidates(series: ReviewSeries) -> list[Any]:
    """Members of the series' teams, by username (the rotation's pool)."""
    users = {
        m.user.get_username(): m.user
        for m in Membership.objects.filter(team__in=series.teams.all()).select_related("user")
        if m.user.is_active
    }
    return [users[name] for name in sorted(users)]


def choose_facilitator(series: ReviewSeries, before: datetime) -> Any | None:
    """The next facilitator by rotation: least recently facilitated, ties by username."""
    candidates = facilitator_candidates(series)
    history = [
        name
        for name in ReviewSession.objects.filter(series=series, starts_at__lt=before)
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(facilitator=None)
        .order_by("starts_at", "id")
        .values_list("facilitator__username", flat=True)
    ]
    chosen = next_facilitator([u.get_username() for u in candidates], history)
    return next((u for u in candidates if u.get_username() == chosen), None)


def ice_break_for(series: ReviewSeries, starts_at: datetime, language: str) -> str:
    """A prompt that changes from session to session, in the session's language."""
    # Stable for a given series and slot, so regenerating a session keeps its prompt.
    digest = hashlib.sha256(f"{series.slug}:{starts_at.timestamp():.0f}".encode()).digest()
    with translation.override(language):
        return str(ICE_BREAKS[digest[0] % len(ICE_BREAKS)])


def next_free_slot(series: ReviewSeries, after: datetime) -> datetime | None:
    """The first cadence slot after ``after`` that has no session yet."""
    cadence = series.cadence()
    taken = set(
        ReviewSession.objects.filter(series=series, occurrence_at__gt=after).values_list(
            "occurrence_at", flat=True
        )
    )
    cursor = after
    for _i in range(500):
        found = next_after(cadence, cursor)
        if found is None:
            return None
        if found not in taken:
            return found
        cursor = found
    return None


def create_session(
    series: ReviewSeries,
    *,
    now: datetime,
    starts_at: datetime | None = None,
    actor: Any = None,
) -> ReviewSession:
    """A session for ``starts_at`` (default: the next free slot of the cadence), with its
    facilitator chosen by rotation and its agenda generated."""
    occurrence = None
    if starts_at is None:
        try:
            occurrence = next_free_slot(series, now)
        except CadenceError as exc:
            raise ReviewError(str(exc)) from None
        if occurrence is None:
            raise ReviewError("the cadence has no more sessions; change its RRULE")
        starts_at = occurrence
    session = ReviewSession(
        series=series,
        starts_at=starts_at,
        ends_at=starts_at + series.duration,
        occurrence_at=occurrence,
        language=series.language,
        ice_break=ice_break_for(series, starts_at, series.language),
        created_by=_actor(actor),
        created_at=now,
        updated_at=now,
    )
    if series.rotate_facilitator:
        session.facilitator = choose_facilitator(series, starts_at)
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError:
        raise ReviewError("that slot already has a session") from None
    generate_agenda(session, now)
    return session


def generate_agenda(session: ReviewSession, now: datetime) -> ReviewSession:
    """(Re)generate and save the session's agenda as of ``now``."""
    agenda = collect.build(session, now)
    session.agenda = agenda.as_dict()
    session.agenda_generated_at = now
    session.updated_at = now
    session.save(update_fields=["agenda", "agenda_generated_at", "updated_at"])
    return session


def prepare_sessions(now: datetime, lead: timedelta = timedelta(hours=24)) -> list[ReviewSession]:
    """For the worker: make sure every session starting within ``lead`` exists and has an
    agenda.  Returns the sessions it created or whose agenda it generated.

    Safe to run from several workers: a slot has at most one session (a unique
    constraint), and a second worker's attempt for the same slot is skipped.
    """
    touched: list[ReviewSession] = []
    for series in ReviewSeries.objects.filter(archived=False).prefetch_related("teams"):
        try:
            slot = next_free_slot(series, now)
        except CadenceError:
            continue
        if slot is not None and slot <= now + lead:
            with contextlib.suppress(ReviewError):
                touched.append(create_session(series, now=now, starts_at=None))
    for session in ReviewSession.objects.filter(
        status=SessionStatus.PLANNED,
        agenda_generated_at=None,
        starts_at__gt=now,
        starts_at__lte=now + lead,
    ).select_related("series"):
        touched.append(generate_agenda(session, now))
    return touched


def set_status(session: ReviewSession, status: str, *, now: datetime) -> None:
    session.status = status
    session.updated_at = now
    session.save(update_fields=["status", "updated_at"])


def set_facilitator(session: ReviewSession, user: Any, *, now: datetime) -> None:
    session.facilitator = user
    session.updated_at = now
    session.save(update_fields=["facilitator", "updated_at"])


def team_for(series: ReviewSeries, user: Any) -> Any:
    """The series team ``user`` attends for (their first by name), or ``None`` for guests."""
    membership = (
        Membership.objects.filter(user=user, team__in=series.teams.all())
        .select_related("team")
        .order_by("team__name")
        .first()
    )
    return membership.team if membership else None


@transaction.atomic
def record_attendance(session: ReviewSession, users: Iterable[Any]) -> list[Attendance]:
    """Exactly ``users`` attended (rows for others are removed)."""
    wanted = {u.pk: u for u in users}
    session.attendance.exclude(user_id__in=list(wanted)).delete()
    have = set(session.attendance.values_list("user_id", flat=True))
    for pk, user in wanted.items():
        if pk not in have:
            Attendance.objects.create(
                session=session, user=user, team=team_for(session.series, user)
            )
    return list(session.attendance.select_related("user", "team"))


# --- capture and action items ---------------------------------------------------------------


def add_entry(
    session: ReviewSession,
    *,
    kind: str,
    text: str,
    actor: Any,
    now: datetime,
    topic: str = "",
    slo: Any = None,
) -> Entry:
    return Entry.objects.create(
        session=session,
        kind=kind,
        text=text,
        topic=topic,
        slo=slo,
        author=_actor(actor),
        author_name=_name(actor),
        created_at=now,
    )


def open_item(
    *,
    title: str,
    team: Any,
    actor: Any,
    now: datetime,
    session: ReviewSession | None = None,
    **fields: Any,
) -> ActionItem:
    with transaction.atomic():
        item = ActionItem.objects.create(
            title=title,
            team=team,
            session=session,
            created_by=_actor(actor),
            created_at=now,
            updated_at=now,
            **fields,
        )
        ActionItemChange.objects.create(
            item=item,
            session=session,
            at=now,
            actor=_actor(actor),
            actor_name=_name(actor),
            changes={"status": [None, item.status]},
        )
    return item


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return value.get_username()
    if hasattr(value, "slug"):
        return value.slug
    return value


@transaction.atomic
def change_item(
    item: ActionItem,
    *,
    actor: Any,
    now: datetime,
    session: ReviewSession | None = None,
    **fields: Any,
) -> ActionItemChange | None:
    """Apply ``fields`` and record what changed; closing sets ``closed_at``/``closed_in``.

    Returns ``None`` when nothing changed (so a bulk triage records only real changes).
    """
    changes = {}
    for name, value in fields.items():
        old = getattr(item, name)
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(item, name, value)
    if not changes:
        return None
    if "status" in changes:
        if item.status in CLOSED_STATUSES:
            item.closed_at = now
            item.closed_in = session
        else:
            item.closed_at = None
            item.closed_in = None
    item.updated_at = now
    item.save()
    return ActionItemChange.objects.create(
        item=item,
        session=session,
        at=now,
        actor=_actor(actor),
        actor_name=_name(actor),
        changes=changes,
    )


def users_by_name(names: Iterable[str]) -> dict[str, Any]:
    model = get_user_model()
    return {u.get_username(): u for u in model.objects.filter(username__in=list(names))}

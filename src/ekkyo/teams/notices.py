"""In-app notices to teams, and the small outbox that carries them to Slack and webhooks.

The alerting outbox (:mod:`ekkyo.alerting.outbox`) carries alert transitions only (each
row belongs to an ``AlertTransition`` and holds an ``AlertEvent``), so notices have their
own rows, written the same way and delivered through a seam the worker wires:

* :func:`post` writes a :class:`~ekkyo.teams.models.Notice` (idempotent on its ``key``)
  and, **in the same transaction**, one :class:`~ekkyo.teams.models.NoticeDelivery` per
  enabled Slack or webhook target of its teams (PagerDuty pages people; a notice never
  should);
* :func:`deliver_due` claims each due row with a conditional update, calls
  ``send(target_name, text)`` with the text in the target's language, and marks it sent,
  or retries with back-off (1 min doubling to 1 h) until :data:`GIVE_UP_AFTER`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation

from ekkyo.teams.models import DeliveryStatus, Notice, NoticeDelivery, Team

log = logging.getLogger(__name__)

Send = Callable[[str, str], bool]

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
CLAIM = timedelta(minutes=5)
#: Kinds of targets a notice goes to.
NOTICE_KINDS = ("slack", "webhook")


def texts(render: Callable[[], str]) -> tuple[str, str]:
    """``render()`` in English and in Japanese (it calls gettext inside)."""
    out = []
    for language in ("en", "ja"):
        with translation.override(language):
            out.append(render())
    return out[0], out[1]


def post(
    key: str,
    kind: str,
    teams: Iterable[Team],
    render: Callable[[], str],
    *,
    now: datetime,
    link: str = "",
) -> Notice | None:
    """Write the notice ``key`` once; ``None`` when it exists already."""
    from ekkyo.alerting.models import NotificationTarget

    teams = list(teams)
    if Notice.objects.filter(key=key).exists():
        return None
    text_en, text_ja = texts(render)
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                key=key[:200],
                kind=kind,
                created_at=now,
                text_en=text_en,
                text_ja=text_ja,
                link=link,
            )
            notice.teams.set(teams)
            targets = NotificationTarget.objects.filter(
                team__in=teams, enabled=True, kind__in=NOTICE_KINDS
            ).order_by("id")
            NoticeDelivery.objects.bulk_create(
                NoticeDelivery(
                    notice=notice,
                    target=t,
                    target_name=t.name,
                    language=t.language or "en",
                    next_attempt_at=now,
                )
                for t in targets
            )
    except IntegrityError:
        return None  # another worker wrote the same notice first
    return notice


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


def due(now: datetime, limit: int = 50) -> list[NoticeDelivery]:
    rows = NoticeDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status=DeliveryStatus.QUEUED,
        next_attempt_at__lte=now,
    ).select_related("notice")
    return list(rows.order_by("next_attempt_at", "id")[:limit])


def deliver_due(now: datetime, send: Send, limit: int = 50) -> int:
    """Send the due notice rows; returns how many were sent.

    A row is claimed (``claimed_until``) by a conditional update first, so two workers
    never send it both; a send that fails or raises is tried again after a back-off, and
    a row still unsent :data:`GIVE_UP_AFTER` after its notice is marked failed.
    """
    sent = 0
    for row in due(now, limit):
        claimed = NoticeDelivery.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            pk=row.pk,
            status=DeliveryStatus.QUEUED,
            attempts=row.attempts,
        ).update(claimed_until=now + CLAIM, attempts=row.attempts + 1)
        if claimed != 1:
            continue
        attempts = row.attempts + 1
        error = ""
        try:
            ok = bool(send(row.target_name, row.notice.text(row.language)))
        except Exception as exc:  # one broken target must not stop the others
            log.exception("teams: notice %s to %s failed", row.notice_id, row.target_name)
            ok, error = False, type(exc).__name__
        mine = NoticeDelivery.objects.filter(pk=row.pk, attempts=attempts)
        if ok:
            mine.update(status=DeliveryStatus.SENT, sent_at=now, claimed_until=None, last_error="")
            sent += 1
            continue
        retry_at = now + backoff(attempts)
        if retry_at > row.notice.created_at + GIVE_UP_AFTER:
            mine.update(
                status=DeliveryStatus.FAILED,
                claimed_until=None,
                last_error=f"gave up after {attempts} attempts {error}".strip(),
            )
        else:
            mine.update(next_attempt_at=retry_at, claimed_until=None, last_error=error or "failed")
    return sent


def for_team(team: Team, limit: int = 10) -> list[Notice]:
    return list(team.notices.order_by("-created_at", "-id")[:limit])

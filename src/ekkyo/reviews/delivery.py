"""The agenda as a message to the series' notification target, and the seam to send it.

The alerting outbox (:mod:`ekkyo.alerting.outbox`) delivers alert transitions only, so
agendas have their own small contract for the worker:

* :func:`agendas_due` — planned sessions starting within ``lead`` whose agenda is ready,
  not yet sent, and whose series names a notification target;
* :func:`agenda_message` — the text, in the session's language;
* :func:`deliver_agendas` — claims each session, calls ``send(target_name, text)`` and
  keeps it marked sent when that returns ``True`` (a failed send is tried again next tick).

The worker wires ``send`` to the target's Slack or webhook sender.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ekkyo.reviews.cadence import zone
from ekkyo.reviews.models import ReviewSession, SessionStatus
from ekkyo.reviews.templatetags.reviews_tags import budget_share, section_titles

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://localhost:8000"
DEFAULT_LEAD = timedelta(hours=24)
#: Entries named per section in a message; the page has the rest.
MESSAGE_ENTRIES = 3

Send = Callable[[str, str], bool]


def session_url(session: ReviewSession) -> str:
    base = getattr(settings, "EKKYO_BASE_URL", "") or DEFAULT_BASE_URL
    return base.rstrip("/") + reverse("reviews:session", args=[session.pk])


def _entry_text(kind: str, entry: dict[str, object]) -> str:
    name = str(entry.get("display_name") or entry.get("slo") or entry.get("title") or "")
    if kind == "burned":
        return _("%(name)s: burned %(share)s of the budget") % {
            "name": name,
            "share": budget_share(entry.get("burned")),  # type: ignore[arg-type]
        }
    if kind == "at_risk":
        return _("%(name)s: %(share)s of the budget left") % {
            "name": name,
            "share": budget_share(entry.get("remaining_ratio")),  # type: ignore[arg-type]
        }
    if kind == "maintenance":
        return str(entry.get("scope") or "")
    return name


def agenda_message(session: ReviewSession) -> str:
    """Plain text for Slack or a webhook: when, who facilitates, what is on the agenda."""
    series = session.series
    local = session.starts_at.astimezone(zone(series.time_zone))
    titles = section_titles_in(session.language)
    with translation.override(session.language):
        lines = [
            _("Dashboard review: %(name)s, %(when)s (%(zone)s)")
            % {"name": series.name, "when": f"{local:%Y-%m-%d %H:%M}", "zone": series.time_zone},
            _("Facilitator: %(name)s")
            % {
                "name": session.facilitator.get_username()
                if session.facilitator
                else _("nobody yet")
            },
        ]
        if session.ice_break:
            lines.append(_("Ice-break: %(prompt)s") % {"prompt": session.ice_break})
        for section in session.agenda.get("sections") or []:
            kind = str(section.get("kind"))
            entries = section.get("entries") or []
            if not entries:
                continue
            lines.append(f"• {titles.get(kind, kind)}: {len(entries)}")
            lines += [f"    – {_entry_text(kind, e)}" for e in entries[:MESSAGE_ENTRIES]]
        lines.append(session_url(session))
    return "\n".join(lines)


def section_titles_in(language: str) -> dict[str, str]:
    with translation.override(language):
        return section_titles()


def agendas_due(now: datetime, lead: timedelta = DEFAULT_LEAD) -> list[ReviewSession]:
    return list(
        ReviewSession.objects.filter(
            status=SessionStatus.PLANNED,
            agenda_sent_at=None,
            agenda_generated_at__isnull=False,
            starts_at__gt=now,
            starts_at__lte=now + lead,
        )
        .exclude(series__notification_target="")
        .select_related("series", "facilitator")
        .order_by("starts_at", "id")
    )


def deliver_agendas(now: datetime, send: Send, lead: timedelta = DEFAULT_LEAD) -> int:
    """Send each due agenda; returns how many were sent.

    A session is claimed (``agenda_sent_at`` set by a conditional update) before it is
    sent, so two workers never send the same agenda; a failed send releases the claim
    and the next tick tries again.
    """
    sent = 0
    for session in agendas_due(now, lead):
        rows = ReviewSession.objects.filter(pk=session.pk, agenda_sent_at=None)
        if not rows.update(agenda_sent_at=now):
            continue
        try:
            ok = send(session.series.notification_target, agenda_message(session))
        except Exception:
            # One broken target must not stop the others' agendas.
            log.exception("reviews: sending the agenda of session %s failed", session.pk)
            ok = False
        if ok:
            sent += 1
        else:
            ReviewSession.objects.filter(pk=session.pk).update(agenda_sent_at=None)
    return sent

"""Tell the owning team when an SLO's SLI data stops arriving, and when it is back.

A burn-rate rule needs data to fire: an SLO whose Prometheus or New Relic source fails
shows "no data: source unreachable since …" on its page, but nobody is told.  Each tick
the worker calls :func:`update` with the failures of the pulled SLOs it holds:

* a source failing for :data:`AFTER` or longer, with no open episode, opens a
  :class:`~ekkyo.alerting.models.DataMissingAlert` and queues a ``firing``
  :class:`~ekkyo.notify.missing.DataMissingEvent` for the SLO's ``ticket`` targets (routed
  like a ticket alert: trial channels, OpenSLO policy, or the team's targets), in one
  transaction;
* an open episode whose source answers again (or whose SLO is no longer pulled, or
  retired) is resolved, and a ``resolved`` message queued for exactly the targets that
  got the ``firing`` one, in their language.

Draft and retired SLOs, and SLOs under a silence, open no episode (a silenced one opens
it when the silence ends, if the source still fails).  A partial unique index allows one
open episode per SLO and the resolve is a conditional update, so two workers can never
announce the same change twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from ekkyo.alerting import routing, silences
from ekkyo.alerting.models import DataMissingAlert, Notification, NotificationTarget
from ekkyo.alerting.state import GIVE_UP_AFTER, QUIET_LIFECYCLES, slo_url
from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.engine.result import iso_utc
from ekkyo.notify.missing import DataMissingEvent

log = logging.getLogger(__name__)

#: How long a source must fail before its team is told: a blip, or a source restarting,
#: is no news (the SLO page shows it at once).
AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Failure:
    """A pulled source failing for one SLO: since when, and its last message."""

    since: datetime
    error: str


@dataclass
class Changes:
    opened: list[DataMissingAlert] = dataclasses.field(default_factory=list)
    resolved: list[DataMissingAlert] = dataclasses.field(default_factory=list)


def _iso(moment: datetime) -> str:
    return iso_utc(int(moment.timestamp()))


def update(
    owner: str,
    failing: Mapping[int, Failure],
    now: datetime,
    *,
    after: timedelta = AFTER,
) -> Changes:
    """Open and resolve the data-missing episodes of the SLOs ``owner`` (a worker) holds.

    ``failing`` holds the source failures of its pulled SLOs, by SLO id.
    """
    changes = Changes()
    open_rows = {
        a.slo_id: a
        for a in DataMissingAlert.objects.filter(resolved_at__isnull=True).select_related(
            "slo__service__team"
        )
    }
    for slo_id, alert in open_rows.items():
        retired = alert.slo.lifecycle == Lifecycle.RETIRED
        recovered = alert.slo.lease_owner == owner and slo_id not in failing
        if (retired or recovered) and _resolve(alert, now):
            changes.resolved.append(alert)
    due = [
        slo_id
        for slo_id, failure in failing.items()
        if slo_id not in open_rows and now - failure.since >= after
    ]
    if not due:
        return changes
    slos = SLO.objects.select_related("service__team").in_bulk(due)
    for slo_id in due:
        slo = slos.get(slo_id)
        if slo is None or slo.lifecycle in QUIET_LIFECYCLES or silences.is_muted(slo, now):
            continue
        opened = _open(slo, failing[slo_id], now)
        if opened is not None:
            changes.opened.append(opened)
    return changes


def _event(slo: SLO, state: str, since: datetime, error: str, now: datetime) -> DataMissingEvent:
    return DataMissingEvent(
        slo=slo.name,
        slo_display_name=slo.display_name or slo.name,
        service=slo.service.name,
        team=slo.service.team.name or slo.service.team.slug,
        state=state,  # type: ignore[arg-type]
        since=_iso(since),
        occurred_at=_iso(max(now, since)),
        error=error,
        slo_url=slo_url(slo),
        trial=slo.lifecycle == Lifecycle.TRIAL,
    )


def _row(
    alert: DataMissingAlert, target: NotificationTarget, event: DataMissingEvent, now: datetime
) -> Notification:
    return Notification(
        data_alert=alert,
        target=target,
        target_name=target.name,
        dedup_key=event.dedup_key,
        state=event.state,
        event=event.to_dict(),
        created_at=now,
        next_attempt_at=now,
        give_up_at=now + GIVE_UP_AFTER,
    )


def _open(slo: SLO, failure: Failure, now: datetime) -> DataMissingAlert | None:
    event = _event(slo, "firing", failure.since, failure.error, now)
    targets = routing.targets_for(slo, "ticket", "firing", routing.slo_config(slo))
    try:
        with transaction.atomic():
            alert = DataMissingAlert.objects.create(
                slo=slo, failing_since=failure.since, fired_at=now, error=failure.error
            )
            Notification.objects.bulk_create(
                _row(alert, t, dataclasses.replace(event, language=t.language), now)  # type: ignore[arg-type]
                for t in targets
            )
    except IntegrityError:  # another worker opened it first
        log.info("data-missing alert of %s: already open", slo.name)
        return None
    log.warning(
        "SLO %s: no SLI data since %s; told %d targets", slo.name, event.since, len(targets)
    )
    return alert


def _resolve(alert: DataMissingAlert, now: datetime) -> bool:
    with transaction.atomic():
        # Conditional: of two workers resolving the same episode, one changes the row.
        if not DataMissingAlert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=now
        ):
            return False
        heard = Notification.objects.filter(
            data_alert=alert, state="firing", target__isnull=False
        ).select_related("target")
        rows = []
        for n in heard:
            assert n.target is not None
            told = DataMissingEvent.from_dict(n.event)
            resolve = dataclasses.replace(told, state="resolved", occurred_at=_iso(now))
            rows.append(_row(alert, n.target, resolve, now))
        Notification.objects.bulk_create(rows)
    alert.resolved_at = now
    log.info("SLO %s: SLI data arrives again; told %d targets", alert.slo.name, len(rows))
    return True

"""Deliver the outbox: :func:`deliver_due` sends due notifications and records each attempt.

The worker calls it every tick with one long-lived ``httpx.Client``.  Guarantees
(docs/alerting.md, "Delivery"):

* **One row per change and target**, written with the change (``state.process``), so a
  crash loses nothing: whatever was committed is delivered by the next worker.
* **Claimed before sending** by a conditional ``UPDATE … WHERE id = … AND status = … AND
  attempts = …`` and a row count of 1, so two workers never send the same row.  A claim is
  a lease: a worker that dies mid-send leaves a row that is claimed again once its lease
  has expired (such a row may then reach the receiver twice, with the same PagerDuty
  ``dedup_key`` / webhook ``id``, which receivers use to drop the duplicate).
* **In order per dedup key and target**: a row waits while an earlier one for the same
  alert and target is unfinished, so a resolve never overtakes its trigger.
* **Retries with exponential back-off** (10 s doubling up to 10 min, or the receiver's
  ``Retry-After`` when longer) for retryable failures; a row still undelivered
  :data:`~ekkyo.alerting.state.GIVE_UP_AFTER` after its change is marked failed.
  Non-retryable answers (a 400 from PagerDuty, a 404 from a deleted Slack webhook) fail
  at once.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta

import httpx
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from ekkyo.alerting.models import (
    UNFINISHED,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)
from ekkyo.alerting.routing import TargetError, build_target
from ekkyo.notify import DEFAULT_TIMEOUT, DeliveryResult, event_from_dict, redact, send

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(minutes=10)
#: A ``Retry-After`` longer than this is capped: a receiver must not park an alert for days.
RETRY_AFTER_MAX = timedelta(hours=1)
#: How long a claim lasts; far above a send's timeouts (5 s connect + 10 s read).
CLAIM_LEASE = timedelta(minutes=5)
DEFAULT_BATCH = 50


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int, retry_after_s: float | None = None) -> timedelta:
    """The wait before attempt ``attempts + 1``: 10 s, 20 s, 40 s … up to 10 min."""
    delay = min(BACKOFF_MAX, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    if retry_after_s is not None:
        delay = max(delay, min(RETRY_AFTER_MAX, timedelta(seconds=retry_after_s)))
    return delay


def due(now: datetime, limit: int = DEFAULT_BATCH) -> list[Notification]:
    """Rows that may be sent at ``now``, oldest first, none behind an unfinished earlier one."""
    earlier = Notification.objects.filter(
        target_id=OuterRef("target_id"),
        dedup_key=OuterRef("dedup_key"),
        id__lt=OuterRef("id"),
        status__in=UNFINISHED,
    )
    rows = (
        Notification.objects.filter(
            Q(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
            | Q(status=NotificationStatus.SENDING, claim_expires_at__lte=now),
            target__isnull=False,
        )
        .exclude(Exists(earlier))
        .select_related("target")
        .order_by("next_attempt_at", "id")
    )
    return list(rows[:limit])


def claim(row: Notification, worker: str, now: datetime) -> bool:
    """Take ``row`` for this worker; False when another worker took it first."""
    taken = Notification.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=NotificationStatus.SENDING,
        claimed_by=worker,
        claim_expires_at=now + CLAIM_LEASE,
        attempts=row.attempts + 1,
    )
    if taken == 1:
        row.status = NotificationStatus.SENDING
        row.claimed_by = worker
        row.attempts += 1
    return taken == 1


def _cancel_orphans() -> None:
    # A target deleted after its rows were written: nobody to send them to.
    Notification.objects.filter(status__in=UNFINISHED, target__isnull=True).update(
        status=NotificationStatus.CANCELLED, last_error="the target was deleted"
    )


def _attempt(
    row: Notification,
    client: httpx.Client,
    now: datetime,
    timeout: httpx.Timeout | float,
) -> tuple[DeliveryResult, tuple[str, ...]]:
    """Send one claimed row once; never raises for the receiver's or the config's faults."""
    target_row = row.target
    assert target_row is not None
    try:
        target = build_target(target_row)
    except TargetError as exc:
        # Retryable: an operator may fix the environment or the target meanwhile.
        return DeliveryResult(False, None, True, f"target misconfigured: {exc}"), ()
    try:
        event = event_from_dict(row.event)
    except ValueError as exc:
        return DeliveryResult(False, None, False, f"unreadable event: {exc}"), ()
    result = send(target, event, now=now.timestamp(), client=client, timeout=timeout)
    return result, target.secret_strings()


def _finish(
    row: Notification,
    worker: str,
    now: datetime,
    result: DeliveryResult,
    secrets: tuple[str, ...],
    elapsed_ms: int,
) -> str:
    error = redact(result.error or "", secrets)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            notification=row,
            at=now,
            worker=worker,
            ok=result.ok,
            retryable=result.retryable,
            status_code=result.status_code,
            error=error,
            elapsed_ms=elapsed_ms,
        )
        mine = Notification.objects.filter(
            pk=row.pk, claimed_by=worker, status=NotificationStatus.SENDING
        )
        if result.ok:
            status = NotificationStatus.SENT
            mine.update(status=status, sent_at=now, claim_expires_at=None, last_error="")
            return status
        retry_at = now + backoff(row.attempts, result.retry_after_s)
        if result.retryable and retry_at <= row.give_up_at:
            status = NotificationStatus.QUEUED
            mine.update(
                status=status, next_attempt_at=retry_at, claim_expires_at=None, last_error=error
            )
            return status
        why = error if not result.retryable else f"gave up after {row.attempts} attempts: {error}"
        status = NotificationStatus.FAILED
        mine.update(status=status, claim_expires_at=None, last_error=why)
        log.warning("alerting: notification %s to %s failed: %s", row.pk, row.target_name, why)
        return status


def deliver_due(
    now: datetime,
    client: httpx.Client,
    *,
    limit: int = DEFAULT_BATCH,
    worker: str | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
) -> bool:
    """Send up to ``limit`` due notifications; True when there was work.

    Rounds repeat while they send something, so a resolve queued behind its trigger goes
    out in the same call.  After a retryable failure the other rows of that target wait
    for the next call: a receiver that is down costs one timeout per call, not one per
    queued message.  After a success, the target's rows waiting out a back-off are due at
    once: a receiver that is back gets its backlog now, not when each back-off ends.
    """
    worker = worker or default_worker_id()
    _cancel_orphans()
    found = False
    failing: set[int] = set()
    recovered: set[int] = set()
    budget = limit
    while budget > 0:
        progressed = False
        for row in due(now, budget):
            if row.target_id in failing:
                continue
            target = row.target
            assert target is not None
            if not target.enabled:
                Notification.objects.filter(pk=row.pk, status=row.status).update(
                    status=NotificationStatus.CANCELLED, last_error="the target is disabled"
                )
                found = progressed = True
                continue
            if not claim(row, worker, now):
                continue
            found = progressed = True
            budget -= 1
            started = time.monotonic()
            result, secrets = _attempt(row, client, now, timeout)
            elapsed_ms = int((time.monotonic() - started) * 1000)
            status = _finish(row, worker, now, result, secrets, elapsed_ms)
            assert row.target_id is not None
            if status == NotificationStatus.SENT and row.target_id not in recovered:
                # The receiver answers again: its backlog need not sit out its back-off.
                recovered.add(row.target_id)
                Notification.objects.filter(
                    target_id=row.target_id,
                    status=NotificationStatus.QUEUED,
                    next_attempt_at__gt=now,
                ).update(next_attempt_at=now)
            elif status != NotificationStatus.SENT and result.retryable:
                failing.add(row.target_id)
        if not progressed:
            break
    return found

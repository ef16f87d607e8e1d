"""Shared pieces of the in-process fault tests: a worker with the alert steps, targets."""

from __future__ import annotations

from typing import Any

import httpx

from ekkyo.alerting.models import NotificationTarget
from ekkyo.worker.extras import AlertStep, DataMissingStep, DeliverStep
from ekkyo.worker.tick import Settings, Worker
from tests.notify.fake_receivers import FakeReceiver
from tests.worker.helpers import T0, at, team

__all__ = ["T0", "at", "targets", "worker_with_alerts"]


def worker_with_alerts(client: httpx.Client, env: dict[str, str] | None = None) -> Worker:
    """A worker (no delay, clock pinned at T0 unless a tick says otherwise) that also
    advances alerts, watches for missing data and delivers the outbox, as ``ekkyo worker``
    does (without ``Every``: each tick runs every step)."""
    steps: list[tuple[str, Any]] = [
        ("alerts", AlertStep()),
        ("data_missing", DataMissingStep()),
        ("notify", DeliverStep(client)),
    ]
    return Worker(
        Settings(name="w1", delay_s=0), clock=lambda: at(T0), env=env or {}, extra_steps=steps
    )


def targets(tickets: FakeReceiver, pages: FakeReceiver) -> None:
    """The team's ticket webhook, and a PagerDuty service that takes only pages."""
    NotificationTarget.objects.create(
        name="shop-tickets",
        team=team(),
        kind="webhook",
        severities=["ticket"],
        url=tickets.url + "/hook",
        hmac_secret="hook-secret",
    )
    NotificationTarget.objects.create(
        name="shop-oncall",
        team=team(),
        kind="pagerduty",
        severities=["page"],
        routing_key="R0UTINGKEY0123456789",
        endpoint=pages.url + "/v2/enqueue",
    )

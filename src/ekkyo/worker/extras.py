"""The steps a worker tick runs after evaluating: alerts, notifications, review agendas,
error budget policies, scorecard snapshots and team interaction reminders.

Each step is a callable taking the tick's report and returning whether it found work,
like the built-in steps of :class:`ekkyo.worker.tick.Worker`; one failing step is logged
and never stops the tick or the other steps.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Sequence

import httpx

from ekkyo.worker.tick import Step, TickReport

log = logging.getLogger("ekkyo.worker")

OPEN = ("pending", "firing")


class AlertStep:
    """Advance alert states for objectives that breach a rule or have an open alert.

    Most objectives burn slowly most of the time: only those whose result names a firing
    rule, or whose alert is still open (it may resolve now), go through the transactional
    state machine, so a tick of 10,000 quiet SLOs costs one set lookup each.
    """

    def __init__(self) -> None:
        self.open: set[tuple[int, int]] | None = None

    def __call__(self, report: TickReport) -> bool:
        try:
            return self._step(report)
        except BaseException:
            # Stopped half-way (the database went away): which alerts are open is read
            # again next time, or an alert committed just now might never resolve.
            self.open = None
            raise

    def _step(self, report: TickReport) -> bool:
        from ekkyo.alerting.models import AlertState
        from ekkyo.alerting.state import process
        from ekkyo.catalog.models import SLO

        outcome = report.outcome
        if outcome is None:
            return False
        if self.open is None:
            self.open = set(
                AlertState.objects.filter(status__in=OPEN).values_list("slo_id", "objective_index")
            )
        work = [
            (slo_id, r)
            for slo_id in report.evaluated
            for r in outcome.results.get(slo_id, ())
            if r.result.get("alerts") or (slo_id, r.index) in self.open
        ]
        if not work:
            return False
        slos = SLO.objects.select_related("service__team").in_bulk({s for s, _ in work})
        for slo_id, r in work:
            try:
                process(slos[slo_id], r.index, r.name, r.result, report.at)
            except Exception:  # one SLO's alerting never stops the others'
                log.exception("alerting failed for SLO %s", slos[slo_id].name)
                continue
            still_open = AlertState.objects.filter(
                slo_id=slo_id, objective_index=r.index, status__in=OPEN
            ).exists()
            key = (slo_id, r.index)
            if still_open:
                self.open.add(key)
            else:
                self.open.discard(key)
        return True


class DataMissingStep:
    """Tell the owning team when a pulled SLO's source has failed for ``after`` (10 min),
    and again when its data arrives (:mod:`ekkyo.alerting.missing`)."""

    def __init__(self, after: dt.timedelta | None = None) -> None:
        self.after = after

    def __call__(self, report: TickReport) -> bool:
        from ekkyo.alerting import missing
        from ekkyo.worker.models import PullState
        from ekkyo.worker.pulls import PULLED_TYPES

        rows = PullState.objects.filter(
            failing_since__isnull=False,
            slo__lease_owner=report.owner,
            slo__source_type__in=PULLED_TYPES,
        ).values_list("slo_id", "failing_since", "last_error")
        failing = {slo_id: missing.Failure(since, error) for slo_id, since, error in rows}
        after = self.after if self.after is not None else missing.AFTER
        changes = missing.update(report.owner, failing, report.now, after=after)
        return bool(changes.opened or changes.resolved)


class DeliverStep:
    """Send due notifications from the outbox over one long-lived HTTP client."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __call__(self, report: TickReport) -> bool:
        from ekkyo.alerting.outbox import deliver_due

        return deliver_due(report.now, self.client)


class Every:
    """Run ``step`` at most once per ``seconds`` (periodic work that need not run per tick)."""

    def __init__(self, seconds: float, step: Step, clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.step = step
        self.clock = clock
        self.last: float | None = None

    def __call__(self, report: TickReport) -> bool:
        now = self.clock()
        if self.last is not None and now - self.last < self.seconds:
            return False
        self.last = now
        return self.step(report)


def send_text(client: httpx.Client, target_name: str, text: str, now: float) -> bool:
    """Post plain text (a review agenda) to a named Slack or webhook target."""
    from ekkyo.alerting.models import NotificationTarget
    from ekkyo.alerting.routing import build_target
    from ekkyo.notify.signing import SIGNATURE_HEADER, sign
    from ekkyo.notify.targets import SlackTarget, WebhookTarget

    row = NotificationTarget.objects.filter(name=target_name).first()
    if row is None:
        log.warning("review agenda: no notification target named %r", target_name)
        return False
    target = build_target(row)
    try:
        if isinstance(target, SlackTarget):
            response = client.post(target.webhook_url, json={"text": text})
        elif isinstance(target, WebhookTarget):
            body = json.dumps({"version": 1, "kind": "review_agenda", "text": text}).encode()
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(target.secret, body, int(now)),
            }
            response = client.post(target.url, content=body, headers=headers)
        else:
            log.warning("review agenda: target %r cannot take text messages", target_name)
            return False
    except httpx.HTTPError as exc:  # the message names the type only: URLs hold secrets
        log.warning("review agenda to %r failed: %s", target_name, type(exc).__name__)
        return False
    return response.is_success


def reviews_step(client: httpx.Client) -> Step:
    def step(report: TickReport) -> bool:
        from ekkyo.reviews.delivery import deliver_agendas
        from ekkyo.reviews.services import prepare_sessions

        prepared = prepare_sessions(report.now)
        sent = deliver_agendas(
            report.now,
            lambda name, text: send_text(client, name, text, report.now.timestamp()),
        )
        return bool(prepared) or sent > 0

    return step


def guarded(name: str, step: Step) -> Step:
    def run(report: TickReport) -> bool:
        try:
            return step(report)
        except Exception:
            log.exception("worker step %s failed; the tick goes on", name)
            return False

    return run


def org_step(client: httpx.Client) -> Step:
    """Error budget policies, scorecard snapshots, interaction reminders and their notices."""

    def step(report: TickReport) -> bool:
        from ekkyo.policies.steps import evaluate_step
        from ekkyo.teams.notices import deliver_due
        from ekkyo.teams.steps import reminder_step, snapshot_step

        now = report.now
        found = [evaluate_step(now), snapshot_step(now), reminder_step(now)]
        sent = deliver_due(now, lambda name, text: send_text(client, name, text, now.timestamp()))
        return any(found) or sent > 0

    return step


def default_steps(client: httpx.Client) -> Sequence[tuple[str, Step]]:
    steps: list[tuple[str, Step]] = [
        ("alerts", AlertStep()),
        ("data_missing", Every(30, DataMissingStep())),
        ("notify", DeliverStep(client)),
        ("reviews", Every(60, reviews_step(client))),
        ("org", Every(60, org_step(client))),
    ]
    return [(name, guarded(name, step)) for name, step in steps]

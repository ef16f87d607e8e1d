"""The worker's seam for alert state: :func:`process` one objective's result each tick.

For each of the four rules it runs :func:`ekkyo.engine.alertstate.step` on the stored
:class:`~ekkyo.alerting.models.AlertState` and, in **one transaction**, saves the new
state, an :class:`~ekkyo.alerting.models.AlertTransition` per change, an alert
:class:`~ekkyo.alerting.models.Annotation`, and the outbox rows
(:class:`~ekkyo.alerting.models.Notification`) of every change people should hear of.
Nothing is sent here: :func:`ekkyo.alerting.outbox.deliver_due` does that.

The worker leases an SLO before evaluating it, so one SLO is processed by one worker at a
time; rows are still read ``FOR UPDATE`` for PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from ekkyo import engine
from ekkyo.alerting import routing, silences
from ekkyo.alerting.config import AlertingConfig
from ekkyo.alerting.models import (
    AlertState,
    AlertTransition,
    Annotation,
    AnnotationKind,
    Notification,
    NotificationTarget,
    TransitionKind,
)
from ekkyo.catalog.models import SLO, Lifecycle
from ekkyo.engine.alertstate import RuleInput, RuleState, Transition, step, window_events
from ekkyo.engine.burn import ALERT_RULES, BURN_WINDOWS, AlertRule
from ekkyo.engine.result import iso_utc
from ekkyo.notify import AlertEvent, BurnRule

log = logging.getLogger(__name__)

#: A notification not delivered this long after its change is given up (docs/alerting.md).
GIVE_UP_AFTER = timedelta(hours=6)
DEFAULT_BASE_URL = "http://localhost:8000"
#: Lifecycles whose alerts are tracked but announced to no one.
QUIET_LIFECYCLES = (Lifecycle.DRAFT, Lifecycle.RETIRED)


@dataclass(frozen=True)
class Facts:
    """What alerting needs of a result: an engine ``Result`` or its SLO_MATH.md dict."""

    target: float
    length_s: int
    burn_rates: Mapping[str, float | None]
    firing: frozenset[tuple[str, str]]
    factors: Mapping[tuple[str, str], float]
    sli: float | None
    budget_remaining: float | None

    @classmethod
    def of(cls, result: engine.Result | Mapping[str, Any]) -> Facts:
        if isinstance(result, engine.Result):
            alerts = [(a.long_window, a.short_window, a.factor) for a in result.alerts]
            return cls(
                target=result.target,
                length_s=result.length_s,
                burn_rates=dict(result.burn_rates),
                firing=frozenset((lw, sw) for lw, sw, _ in alerts),
                factors={(lw, sw): f for lw, sw, f in alerts},
                sli=result.sli,
                budget_remaining=result.remaining_ratio,
            )
        alerts = [(a["long_window"], a["short_window"], a["factor"]) for a in result["alerts"]]
        return cls(
            target=float(result["target"]),
            length_s=int(result["window"]["length_s"]),
            burn_rates=dict(result["burn_rates"]),
            firing=frozenset((lw, sw) for lw, sw, _ in alerts),
            factors={(lw, sw): float(f) for lw, sw, f in alerts},
            sli=result.get("sli"),
            budget_remaining=(result.get("error_budget") or {}).get("remaining_ratio"),
        )

    def factor(self, rule: AlertRule) -> float:
        key = (rule.long_window, rule.short_window)
        return self.factors.get(key) or rule.factor(self.length_s)

    def rule_input(self, rule: AlertRule, events: Mapping[str, float | None] | None) -> RuleInput:
        return RuleInput(
            breaching=(rule.long_window, rule.short_window) in self.firing,
            long_burn=self.burn_rates.get(rule.long_window),
            short_burn=self.burn_rates.get(rule.short_window),
            long_events=None if events is None else events.get(rule.long_window),
        )


def _seconds(now: datetime | int) -> int:
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        return int(now.timestamp())
    return int(now)


def _dt(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _s(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def slo_url(slo: SLO) -> str:
    base = getattr(settings, "EKKYO_BASE_URL", "") or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/slos/{slo.name}"


def _rule_state(row: AlertState | None) -> RuleState:
    if row is None:
        return RuleState()
    return RuleState(
        status=row.status,  # type: ignore[arg-type]
        started_at=_s(row.started_at),
        firing_at=_s(row.firing_at),
        ended_at=_s(row.ended_at),
        evaluated_at=_s(row.evaluated_at),
        announced=row.announced,
        firing_announced=row.firing_announced,
        peak_long_burn=row.peak_long_burn_rate,
        peak_short_burn=row.peak_short_burn_rate,
    )


def _store(row: AlertState, state: RuleState) -> None:
    row.status = state.status
    row.started_at = _dt(state.started_at)
    row.firing_at = _dt(state.firing_at)
    row.ended_at = _dt(state.ended_at)
    row.evaluated_at = _dt(state.evaluated_at)
    row.announced = state.announced
    row.firing_announced = state.firing_announced
    row.peak_long_burn_rate = state.peak_long_burn
    row.peak_short_burn_rate = state.peak_short_burn


def _store_events(slo: SLO, objective_index: int, at: int) -> dict[str, float] | None:
    """Events per burn window read from the bucket store (for the minimum-events guard)."""
    from ekkyo import toolkit
    from ekkyo.series.objectives import layout_of
    from ekkyo.series.store import read_series

    try:
        objective = toolkit.objectives_of_document(slo.spec)[objective_index].objective
        key = layout_of(slo.spec).resolve(objective_index)
        longest = max(BURN_WINDOWS.values())
        buckets = read_series(slo.pk, key, at - longest, at)
        series = engine.densify(buckets, start=at - longest, end=at)
        return window_events(series, objective, at)
    except Exception:  # the guard is a refinement: never let it stop alerting
        log.exception("alerting: SLO %s: cannot count events for min-events", slo.name)
        return None


def process(
    slo: SLO,
    objective_index: int,
    objective_name: str,
    result: engine.Result | Mapping[str, Any],
    now: datetime | int,
    *,
    events: Mapping[str, float | None] | None = None,
    config: AlertingConfig | None = None,
) -> list[AlertTransition]:
    """Advance the alert state of one objective to ``now``; returns the changes recorded.

    ``result`` is the engine's result at ``now`` (or its SLO_MATH.md dict, as
    ``SLOStatus.result`` holds it).  ``events`` maps burn windows to event counts
    (:func:`ekkyo.engine.alertstate.window_events`); without it, the minimum-events guard
    reads them from the bucket store when it matters (a rule breaching, a guard set).
    Calling again with the same or an earlier ``now`` records nothing.
    """
    at = _seconds(now)
    facts = Facts.of(result)
    config = config or routing.slo_config(slo)
    muted = slo.lifecycle in QUIET_LIFECYCLES or silences.is_muted(slo, at)
    guarded = any(config.settings_for(r.severity).min_events > 0 for r in ALERT_RULES)
    if events is None and guarded and facts.firing:
        events = _store_events(slo, objective_index, at)

    recorded: list[AlertTransition] = []
    with transaction.atomic():
        rows = {
            (r.long_window, r.short_window): r
            for r in AlertState.objects.select_for_update().filter(
                slo=slo, objective_index=objective_index
            )
        }
        for rule in ALERT_RULES:
            row = rows.get((rule.long_window, rule.short_window))
            old = _rule_state(row)
            settings_ = config.settings_for(rule.severity)
            new, transitions = step(old, facts.rule_input(rule, events), settings_, at, muted=muted)
            unchanged = dataclasses.replace(new, evaluated_at=old.evaluated_at) == old
            if unchanged and not transitions:
                continue
            if row is None:
                row = AlertState(
                    slo=slo,
                    objective_index=objective_index,
                    severity=rule.severity,
                    long_window=rule.long_window,
                    short_window=rule.short_window,
                )
            row.objective = objective_name
            if not old.open and new.open:
                row.episode += 1
            _store(row, new)
            row.save()
            for transition in transitions:
                recorded.append(
                    _record(slo, row, rule, transition, facts, config, muted, objective_name)
                )
    return recorded


def _event(
    slo: SLO, row: AlertState, rule: AlertRule, t: Transition, facts: Facts, objective: str
) -> AlertEvent:
    return AlertEvent(
        slo=slo.name,
        slo_display_name=slo.display_name or slo.name,
        service=slo.service.name,
        team=slo.service.team.name or slo.service.team.slug,
        objective=objective,
        target=facts.target,
        severity=routing.effective_severity(slo, rule.severity),  # type: ignore[arg-type]
        rule=BurnRule(rule.long_window, rule.short_window, facts.factor(rule)),
        state=t.kind,
        burn_rates=facts.burn_rates,
        sli=facts.sli,
        budget_remaining=facts.budget_remaining,
        started_at=iso_utc(t.started_at),
        occurred_at=iso_utc(t.at),
        slo_url=slo_url(slo),
        trial=slo.lifecycle == Lifecycle.TRIAL,
    )


def _record(
    slo: SLO,
    row: AlertState,
    rule: AlertRule,
    t: Transition,
    facts: Facts,
    config: AlertingConfig,
    muted: bool,
    objective: str,
) -> AlertTransition:
    event = _event(slo, row, rule, t, facts, objective)
    when = _dt(t.at)
    assert when is not None
    transition = AlertTransition.objects.create(
        state=row,
        slo=slo,
        episode=row.episode,
        kind=t.kind,
        at=when,
        started_at=_dt(t.started_at),
        objective=objective,
        severity=rule.severity,
        effective_severity=event.severity,
        long_window=rule.long_window,
        short_window=rule.short_window,
        factor=event.rule.factor,
        burn_rates=dict(facts.burn_rates),
        sli=facts.sli,
        budget_remaining=facts.budget_remaining,
        trial=event.trial,
        muted=muted,
        notify=t.notify,
        unmuted=t.unmuted,
        was_firing=t.was_firing,
        dedup_key=event.dedup_key,
        event=event.to_dict(),
    )
    _annotate(slo, row, rule, t, event)
    if t.notify:
        if t.kind == TransitionKind.RESOLVED:
            _enqueue_resolves(row, transition, event, when)
        else:
            targets = routing.targets_for(slo, rule.severity, t.kind, config)
            _enqueue(transition, [(target, event) for target in targets], when)
    return transition


def _annotate(slo: SLO, row: AlertState, rule: AlertRule, t: Transition, event: AlertEvent) -> None:
    """One alert annotation per firing episode: created when it fires, closed on resolve."""
    key = {"alert_state": row.pk, "episode": row.episode}
    if t.kind == TransitionKind.FIRING and not t.unmuted:
        long_b, short_b = event.long_burn_rate, event.short_burn_rate
        rates = f"{long_b:.1f}×/{short_b:.1f}×" if long_b is not None and short_b else "—"
        Annotation.objects.create(
            slo=slo,
            kind=AnnotationKind.ALERT,
            at=_dt(t.at),
            text=(
                f"{event.severity} alert {rule.long_window}/{rule.short_window} firing on "
                f"{event.objective}: burn {rates} > {event.rule.factor:g}"
            ),
            link=event.slo_url,
            author_name="ekkyo",
            detail={**key, "dedup_key": event.dedup_key, "severity": event.severity},
        )
    elif t.kind == TransitionKind.RESOLVED and t.was_firing:
        Annotation.objects.filter(
            slo=slo,
            kind=AnnotationKind.ALERT,
            detail__alert_state=row.pk,
            detail__episode=row.episode,
            ends_at__isnull=True,
        ).update(ends_at=_dt(t.at))


def _enqueue(
    transition: AlertTransition,
    messages: Sequence[tuple[NotificationTarget, AlertEvent]],
    when: datetime,
) -> None:
    rows = []
    for target, event in messages:
        localised = dataclasses.replace(event, language=target.language)  # type: ignore[arg-type]
        rows.append(
            Notification(
                transition=transition,
                target=target,
                target_name=target.name,
                dedup_key=localised.dedup_key,
                state=localised.state,
                event=localised.to_dict(),
                created_at=when,
                next_attempt_at=when,
                give_up_at=when + GIVE_UP_AFTER,
            )
        )
    Notification.objects.bulk_create(rows)


def _enqueue_resolves(
    row: AlertState, transition: AlertTransition, event: AlertEvent, when: datetime
) -> None:
    """A resolve to each target that heard of this episode, in the words it heard.

    Built from that target's own earlier message, so the dedup key (and severity, trial
    flag and language) are the trigger's even if the SLO changed since: PagerDuty closes
    the incident it opened.
    """
    earlier = Notification.objects.filter(
        transition__state=row,
        transition__episode=row.episode,
        transition__kind__in=[TransitionKind.PENDING, TransitionKind.FIRING],
        target__isnull=False,
    ).select_related("target")
    last: dict[int, Notification] = {}
    for n in earlier.order_by("id"):
        last[n.target_id] = n
    messages = []
    for n in last.values():
        heard = AlertEvent.from_dict(n.event)
        resolve = dataclasses.replace(
            heard,
            state="resolved",
            occurred_at=event.occurred_at,
            burn_rates=event.burn_rates,
            sli=event.sli,
            budget_remaining=event.budget_remaining,
        )
        messages.append((n.target, resolve))
    rows = [
        Notification(
            transition=transition,
            target=target,
            target_name=target.name,
            dedup_key=resolve.dedup_key,
            state="resolved",
            event=resolve.to_dict(),
            created_at=when,
            next_attempt_at=when,
            give_up_at=when + GIVE_UP_AFTER,
        )
        for target, resolve in messages
    ]
    Notification.objects.bulk_create(rows)

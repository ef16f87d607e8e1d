"""The policies' periodic step: where every product stands under its error budget policy.

:func:`evaluate_step` reads the worker's ``SLOStatus`` of every active SLO an approved
policy covers and, for each objective with a new status:

1. removes the policy's **exceptions** from the budget: when one overlaps the SLO window,
   the objective is evaluated again by the engine with the excepted minutes turned into
   minutes without data (as maintenance windows are), giving the adjusted budget
   remaining;
2. finds the **incidents** in the window (``ekkyo.policies.incidents``) and their budget
   shares, exceptions excluded;
3. decides the level (:func:`ekkyo.policies.evaluate.decide`) and records a
   :class:`~ekkyo.policies.models.PolicyEvent` when it changes; a rise also writes a
   notice to the owning team (``ekkyo.teams.notices``: in the app, and through its Slack
   and webhook targets) and **opens an action item** (``ekkyo.reviews``), as does each
   incident that crosses an incident rule.

Burn-rate rules read the worker's burn rates as they are (exceptions adjust the budget
remaining and incident shares, not burn rates).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ekkyo.catalog.models import SLO
from ekkyo.policies import evaluate as core
from ekkyo.policies.incidents import alert_intervals, budget_shares
from ekkyo.policies.models import (
    EventKind,
    Level,
    Policy,
    PolicyEvent,
    PolicyException,
    PolicyRule,
    PolicyState,
    PolicyStatus,
)
from ekkyo.teams import notices

log = logging.getLogger(__name__)

MINUTE = 60
#: Days until an opened action item is due, per level (a postmortem is more urgent).
DUE_DAYS = {Level.CAUTION: 14, Level.RELIABILITY_FIRST: 7, Level.FREEZE: 3, Level.POSTMORTEM: 5}


def _iso_seconds(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def core_rules(rules: list[PolicyRule]) -> list[core.Rule]:
    return [core.Rule(r.pk, r.kind, r.threshold, r.level, r.burn_window or "1d") for r in rules]


@dataclass
class Adjusted:
    remaining_ratio: float | None
    incidents: list[core.Incident]


def excepted_windows(
    exceptions: list[PolicyException], slo: SLO, start: int, end: int
) -> list[tuple[int, int]]:
    out = []
    for e in exceptions:
        if e.slo_id not in (None, slo.pk):
            continue
        s, t = max(int(e.starts_at.timestamp()), start), min(int(e.ends_at.timestamp()), end)
        if t > s:
            out.append((s, t))
    return out


def adjust(
    slo: SLO,
    index: int,
    result: dict[str, Any],
    excepted: list[tuple[int, int]],
    intervals: list[core.Interval],
    remaining: float | None,
) -> Adjusted:
    """Budget remaining without the excepted minutes, and the incidents' shares.

    ``remaining`` is the worker's number; it stands when nothing is excepted."""
    allowed = (result.get("error_budget") or {}).get("allowed_bad")
    if not excepted and not intervals:
        return Adjusted(remaining, [])
    from ekkyo.alerting.windows import apply_mask, minute_mask
    from ekkyo.engine import evaluate
    from ekkyo.web.charts import read_dense
    from ekkyo.web.objectives import objectives_of

    window = result.get("window") or {}
    start, at = _iso_seconds(window.get("start")), _iso_seconds(window.get("end"))
    spec = next((o for o in objectives_of(slo.spec) if o.index == index), None)
    if start is None or at is None or spec is None or spec.objective is None:
        return Adjusted(remaining, [])
    series = read_dense(slo.pk, spec.series_key, start, at)
    if excepted:
        series = apply_mask(series, minute_mask(excepted, series.start, len(series)))
        adjusted = evaluate(series, spec.objective, at)
        remaining, allowed = adjusted.remaining_ratio, adjusted.allowed_bad
    incidents = budget_shares(series, spec.objective, intervals, float(allowed or 0.0))
    return Adjusted(remaining, incidents)


def _objective_label(slo: SLO, objective: str) -> str:
    return f"{slo} ({objective})" if objective not in ("", "0") else str(slo)


def _policy_url(policy: Policy) -> str:
    return reverse("policies:detail", args=[policy.pk])


def _level_text(
    policy: Policy, slo: SLO, objective: str, rule: PolicyRule | None, level: int, remaining: Any
) -> str:
    label = str(Level(level).label)
    values = {
        "slo": _objective_label(slo, objective),
        "policy": policy.title,
        "level": label,
        "left": "—" if remaining is None else f"{remaining * 100:.1f}%",
    }
    if rule is None:
        return (
            _("%(slo)s: %(left)s of the error budget left. Policy “%(policy)s”: back to %(level)s.")
            % values
        )
    return _(
        "%(slo)s: %(left)s of the error budget left. Policy “%(policy)s”: %(level)s — "
        "%(action)s (who acts: %(who)s)."
    ) % {**values, "action": rule.action, "who": rule.who}


def _incident_text(
    policy: Policy, slo: SLO, objective: str, rule: PolicyRule, incident: core.Incident
) -> str:
    return _(
        "%(slo)s: one incident (%(start)s – %(end)s UTC) used %(share)s of the error budget. "
        "Policy “%(policy)s”: %(action)s (who acts: %(who)s)."
    ) % {
        "slo": _objective_label(slo, objective),
        "start": datetime.fromtimestamp(incident.start, UTC).strftime("%Y-%m-%d %H:%M"),
        "end": datetime.fromtimestamp(incident.end, UTC).strftime("%Y-%m-%d %H:%M"),
        "share": f"{incident.budget_share * 100:.1f}%",
        "policy": policy.title,
        "action": rule.action,
        "who": rule.who,
    }


def _open_item(
    policy: Policy, slo: SLO, rule: PolicyRule, title: str, details: str, now: datetime
) -> Any:
    from ekkyo.reviews.services import open_item

    today = now.date()
    return open_item(
        title=title[:300],
        details=details[:4000],
        team=policy.owner_team,
        actor=None,
        now=now,
        slo=slo,
        due_on=today + timedelta(days=DUE_DAYS.get(Level(rule.level), 7)),
    )


def _item_title(policy: Policy, slo: SLO, rule: PolicyRule) -> str:
    with translation.override(policy.language):
        return _("Error budget policy, %(level)s: %(slo)s") % {
            "level": str(Level(rule.level).label),
            "slo": slo.name,
        }


def _postmortem_title(policy: Policy, slo: SLO) -> str:
    with translation.override(policy.language):
        return _("Postmortem (top priority): incident on %(slo)s") % {"slo": slo.name}


def _in_language(policy: Policy, render: Any) -> str:
    with translation.override(policy.language):
        return str(render())


def apply_decision(
    policy: Policy,
    rules: dict[int, PolicyRule],
    slo: SLO,
    status: Any,
    state: PolicyState | None,
    adjusted: Adjusted,
    now: datetime,
) -> PolicyState | None:
    """Store the objective's state and its events; ``None`` when another worker did."""
    reading = core.Reading(
        adjusted.remaining_ratio, dict((status.result or {}).get("burn_rates") or {})
    )
    previous = state.level if state is not None else Level.NORMAL
    decision = core.decide(previous, core_rules(list(rules.values())), reading)
    evaluated_at = status.computed_at
    fields = {
        "objective": status.objective,
        "evaluated_at": evaluated_at,
        "remaining_ratio": status.remaining_ratio,
        "adjusted_remaining_ratio": adjusted.remaining_ratio,
        "burn_rate": status.fastest_burn_rate,
    }
    if decision.changed:
        fields.update(
            level=decision.level,
            since=evaluated_at,
            rule=rules.get(decision.rule.id) if decision.rule else None,
        )
    with transaction.atomic():
        if state is None:
            try:
                with transaction.atomic():
                    state = PolicyState.objects.create(
                        policy=policy,
                        slo=slo,
                        objective_index=status.objective_index,
                        **{"level": Level.NORMAL, "since": evaluated_at, "rule": None, **fields},
                    )
            except IntegrityError:
                return None
        else:
            # Claim: only the worker that moves `evaluated_at` on acts on this status.
            claimed = PolicyState.objects.filter(
                pk=state.pk, evaluated_at=state.evaluated_at
            ).update(**fields)
            if not claimed:
                return None
            for key, value in fields.items():
                setattr(state, key, value)
        if decision.changed:
            _record_level_change(policy, slo, status, previous, decision, rules, adjusted, now)
        _record_incidents(policy, rules, slo, status, adjusted, now)
    return state


def _record_level_change(
    policy: Policy,
    slo: SLO,
    status: Any,
    previous: int,
    decision: core.Decision,
    rules: dict[int, PolicyRule],
    adjusted: Adjusted,
    now: datetime,
) -> None:
    rule = rules.get(decision.rule.id) if decision.rule else None
    event = PolicyEvent.objects.create(
        policy=policy,
        slo=slo,
        objective_index=status.objective_index,
        objective=status.objective,
        at=status.computed_at,
        kind=EventKind.ENTERED if decision.escalated else EventKind.LEFT,
        from_level=previous,
        to_level=decision.level,
        rule=rule,
        remaining_ratio=adjusted.remaining_ratio,
    )
    remaining = adjusted.remaining_ratio
    event.notice = notices.post(
        f"policy:{policy.pk}:event:{event.pk}",
        "policy_level",
        [policy.owner_team],
        lambda: _level_text(policy, slo, status.objective, rule, decision.level, remaining),
        now=now,
        link=_policy_url(policy),
    )
    if decision.escalated and rule is not None:
        event.action_item = _open_item(
            policy,
            slo,
            rule,
            _item_title(policy, slo, rule),
            _in_language(
                policy,
                lambda: _level_text(policy, slo, status.objective, rule, decision.level, remaining),
            ),
            now,
        )
    event.save(update_fields=["notice", "action_item"])


def _record_incidents(
    policy: Policy,
    rules: dict[int, PolicyRule],
    slo: SLO,
    status: Any,
    adjusted: Adjusted,
    now: datetime,
) -> None:
    prefix = f"{slo.pk}:{status.objective_index}:"
    acted = {
        k[len(prefix) :]
        for k in PolicyEvent.objects.filter(
            policy=policy, kind=EventKind.INCIDENT, key__startswith=prefix
        ).values_list("key", flat=True)
    }
    crossed = core.incidents_over(core_rules(list(rules.values())), adjusted.incidents, acted)
    for incident, core_rule in crossed:
        rule = rules[core_rule.id]
        event = PolicyEvent.objects.create(
            policy=policy,
            slo=slo,
            objective_index=status.objective_index,
            objective=status.objective,
            at=status.computed_at,
            kind=EventKind.INCIDENT,
            from_level=rule.level,
            to_level=rule.level,
            rule=rule,
            remaining_ratio=adjusted.remaining_ratio,
            key=prefix + incident.key,
            detail={
                "start": datetime.fromtimestamp(incident.start, UTC).isoformat(),
                "end": datetime.fromtimestamp(incident.end, UTC).isoformat(),
                "budget_share": incident.budget_share,
            },
        )

        def text(i: core.Incident = incident, r: PolicyRule = rule) -> str:
            return _incident_text(policy, slo, status.objective, r, i)

        event.notice = notices.post(
            f"policy:{policy.pk}:event:{event.pk}",
            "policy_incident",
            [policy.owner_team],
            text,
            now=now,
            link=_policy_url(policy),
        )
        event.action_item = _open_item(
            policy, slo, rule, _postmortem_title(policy, slo), _in_language(policy, text), now
        )
        event.save(update_fields=["notice", "action_item"])


def evaluate_policy(policy: Policy, now: datetime) -> bool:
    """Evaluate one approved policy; True when some objective had a new status."""
    from ekkyo.worker.models import SLOStatus

    rules = {r.pk: r for r in policy.rules.all()}
    if not rules:
        return False
    slos = {s.pk: s for s in policy.slos().select_related("service__team")}
    # An SLO that left the policy (retired, back in trial, moved) leaves no banner behind.
    PolicyState.objects.filter(policy=policy).exclude(slo_id__in=list(slos)).delete()
    if not slos:
        return False
    states = {(s.slo_id, s.objective_index): s for s in PolicyState.objects.filter(policy=policy)}
    fresh = [
        st
        for st in SLOStatus.objects.filter(slo_id__in=list(slos)).order_by(
            "slo_id", "objective_index"
        )
        if (st.slo_id, st.objective_index) not in states
        or states[(st.slo_id, st.objective_index)].evaluated_at < st.computed_at
    ]
    if not fresh:
        return False
    exceptions = list(policy.exceptions.all())
    windows = {}
    for st in fresh:
        w = (st.result or {}).get("window") or {}
        windows[st.pk] = (_iso_seconds(w.get("start")), _iso_seconds(w.get("end")))
    lo = min((w[0] for w in windows.values() if w[0] is not None), default=None)
    hi = max((w[1] for w in windows.values() if w[1] is not None), default=None)
    intervals = alert_intervals(list(slos), lo, hi) if lo is not None and hi is not None else {}
    for st in fresh:
        slo = slos[st.slo_id]
        start, end = windows[st.pk]
        if start is None or end is None:
            spans: list[core.Interval] = []
            excepted: list[tuple[int, int]] = []
        else:
            spans = [
                core.Interval(max(i.start, start), min(i.end, end))
                for i in intervals.get((slo.pk, st.objective_index), [])
                if min(i.end, end) > max(i.start, start)
            ]
            excepted = excepted_windows(exceptions, slo, start, end)
        try:
            adjusted = adjust(
                slo, st.objective_index, st.result or {}, excepted, spans, st.remaining_ratio
            )
            apply_decision(
                policy, rules, slo, st, states.get((st.slo_id, st.objective_index)), adjusted, now
            )
        except Exception:
            # One SLO that cannot be evaluated must not stop the others.
            log.exception("policies: evaluating %s under policy %s failed", slo.name, policy.pk)
    return True


def evaluate_step(now: datetime) -> bool:
    """Every approved policy; True when any objective had a new status to judge."""
    found = False
    policies = Policy.objects.filter(status=PolicyStatus.APPROVED).select_related(
        "service__team", "team"
    )
    for policy in policies:
        found = evaluate_policy(policy, now) or found
    return found

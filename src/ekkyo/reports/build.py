"""A monthly or quarterly SLO report: the numbers, read from the store and the history.

:func:`build` returns the report as a plain dict — the page, its JSON twin, the PDF and
the CSV tables all render it, so they cannot disagree:

* per SLO objective, the attainment of the period and of the periods before it
  (:mod:`ekkyo.reports.attainment`: the engine with a calendar window at the period's
  end, maintenance windows excluded as the worker excludes them);
* the incidents that used the most budget (firing alerts, ``ekkyo.policies.incidents``);
* the error budget policy actions taken, exceptions recorded, trials started and ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q

from ekkyo.catalog.models import SLO, Lifecycle, LifecycleTransition
from ekkyo.engine import Series
from ekkyo.reports.attainment import Attainment, attainment
from ekkyo.reports.periods import ReportPeriod, months_of, shift

#: Periods before the report's own in the trend.
TREND_MONTHS = 5
TREND_QUARTERS = 3
TOP_INCIDENTS = 10
REPORTED = (Lifecycle.ACTIVE, Lifecycle.TRIAL)


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat()


@dataclass(frozen=True)
class Scope:
    product: str = ""
    team: str = ""

    def slos(self) -> Any:
        rows = SLO.objects.filter(lifecycle__in=REPORTED).select_related("service__team")
        if self.product:
            rows = rows.filter(service__name=self.product)
        if self.team:
            rows = rows.filter(service__team__slug=self.team)
        return rows.order_by("service__team__name", "service__name", "name")

    def as_dict(self) -> dict[str, str]:
        return {"product": self.product, "team": self.team}


def _read(slo: SLO, series_key: str, start: int, end: int) -> Series:
    from ekkyo.alerting.silences import budget_mask
    from ekkyo.alerting.windows import apply_mask
    from ekkyo.web.charts import read_dense

    series = read_dense(slo.pk, series_key, start, end)
    mask = budget_mask(slo, series.start, len(series))
    return apply_mask(series, mask) if mask.any() else series


def _numbers(a: Attainment | None) -> dict[str, Any]:
    if a is None:
        return {
            "sli": None,
            "met": None,
            "good": None,
            "total": None,
            "budget_used": None,
            "remaining_ratio": None,
            "allowed_bad": None,
            "complete": False,
        }
    return {
        "sli": a.sli,
        "met": a.met,
        "good": a.good,
        "total": a.total,
        "budget_used": a.consumed_ratio,
        "remaining_ratio": a.remaining_ratio,
        "allowed_bad": a.allowed_bad,
        "complete": a.complete,
    }


def _attain(series: Series, objective: Any, p: ReportPeriod, until: int) -> Attainment | None:
    return attainment(
        series,
        objective,
        period_start=p.start,
        period_end=p.end,
        unit=p.unit,
        time_zone=p.time_zone,
        until=until,
    )


def slo_rows(
    period: ReportPeriod, scope: Scope, now: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[ReportPeriod]]:
    """Rows per objective, the incidents found, and the trend's periods (oldest first)."""
    from ekkyo.policies.incidents import alert_intervals, budget_shares
    from ekkyo.web.objectives import objectives_of

    back = TREND_MONTHS if period.kind == "month" else TREND_QUARTERS
    trend = [shift(period, -k) for k in range(back, 0, -1)] + [period]
    months = months_of(period) if period.kind == "quarter" else []
    slos = list(scope.slos())
    intervals = alert_intervals([s.pk for s in slos], period.start, period.end)
    rows, incidents = [], []
    read_end = min(period.end, now // 60 * 60)
    for slo in slos:
        for spec in objectives_of(slo.spec):
            base = {
                "slo": slo.name,
                "display_name": slo.display_name,
                "product": slo.service.name,
                "team": slo.service.team.slug,
                "objective": spec.name,
                "objective_index": spec.index,
                "lifecycle": slo.lifecycle,
                "target": spec.target,
            }
            if spec.objective is None or read_end <= trend[0].start:
                rows.append(
                    {**base, **_numbers(None), "problem": spec.problem, "trend": [], "months": []}
                )
                continue
            series = _read(slo, spec.series_key, trend[0].start, read_end)
            this = _attain(series, spec.objective, period, now)
            row = {**base, **_numbers(this), "problem": ""}
            row["trend"] = [
                {"period": p.label, **_numbers(_attain(series, spec.objective, p, now))}
                for p in trend
            ]
            row["months"] = [
                {"period": m.label, **_numbers(_attain(series, spec.objective, m, now))}
                for m in months
            ]
            rows.append(row)
            spans = intervals.get((slo.pk, spec.index), [])
            if this is not None and spans:
                for inc in budget_shares(series, spec.objective, spans, this.allowed_bad):
                    incidents.append(
                        {
                            "slo": slo.name,
                            "product": slo.service.name,
                            "objective": spec.name,
                            "start": _iso(inc.start),
                            "end": _iso(inc.end),
                            "duration_s": inc.end - inc.start,
                            "budget_share": inc.budget_share,
                        }
                    )
    incidents.sort(key=lambda i: (-i["budget_share"], i["start"]))
    return rows, incidents[:TOP_INCIDENTS], trend


def _policy_actions(period: ReportPeriod, slo_ids: Sequence[int]) -> list[dict[str, Any]]:
    from ekkyo.policies.models import Level, PolicyEvent

    events = PolicyEvent.objects.filter(
        slo_id__in=list(slo_ids), at__gte=period.starts(), at__lt=period.ends()
    ).select_related("slo", "policy", "rule")
    return [
        {
            "at": e.at.isoformat(),
            "slo": e.slo.name,
            "objective": e.objective,
            "policy": e.policy.title,
            "policy_id": e.policy_id,
            "kind": e.kind,
            "from_level": e.from_level,
            "to_level": e.to_level,
            "level_label": str(Level(e.to_level).label),
            "action": e.rule.action if e.rule else "",
            "who": e.rule.who if e.rule else "",
            "budget_share": (e.detail or {}).get("budget_share"),
            "action_item": e.action_item_id,
        }
        for e in events.order_by("at", "id")
    ]


def _exceptions(period: ReportPeriod, scope: Scope) -> list[dict[str, Any]]:
    from ekkyo.policies.models import PolicyException

    rows = PolicyException.objects.filter(
        starts_at__lt=period.ends(), ends_at__gt=period.starts()
    ).select_related("policy__service__team", "policy__team", "slo", "recorded_by")
    if scope.product:
        rows = rows.filter(policy__service__name=scope.product)
    if scope.team:
        rows = rows.filter(
            Q(policy__service__team__slug=scope.team) | Q(policy__team__slug=scope.team)
        )
    return [
        {
            "policy": e.policy.title,
            "slo": e.slo.name if e.slo else None,
            "starts_at": e.starts_at.isoformat(),
            "ends_at": e.ends_at.isoformat(),
            "caused_by": e.caused_by,
            "reason": e.reason,
            "recorded_by": e.recorded_by.get_username() if e.recorded_by else "",
        }
        for e in rows.order_by("starts_at", "id")
    ]


def _trials(period: ReportPeriod, scope: Scope) -> dict[str, list[dict[str, Any]]]:
    rows = LifecycleTransition.objects.filter(
        at__gte=period.starts(), at__lt=period.ends()
    ).select_related("slo__service__team")
    if scope.product:
        rows = rows.filter(slo__service__name=scope.product)
    if scope.team:
        rows = rows.filter(slo__service__team__slug=scope.team)
    started, ended = [], []
    for t in rows.order_by("at", "id"):
        item = {
            "slo": t.slo.name,
            "product": t.slo.service.name,
            "at": t.at.isoformat(),
            "from": t.from_state,
            "to": t.to_state,
            "reason": t.reason,
        }
        if t.to_state == Lifecycle.TRIAL:
            started.append(item)
        elif t.from_state == Lifecycle.TRIAL:
            ended.append(item)
    return {"started": started, "ended": ended}


def build(period: ReportPeriod, scope: Scope, now: datetime) -> dict[str, Any]:
    now_s = int(now.timestamp())
    rows, incidents, trend = slo_rows(period, scope, now_s)
    slo_ids = list(scope.slos().values_list("pk", flat=True))
    measured = [r for r in rows if r["sli"] is not None]
    summary = {
        "objectives": len(rows),
        "met": sum(1 for r in measured if r["met"]),
        "missed": sum(1 for r in measured if r["met"] is False),
        "no_data": len(rows) - len(measured),
        "budget_exhausted": sum(
            1 for r in measured if r["remaining_ratio"] is not None and r["remaining_ratio"] <= 0
        ),
    }
    per_period = []
    for i, p in enumerate(trend):
        points = [r["trend"][i] for r in rows if len(r["trend"]) > i]
        judged = [x for x in points if x["met"] is not None]
        per_period.append(
            {
                "period": p.label,
                "objectives": len(judged),
                "met": sum(1 for x in judged if x["met"]),
                "met_share": (sum(1 for x in judged if x["met"]) / len(judged)) if judged else None,
            }
        )
    return {
        "kind": period.kind,
        "period": period.label,
        "time_zone": period.time_zone,
        "start": period.starts().isoformat(),
        "end": period.ends().isoformat(),
        "length_s": period.length_s,
        "complete": period.end <= now_s,
        "generated_at": now.astimezone(UTC).isoformat(),
        "scope": scope.as_dict(),
        "summary": summary,
        "trend": per_period,
        "slos": rows,
        "incidents": incidents,
        "policy_actions": _policy_actions(period, slo_ids),
        "exceptions": _exceptions(period, scope),
        "trials": _trials(period, scope),
    }

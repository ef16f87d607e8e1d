"""New Relic service levels and burn-rate alert conditions, as NerdGraph mutation inputs.

For each SLO whose metric sources are all ``NewRelic`` (their ``spec.nrql``):

- a ``serviceLevelCreate`` input: ``events`` (``validEvents`` from the total query,
  ``goodEvents`` or ``badEvents`` from the other, each ``{from, where}``) and one objective
  per OpenSLO objective with ``target`` in percent and ``timeWindow.rolling``;
- one ``alertsNrqlConditionStaticCreate`` input per rule of
  :data:`ekkyo.engine.ALERT_RULES`: the burn rate of the short window as the signal, above
  the rule's factor for the whole long window (every short window in it), which implies
  the Workbook's "both windows above" (see ``docs/rules.md``).

Values that only the user's account knows (the entity and the alert policy) are left as
``${…}`` placeholders unless the spec gives them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ekkyo import specs
from ekkyo.engine import ALERT_RULES, BURN_WINDOWS
from ekkyo.rules.common import DAY, CompileError, Loc, Note, number, source_type, targets_of
from ekkyo.rules.nrql import Events, NrqlError, split

ROLLING_DAYS = (1, 7, 28)  # what New Relic service levels accept
ENTITY_GUID = "${ENTITY_GUID}"
ACCOUNT_ID = "${NEW_RELIC_ACCOUNT_ID}"
POLICY_ID = "${ALERT_POLICY_ID}"
PRIORITY = {"page": "CRITICAL", "ticket": "WARNING"}
_INDICATOR: Loc = ("spec", "indicator", "spec")

SERVICE_LEVEL_MUTATION = (
    "mutation($entityGuid: EntityGuid!, $indicator: ServiceLevelIndicatorCreateInput!) {\n"
    "  serviceLevelCreate(entityGuid: $entityGuid, indicator: $indicator) { id guid }\n}"
)
CONDITION_MUTATION = (
    "mutation($accountId: Int!, $policyId: ID!, $condition: AlertsNrqlConditionStaticInput!) {\n"
    "  alertsNrqlConditionStaticCreate(accountId: $accountId, policyId: $policyId, "
    "condition: $condition) { id name }\n}"
)


@dataclass(frozen=True)
class NewRelicDefinitions:
    service_levels: tuple[dict[str, Any], ...]
    conditions: tuple[dict[str, Any], ...]
    notes: tuple[Note, ...]
    errors: tuple[CompileError, ...]

    def document(self) -> dict[str, Any]:
        """The JSON ``ekkyo compile newrelic`` prints: each item's ``variables`` are ready
        for the mutation named by its section."""
        return {
            "mutations": {
                "serviceLevelCreate": SERVICE_LEVEL_MUTATION,
                "alertsNrqlConditionStaticCreate": CONDITION_MUTATION,
            },
            "serviceLevelCreate": list(self.service_levels),
            "alertsNrqlConditionStaticCreate": list(self.conditions),
        }


def compile_newrelic(
    slos: Iterable[specs.SLO], objects: Sequence[specs.SpecObject] = ()
) -> NewRelicDefinitions:
    levels: list[dict[str, Any]] = []
    conditions: list[dict[str, Any]] = []
    notes: list[Note] = []
    errors: list[CompileError] = []
    data_sources = {o.metadata.name: o for o in objects if isinstance(o, specs.DataSource)}
    for slo in slos:
        kind = source_type(slo)
        if kind != "newrelic":
            what = f"its metric source type is {kind!r}" if kind else "it mixes source types"
            notes.append(Note(slo.name, f"skipped: {what}, not NewRelic"))
            continue
        try:
            level, slo_conditions = _compile_one(slo, data_sources, notes)
        except CompileError as exc:
            errors.append(exc)
            continue
        levels.append(level)
        conditions.extend(slo_conditions)
    return NewRelicDefinitions(tuple(levels), tuple(conditions), tuple(notes), tuple(errors))


def _compile_one(
    slo: specs.SLO, data_sources: dict[str, specs.DataSource], notes: list[Note]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    indicator = slo.indicator
    assert indicator is not None
    ratio = indicator.spec.ratio_metric
    if ratio is None or ratio.total is None:
        raise CompileError(
            slo.name,
            (*_INDICATOR, "thresholdMetric" if ratio is None else "ratioMetric"),
            "New Relic service levels count good (or bad) and valid events: give a "
            "ratioMetric with good or bad, and total",
        )
    if slo.budgeting_method != "Occurrences":
        notes.append(
            Note(slo.name, f"budgetingMethod {slo.budgeting_method}: New Relic counts events")
        )
    valid = _events(slo, ratio.total, "total")
    good_key = "good" if ratio.good is not None else "bad"
    metric = ratio.good if ratio.good is not None else ratio.bad
    assert metric is not None
    other = _events(slo, metric, good_key)
    targets = targets_of(slo)
    period = targets[0].period
    days = period.seconds // DAY
    if period.seconds % DAY or days not in ROLLING_DAYS:
        raise CompileError(
            slo.name,
            ("spec", "timeWindow", 0, "duration"),
            f"New Relic service levels roll over {', '.join(map(str, ROLLING_DAYS))} days; "
            f"got {slo.time_window.duration}",
        )
    if period.calendar:
        notes.append(Note(slo.name, f"calendar window compiled as rolling {days} days"))
    account = _account_id(slo, data_sources)
    level = {
        "slo": slo.name,
        "variables": {
            "entityGuid": _spec_value(slo, "entityGuid") or ENTITY_GUID,
            "indicator": {
                "name": slo.metadata.display_name or slo.name,
                "description": slo.spec.description or f"ekkyo SLO {slo.name}",
                "events": {
                    "accountId": account,
                    "validEvents": valid.as_input(),
                    f"{good_key}Events": other.as_input(),
                },
                "objectives": [
                    {
                        "name": t.objective.display_name or str(t.objective_index),
                        "target": float(number(t.target * 100)),
                        "timeWindow": {"rolling": {"count": days, "unit": "DAY"}},
                    }
                    for t in targets
                ],
            },
        },
    }
    conditions: list[dict[str, Any]] = []
    if other.from_ != valid.from_ or other.sum_of != valid.sum_of:
        notes.append(
            Note(
                slo.name,
                "no burn-rate conditions: the good/bad and total queries read different "
                "event types or aggregates, which one NRQL condition cannot divide",
            )
        )
        return level, conditions
    for target in targets:
        conditions.extend(_conditions(slo, target.target, days, valid, other, good_key, account))
    return level, conditions


def _conditions(
    slo: specs.SLO,
    target: float,
    days: int,
    valid: Events,
    other: Events,
    good_key: str,
    account: object,
) -> list[dict[str, Any]]:
    budget = 1 - target
    agg = valid.aggregate
    share = f"filter({agg}, WHERE {other.where or 'true'}) / {agg}"
    error_ratio = share if good_key == "bad" else f"(1 - {share})"
    where = f" WHERE {valid.where}" if valid.where else ""
    query = f"SELECT {error_ratio} / {number(budget)} FROM {valid.from_}{where}"
    out = []
    for rule in ALERT_RULES:
        factor = rule.factor(days * DAY)
        out.append(
            {
                "slo": slo.name,
                "severity": rule.severity,
                "windows": {"long": rule.long_window, "short": rule.short_window},
                "variables": {
                    "accountId": account,
                    "policyId": POLICY_ID,
                    "condition": {
                        "name": f"{slo.name} {rule.severity} burn rate "
                        f"{rule.long_window}/{rule.short_window} > {factor:g}",
                        "enabled": True,
                        "description": (
                            f"Error budget burn rate of {slo.name} (target {target:g}) over "
                            f"every {rule.short_window} window for {rule.long_window} is above "
                            f"{factor:g}: {float(rule.budget_fraction):.0%} of the budget."
                        ),
                        "nrql": {"query": query},
                        "signal": {
                            "aggregationWindow": BURN_WINDOWS[rule.short_window],
                            "aggregationMethod": "EVENT_FLOW",
                            "aggregationDelay": 120,
                        },
                        "terms": [
                            {
                                "operator": "ABOVE",
                                "threshold": factor,
                                "thresholdDuration": BURN_WINDOWS[rule.long_window],
                                "thresholdOccurrences": "ALL",
                                "priority": PRIORITY[rule.severity],
                            }
                        ],
                        "violationTimeLimitSeconds": 86400,
                    },
                },
            }
        )
    return out


def _events(slo: specs.SLO, metric: specs.Metric, key: str) -> Events:
    loc: Loc = (*_INDICATOR, "ratioMetric", key, "metricSource", "spec", "nrql")
    nrql = metric.metric_source.spec.get("nrql")
    if not isinstance(nrql, str) or not nrql.strip():
        raise CompileError(slo.name, loc, "a NewRelic metric source needs an nrql query")
    try:
        return split(nrql)
    except NrqlError as exc:
        raise CompileError(slo.name, loc, str(exc)) from None


def _spec_value(slo: specs.SLO, key: str) -> Any:
    indicator = slo.indicator
    assert indicator is not None
    for source in indicator.spec.metric_sources():
        if key in source.spec:
            return source.spec[key]
    return None


def _account_id(slo: specs.SLO, data_sources: dict[str, specs.DataSource]) -> object:
    indicator = slo.indicator
    assert indicator is not None
    for source in indicator.spec.metric_sources():
        ref = source.metric_source_ref
        data_source = data_sources.get(ref) if ref else None
        if data_source is not None:
            account = data_source.spec.connection_details.get("accountId")
            if isinstance(account, int):
                return account
    account = _spec_value(slo, "accountId")
    return account if isinstance(account, int) else ACCOUNT_ID

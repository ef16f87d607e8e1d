"""Checks across objects: references, duplicate names, and what an SLO's SLI implies.

Models check themselves field by field (:mod:`ekkyo.specs.model`); what needs more than
one object is here, over every object loaded together:

- ``spec.service``, ``indicatorRef``, ``metricSourceRef``, ``alertPolicyRef``,
  ``conditionRef`` and ``targetRef`` name objects of the right kind that exist;
- no two objects of one kind share a name;
- a threshold SLI's objectives have ``op`` and ``value``;
- Timeslices objectives have ``timeSliceTarget`` and ``timeSliceWindow``, RatioTimeslices
  ones ``timeSliceWindow``; objectives of one SLO have distinct display names;
- a metric source's ``type`` agrees with the DataSource it refers to.

It also resolves each SLO's indicator (:func:`resolve_slo`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ekkyo.specs.messages import Issue, did_you_mean
from ekkyo.specs.model import (
    SLI,
    SLO,
    AlertConditionRef,
    AlertNotificationTargetRef,
    AlertPolicy,
    AlertPolicyRef,
    DataSource,
    Indicator,
    Metric,
    MetricSource,
    RatioMetric,
    Service,
    SLISpec,
    SpecObject,
)
from ekkyo.specs.yaml import Loc, Position, locate


@dataclass(frozen=True)
class Record:
    """A parsed object and where it came from (for positions)."""

    obj: SpecObject
    path: str
    node: Any
    start: Position
    from_sloth: bool = False

    def where(self, loc: Loc) -> str:
        pos = locate(self.node, self.start, loc).value
        return f"{self.path}:{pos.line}:{pos.col}"


@dataclass(frozen=True)
class Finding:
    record: Record
    issue: Issue


@dataclass
class Index:
    """Objects by kind and name (first definition wins), plus names of objects that
    failed to parse, so that references to them are not reported a second time."""

    by_name: dict[tuple[str, str], Record] = field(default_factory=dict)
    broken: set[tuple[str, str]] = field(default_factory=set)

    def get(self, kind: str, name: str) -> SpecObject | None:
        record = self.by_name.get((kind, name))
        return None if record is None else record.obj

    def known(self, kind: str, name: str) -> bool:
        return (kind, name) in self.by_name or (kind, name) in self.broken

    def names(self, kind: str) -> list[str]:
        return [name for k, name in self.by_name if k == kind]


def build_index(records: Sequence[Record], broken: set[tuple[str, str]]) -> Index:
    index = Index(broken=set(broken))
    for record in records:
        index.by_name.setdefault((record.obj.kind, record.obj.metadata.name), record)
    return index


def check(records: Sequence[Record], index: Index) -> list[Finding]:
    findings = list(_duplicates(records, index))
    for record in records:
        findings.extend(Finding(record, issue) for issue in _object_issues(record.obj, index))
    return findings


def _duplicates(records: Sequence[Record], index: Index) -> Iterator[Finding]:
    for record in records:
        obj = record.obj
        first = index.by_name[(obj.kind, obj.metadata.name)]
        if first is record:
            continue
        # Two Sloth files of one service each declare the service; that is no conflict.
        if isinstance(obj, Service) and record.from_sloth and first.from_sloth and first.obj == obj:
            continue
        yield Finding(
            record,
            Issue(
                ("metadata", "name"),
                f"duplicate {obj.kind} name '{obj.metadata.name}' "
                f"(first defined at {first.where(('metadata', 'name'))})",
            ),
        )


def _object_issues(obj: SpecObject, index: Index) -> Iterator[Issue]:
    if isinstance(obj, SLO):
        yield from _slo_issues(obj, index)
    elif isinstance(obj, SLI):
        yield from _sli_issues(obj.spec, ("spec",), index)
    elif isinstance(obj, AlertPolicy):
        yield from _policy_issues(obj, (), index)


def _ref(index: Index, kind: str, name: str, loc: Loc) -> Iterator[Issue]:
    if not index.known(kind, name):
        hint = did_you_mean(name, index.names(kind))
        yield Issue(loc, f"no {kind} named '{name}' in the loaded files{hint}")


def _slo_issues(slo: SLO, index: Index) -> Iterator[Issue]:
    spec = slo.spec
    yield from _ref(index, "Service", spec.service, ("spec", "service"))
    sli: SLISpec | None = None
    if spec.indicator is not None:
        sli = spec.indicator.spec
        yield from _sli_issues(sli, ("spec", "indicator", "spec"), index)
    elif spec.indicator_ref is not None:
        yield from _ref(index, "SLI", spec.indicator_ref, ("spec", "indicatorRef"))
        referenced = index.get("SLI", spec.indicator_ref)
        sli = referenced.spec if isinstance(referenced, SLI) else None
    for i, item in enumerate(spec.alert_policies):
        loc: Loc = ("spec", "alertPolicies", i)
        if isinstance(item, AlertPolicyRef):
            yield from _ref(index, "AlertPolicy", item.alert_policy_ref, (*loc, "alertPolicyRef"))
        else:
            yield from _policy_issues(item, loc, index)
    yield from _objective_issues(slo, sli)


def _objective_issues(slo: SLO, sli: SLISpec | None) -> Iterator[Issue]:
    method = slo.spec.budgeting_method
    seen: set[str] = set()
    for i, objective in enumerate(slo.spec.objectives):
        loc: Loc = ("spec", "objectives", i)
        needed: list[tuple[str, object]] = []
        if sli is not None and sli.is_threshold:
            needed += [("op", objective.op), ("value", objective.value)]
        if method == "Timeslices":
            needed.append(("timeSliceTarget", objective.time_slice_target))
        if method in ("Timeslices", "RatioTimeslices"):
            needed.append(("timeSliceWindow", objective.time_slice_window))
        for key, value in needed:
            if value is None:
                yield Issue(loc, f"missing required field '{key}' ({_why(key, method)})")
        name = objective.display_name
        if name is not None:
            if name in seen:
                yield Issue((*loc, "displayName"), f"duplicate objective displayName '{name}'")
            seen.add(name)


def _why(key: str, method: str) -> str:
    if key in ("op", "value"):
        return "the SLI is a thresholdMetric"
    return f"budgetingMethod is {method}"


def _sli_issues(spec: SLISpec, loc: Loc, index: Index) -> Iterator[Issue]:
    for source_loc, source in _metric_sources(spec, loc):
        ref = source.metric_source_ref
        if ref is None:
            continue
        yield from _ref(index, "DataSource", ref, (*source_loc, "metricSourceRef"))
        data_source = index.get("DataSource", ref)
        if (
            isinstance(data_source, DataSource)
            and source.type is not None
            and source.type_key != data_source.spec.type_key
        ):
            yield Issue(
                (*source_loc, "type"),
                f"type '{source.type}' differs from the type '{data_source.spec.type}' "
                f"of DataSource '{ref}'",
            )


def _metric_sources(spec: SLISpec, loc: Loc) -> Iterator[tuple[Loc, MetricSource]]:
    if spec.threshold_metric is not None:
        yield (*loc, "thresholdMetric", "metricSource"), spec.threshold_metric.metric_source
    if spec.ratio_metric is not None:
        for key in ("good", "bad", "total", "raw"):
            metric = getattr(spec.ratio_metric, key)
            if metric is not None:
                yield (*loc, "ratioMetric", key, "metricSource"), metric.metric_source


def _policy_issues(policy: AlertPolicy, loc: Loc, index: Index) -> Iterator[Issue]:
    for i, condition in enumerate(policy.spec.conditions):
        if isinstance(condition, AlertConditionRef):
            ref_loc = (*loc, "spec", "conditions", i, "conditionRef")
            yield from _ref(index, "AlertCondition", condition.condition_ref, ref_loc)
    for i, target in enumerate(policy.spec.notification_targets):
        if isinstance(target, AlertNotificationTargetRef):
            ref_loc = (*loc, "spec", "notificationTargets", i, "targetRef")
            yield from _ref(index, "AlertNotificationTarget", target.target_ref, ref_loc)


# --- resolution --------------------------------------------------------------------------


def resolve_slo(slo: SLO, index: Index) -> SLO | None:
    """``slo`` with its indicator inline and every metric source's ``type`` filled in from
    its DataSource when it had only a ``metricSourceRef``; None when the SLI is missing."""
    indicator = slo.spec.indicator
    if indicator is None and slo.spec.indicator_ref is not None:
        sli = index.get("SLI", slo.spec.indicator_ref)
        if not isinstance(sli, SLI):
            return None
        indicator = Indicator(metadata=sli.metadata, spec=sli.spec)
    if indicator is None:
        return None
    indicator = indicator.model_copy(update={"spec": _with_types(indicator.spec, index)})
    spec = slo.spec.model_copy(update={"indicator": indicator, "indicator_ref": None})
    return slo.model_copy(update={"spec": spec})


def _with_types(spec: SLISpec, index: Index) -> SLISpec:
    def typed(metric: Metric | None) -> Metric | None:
        if metric is None:
            return None
        source = metric.metric_source
        data_source = (
            index.get("DataSource", source.metric_source_ref)
            if source.type is None and source.metric_source_ref is not None
            else None
        )
        if not isinstance(data_source, DataSource):
            return metric
        source = source.model_copy(update={"type": data_source.spec.type})
        return metric.model_copy(update={"metric_source": source})

    if spec.threshold_metric is not None:
        return spec.model_copy(update={"threshold_metric": typed(spec.threshold_metric)})
    ratio: RatioMetric | None = spec.ratio_metric
    assert ratio is not None
    keys = ("good", "bad", "total", "raw")
    ratio = ratio.model_copy(update={key: typed(getattr(ratio, key)) for key in keys})
    return spec.model_copy(update={"ratio_metric": ratio})

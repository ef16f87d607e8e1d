"""Hypothesis strategies for valid sets of OpenSLO objects (names that refer to each other
exist, objectives fit their SLO's budgeting method and SLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from ekkyo.specs import (
    SLI,
    SLO,
    AlertCondition,
    AlertConditionRef,
    AlertConditionSpec,
    AlertNotificationTarget,
    AlertNotificationTargetRef,
    AlertNotificationTargetSpec,
    AlertPolicy,
    AlertPolicyRef,
    AlertPolicySpec,
    BurnRateCondition,
    Calendar,
    DataSource,
    DataSourceSpec,
    Duration,
    Indicator,
    Metadata,
    Metric,
    MetricSource,
    Objective,
    RatioMetric,
    Service,
    ServiceSpec,
    SLISpec,
    SLOSpec,
    SpecObject,
    TimeWindow,
)

names = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,18}[a-z0-9])?", fullmatch=True)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
short = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | st.integers() | finite | text
free_form = st.dictionaries(
    short,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(short, inner, max_size=3),
        max_leaves=6,
    ),
    max_size=3,
)
labels = st.dictionaries(short, text | st.lists(text, max_size=3), max_size=3)
annotations = st.dictionaries(short, text, max_size=3)
durations = st.builds(
    Duration, st.integers(1, 10**6), st.sampled_from(["s", "m", "h", "d", "w", "M", "Q", "Y"])
)
calendar_durations = st.builds(
    Duration, st.integers(1, 400), st.sampled_from(["d", "w", "M", "Q", "Y"])
)
zones = st.sampled_from(["UTC", "Asia/Tokyo", "Europe/Berlin", "America/New_York"])
start_times = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1))
descriptions = st.none() | st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
display_names = st.none() | text


def metadata(name: str) -> st.SearchStrategy[Metadata]:
    return st.builds(
        Metadata,
        name=st.just(name),
        display_name=display_names,
        labels=labels,
        annotations=annotations,
    )


@st.composite
def metric_sources(draw: st.DrawFn, data_sources: list[str]) -> MetricSource:
    source_type = draw(st.sampled_from(["Prometheus", "prometheus", "NewRelic", "push", "Any"]))
    ref = draw(st.none() | st.sampled_from(data_sources)) if data_sources else None
    spec = draw(free_form)
    if source_type != "push" and not spec:
        spec = {"query": draw(text)}
    return MetricSource(type=source_type, metric_source_ref=ref, spec=spec)


@st.composite
def sli_specs(draw: st.DrawFn, data_sources: list[str]) -> SLISpec:
    def metric() -> Metric:
        return Metric(metric_source=draw(metric_sources(data_sources)))

    shape = draw(st.sampled_from(["threshold", "good", "bad", "raw"]))
    description = draw(descriptions)
    if shape == "threshold":
        return SLISpec(description=description, threshold_metric=metric())
    counter = draw(st.none() | st.booleans())
    if shape == "raw":
        raw_type = draw(st.sampled_from(["success", "failure"]))
        ratio = RatioMetric(counter=counter, raw_type=raw_type, raw=metric())
    elif shape == "good":
        ratio = RatioMetric(counter=counter, good=metric(), total=metric())
    else:
        ratio = RatioMetric(counter=counter, bad=metric(), total=metric())
    return SLISpec(description=description, ratio_metric=ratio)


@st.composite
def time_windows(draw: st.DrawFn) -> TimeWindow:
    if draw(st.booleans()):
        return TimeWindow(duration=draw(durations), is_rolling=draw(st.none() | st.just(True)))
    calendar = Calendar(start_time=draw(start_times), time_zone=draw(zones))
    return TimeWindow(
        duration=draw(calendar_durations),
        is_rolling=draw(st.none() | st.just(False)),
        calendar=calendar,
    )


@st.composite
def objectives(draw: st.DrawFn, method: str, threshold: bool, name: str | None) -> Objective:
    fields: dict[str, Any] = {"display_name": name}
    if draw(st.booleans()):
        fields["target_ratio"] = draw(st.floats(0, 1, exclude_min=True, exclude_max=True))
    else:
        # A percent whose ratio underflows to 0 (5e-324) is refused like 0 itself.
        percent = st.floats(0, 100, exclude_min=True, exclude_max=True).filter(lambda p: p / 100)
        fields["target_percent"] = draw(percent)
    if threshold or draw(st.booleans()):
        fields["op"] = draw(st.sampled_from(["lt", "lte", "gt", "gte"]))
        fields["value"] = draw(finite)
    if method == "Timeslices" or draw(st.booleans()):
        fields["time_slice_target"] = draw(st.floats(0, 1, exclude_min=True))
    if method != "Occurrences" or draw(st.booleans()):
        fields["time_slice_window"] = draw(durations)
    return Objective(**fields)


@st.composite
def condition_objects(draw: st.DrawFn, name: str) -> AlertCondition:
    condition = BurnRateCondition(
        op=draw(st.none() | st.sampled_from(["lt", "lte", "gt", "gte"])),
        threshold=draw(finite),
        lookback_window=draw(durations),
        alert_after=draw(st.none() | durations),
    )
    spec = AlertConditionSpec(
        description=draw(descriptions), severity=draw(text), condition=condition
    )
    return AlertCondition(metadata=draw(metadata(name)), spec=spec)


@st.composite
def target_objects(draw: st.DrawFn, name: str) -> AlertNotificationTarget:
    spec = AlertNotificationTargetSpec(description=draw(descriptions), target=draw(text))
    return AlertNotificationTarget(metadata=draw(metadata(name)), spec=spec)


@st.composite
def policy_objects(
    draw: st.DrawFn, name: str, conditions: list[str], targets: list[str]
) -> AlertPolicy:
    if conditions and draw(st.booleans()):
        condition: Any = AlertConditionRef(condition_ref=draw(st.sampled_from(conditions)))
    else:
        condition = draw(condition_objects(draw(names)))
    notification_targets: list[Any] = []
    for _ in range(draw(st.integers(0, 2))):
        if targets and draw(st.booleans()):
            notification_targets.append(
                AlertNotificationTargetRef(target_ref=draw(st.sampled_from(targets)))
            )
        else:
            notification_targets.append(draw(target_objects(draw(names))))
    spec = AlertPolicySpec(
        description=draw(descriptions),
        alert_when_no_data=draw(st.none() | st.booleans()),
        alert_when_resolved=draw(st.none() | st.booleans()),
        alert_when_breaching=draw(st.none() | st.booleans()),
        conditions=[condition],
        notification_targets=notification_targets,
    )
    return AlertPolicy(metadata=draw(metadata(name)), spec=spec)


@st.composite
def worlds(draw: st.DrawFn, most: int = 2) -> list[SpecObject]:
    """A valid, self-contained list of objects of every kind, in a random order, with at
    most ``most`` objects of each kind."""

    def unique(size: int) -> list[str]:
        return draw(st.lists(names, min_size=size, max_size=size, unique=True))

    services = unique(draw(st.integers(1, most)))
    data_sources = unique(draw(st.integers(0, most)))
    sli_names = unique(draw(st.integers(0, most)))
    condition_names = unique(draw(st.integers(0, most)))
    target_names = unique(draw(st.integers(0, most)))
    policy_names = unique(draw(st.integers(0, most)))
    objects: list[SpecObject] = []
    for name in services:
        spec = ServiceSpec(description=draw(descriptions))
        objects.append(Service(metadata=draw(metadata(name)), spec=spec))
    for name in data_sources:
        spec_ds = DataSourceSpec(
            description=draw(descriptions), type=draw(short), connection_details=draw(free_form)
        )
        objects.append(DataSource(metadata=draw(metadata(name)), spec=spec_ds))
    slis = {}
    for name in sli_names:
        # Types must agree with a referenced DataSource, so top-level SLIs use no refs.
        slis[name] = draw(sli_specs([]))
        objects.append(SLI(metadata=draw(metadata(name)), spec=slis[name]))
    objects += [draw(condition_objects(name)) for name in condition_names]
    objects += [draw(target_objects(name)) for name in target_names]
    objects += [draw(policy_objects(name, condition_names, target_names)) for name in policy_names]
    for name in unique(draw(st.integers(1, most))):
        objects.append(
            draw(slos(name, services, slis, policy_names, condition_names, target_names))
        )
    return draw(st.permutations(objects))


@st.composite
def slos(
    draw: st.DrawFn,
    name: str,
    services: list[str],
    slis: dict[str, SLISpec],
    policies: list[str],
    conditions: list[str],
    targets: list[str],
) -> SLO:
    method = draw(st.sampled_from(["Occurrences", "Timeslices", "RatioTimeslices"]))
    fields: dict[str, Any] = {}
    if slis and draw(st.booleans()):
        fields["indicator_ref"] = draw(st.sampled_from(sorted(slis)))
        sli = slis[fields["indicator_ref"]]
    else:
        sli = draw(sli_specs([]))
        fields["indicator"] = Indicator(metadata=draw(metadata(draw(names))), spec=sli)
    objective_names = draw(st.lists(display_names, min_size=1, max_size=3))
    seen: set[str] = set()
    unique_names = []
    for objective_name in objective_names:
        unique_names.append(None if objective_name in seen else objective_name)
        if objective_name is not None:
            seen.add(objective_name)
    alert_policies: list[Any] = []
    for _ in range(draw(st.integers(0, 2))):
        if policies and draw(st.booleans()):
            alert_policies.append(AlertPolicyRef(alert_policy_ref=draw(st.sampled_from(policies))))
        else:
            alert_policies.append(draw(policy_objects(draw(names), conditions, targets)))
    spec = SLOSpec(
        description=draw(descriptions),
        service=draw(st.sampled_from(services)),
        time_window=[draw(time_windows())],
        budgeting_method=method,
        objectives=[
            draw(objectives(method, sli.is_threshold, objective_name))
            for objective_name in unique_names
        ],
        alert_policies=alert_policies,
        **fields,
    )
    return SLO(metadata=draw(metadata(name)), spec=spec)

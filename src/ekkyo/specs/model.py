"""OpenSLO v1 objects as pydantic models.

Attributes are snake_case; YAML keys are their camelCase aliases (``budgeting_method`` is
``budgetingMethod``).  Models are frozen and forbid unknown fields.  Python code may build
them by attribute name or by alias; YAML is validated by alias only (see
:mod:`ekkyo.specs.load`), so a snake_case key in a file is reported as unknown.

Each model checks what it can see by itself (ranges, durations, time zones, which fields go
together); checks that need other objects (references, duplicate names, what an SLO's
indicator implies for its objectives) live in :mod:`ekkyo.specs.validate`.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator
from pydantic.alias_generators import to_camel

from ekkyo.specs.durations import Duration
from ekkyo.specs.fields import (
    AlertAfter,
    Description,
    Finite,
    FreeForm,
    Labels,
    Name,
    Percent,
    Ratio,
    SliceTarget,
    SliceWindow,
    StartTime,
    StringMap,
    TimeZoneName,
    none_as_empty,
    percent_to_ratio,
)
from ekkyo.specs.problems import spec_error

API_VERSION: Final = "openslo/v1"

Operator = Literal["lt", "lte", "gt", "gte"]
BudgetingMethod = Literal["Occurrences", "Timeslices", "RatioTimeslices"]


class SpecModel(BaseModel):
    """Base of every spec model: frozen, strict, camelCase aliases, no unknown fields."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


# --- shared parts ------------------------------------------------------------------------


class Metadata(SpecModel):
    name: Name
    display_name: str | None = None
    labels: Labels = Field(default_factory=dict)
    annotations: StringMap = Field(default_factory=dict)


# Data source types ekkyo knows, by their case-folded spelling (API.md: "Type names are
# matched without regard to case"); any other type is kept as data.
PUSH = "push"
KNOWN_SOURCE_TYPES = {"prometheus": "Prometheus", "newrelic": "NewRelic", PUSH: PUSH}


def source_type_key(type_name: str | None) -> str | None:
    """The case-folded key of a data source type (``"Prometheus"`` → ``"prometheus"``)."""
    return None if type_name is None else type_name.casefold()


class MetricSource(SpecModel):
    metric_source_ref: Name | None = None
    type: str | None = None
    spec: FreeForm = Field(default_factory=dict)

    @property
    def type_key(self) -> str | None:
        return source_type_key(self.type)

    @model_validator(mode="after")
    def _type_or_ref(self) -> MetricSource:
        if self.type is None and self.metric_source_ref is None:
            raise spec_error("a metricSource needs 'type' or 'metricSourceRef'")
        if self.type is not None and self.type_key != PUSH and not self.spec:
            shown = self.type if len(self.type) <= 40 else self.type[:37] + "..."
            raise spec_error(
                f"'spec' with the query is required for type {shown!r} "
                "(only 'push' sources may leave it empty)",
                field="spec" if "spec" in self.model_fields_set else "type",
            )
        return self


class Metric(SpecModel):
    metric_source: MetricSource


class RatioMetric(SpecModel):
    counter: bool | None = None
    good: Metric | None = None
    bad: Metric | None = None
    total: Metric | None = None
    raw_type: Literal["success", "failure"] | None = None
    raw: Metric | None = None

    @model_validator(mode="after")
    def _shape(self) -> RatioMetric:
        if self.raw is not None:
            for key in ("good", "bad", "total"):
                if getattr(self, key) is not None:
                    raise spec_error(f"'raw' cannot be combined with '{key}'", field=key)
            if self.raw_type is None:
                raise spec_error("'rawType' (success or failure) is required with 'raw'")
            return self
        if self.raw_type is not None:
            raise spec_error("'rawType' only goes with 'raw'", field="rawType")
        if self.good is not None and self.bad is not None:
            raise spec_error("give either 'good' or 'bad', not both", field="bad")
        if self.total is None or (self.good is None and self.bad is None):
            raise spec_error("a ratioMetric needs 'total' with 'good' or 'bad', or 'raw'")
        return self

    def metrics(self) -> list[Metric]:
        return [m for m in (self.good, self.bad, self.total, self.raw) if m is not None]


class SLISpec(SpecModel):
    description: Description | None = None
    threshold_metric: Metric | None = None
    ratio_metric: RatioMetric | None = None

    @model_validator(mode="after")
    def _one_metric(self) -> SLISpec:
        if self.threshold_metric is not None and self.ratio_metric is not None:
            raise spec_error(
                "give either 'thresholdMetric' or 'ratioMetric', not both", field="ratioMetric"
            )
        if self.threshold_metric is None and self.ratio_metric is None:
            raise spec_error("an SLI needs 'ratioMetric' or 'thresholdMetric'")
        return self

    @property
    def is_threshold(self) -> bool:
        return self.threshold_metric is not None

    def metric_sources(self) -> list[MetricSource]:
        if self.threshold_metric is not None:
            return [self.threshold_metric.metric_source]
        assert self.ratio_metric is not None
        return [m.metric_source for m in self.ratio_metric.metrics()]


class Indicator(SpecModel):
    """An SLI as it appears inline in an SLO's ``indicator``: metadata and spec only."""

    metadata: Metadata
    spec: SLISpec


class Calendar(SpecModel):
    start_time: StartTime
    time_zone: TimeZoneName


CALENDAR_UNITS = ("d", "w", "M", "Q", "Y")


class TimeWindow(SpecModel):
    duration: Duration
    is_rolling: bool | None = None
    calendar: Calendar | None = None

    @property
    def rolling(self) -> bool:
        """OpenSLO: ``isRolling`` defaults to false when a calendar is given, else true."""
        return self.is_rolling if self.is_rolling is not None else self.calendar is None

    @model_validator(mode="after")
    def _kind(self) -> TimeWindow:
        if self.rolling:
            if self.calendar is not None:
                raise spec_error(
                    "a rolling window (isRolling: true) takes no 'calendar'", field="calendar"
                )
            return self
        if self.calendar is None:
            raise spec_error(
                "a calendar window (isRolling: false) needs 'calendar' with startTime and timeZone",
                field="isRolling",
            )
        if self.duration.unit not in CALENDAR_UNITS:
            hint = f"; did you mean '{self.duration.count}M'?" if self.duration.unit == "m" else ""
            raise spec_error(
                f"a calendar window is whole days (d), weeks (w), months (M), quarters (Q) or "
                f"years (Y), got '{self.duration}'{hint}",
                field="duration",
            )
        return self


class Objective(SpecModel):
    display_name: str | None = None
    op: Operator | None = None
    value: Finite | None = None
    target_ratio: Ratio | None = Field(default=None, alias="target")
    target_percent: Percent | None = None
    time_slice_target: SliceTarget | None = None
    time_slice_window: SliceWindow | None = None

    @property
    def target(self) -> float:
        """The target as a ratio in (0, 1), whether given as ``target`` or ``targetPercent``."""
        if self.target_ratio is not None:
            return self.target_ratio
        assert self.target_percent is not None  # guaranteed by validation
        return percent_to_ratio(self.target_percent)

    @model_validator(mode="after")
    def _one_target(self) -> Objective:
        if self.target_ratio is not None and self.target_percent is not None:
            raise spec_error(
                "give either 'target' or 'targetPercent', not both", field="targetPercent"
            )
        if self.target_ratio is None and self.target_percent is None:
            raise spec_error("missing required field 'target' (or 'targetPercent')")
        return self


# --- alerting ----------------------------------------------------------------------------


class BurnRateCondition(SpecModel):
    kind: Literal["burnrate"] = "burnrate"
    op: Operator | None = None
    threshold: Finite
    lookback_window: Duration
    alert_after: AlertAfter | None = None


class AlertConditionSpec(SpecModel):
    description: Description | None = None
    severity: str
    condition: BurnRateCondition


class AlertCondition(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["AlertCondition"] = "AlertCondition"
    metadata: Metadata
    spec: AlertConditionSpec


class AlertNotificationTargetSpec(SpecModel):
    description: Description | None = None
    target: str


class AlertNotificationTarget(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["AlertNotificationTarget"] = "AlertNotificationTarget"
    metadata: Metadata
    spec: AlertNotificationTargetSpec


class AlertConditionRef(SpecModel):
    condition_ref: Name


class AlertNotificationTargetRef(SpecModel):
    target_ref: Name


class AlertPolicyRef(SpecModel):
    alert_policy_ref: Name


def _ref_or_inline(ref_key: str) -> Discriminator:
    """Items are either ``{<ref_key>: name}`` or an inline object; the key decides."""

    def pick(value: Any) -> str:
        if isinstance(value, dict):
            return "ref" if ref_key in value else "inline"
        return "ref" if hasattr(value, to_snake(ref_key)) else "inline"

    return Discriminator(pick)


def to_snake(name: str) -> str:
    return "".join(f"_{ch.lower()}" if ch.isupper() else ch for ch in name)


ConditionItem = Annotated[
    Annotated[AlertConditionRef, Tag("ref")] | Annotated[AlertCondition, Tag("inline")],
    _ref_or_inline("conditionRef"),
]
TargetItem = Annotated[
    Annotated[AlertNotificationTargetRef, Tag("ref")]
    | Annotated[AlertNotificationTarget, Tag("inline")],
    _ref_or_inline("targetRef"),
]


class AlertPolicySpec(SpecModel):
    description: Description | None = None
    alert_when_no_data: bool | None = None
    alert_when_resolved: bool | None = None
    alert_when_breaching: bool | None = None
    # OpenSLO: "an array (max of one condition)", an array only to be future-proof.
    conditions: list[ConditionItem] = Field(min_length=1, max_length=1)
    notification_targets: Annotated[list[TargetItem], none_as_empty(list)]


class AlertPolicy(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["AlertPolicy"] = "AlertPolicy"
    metadata: Metadata
    spec: AlertPolicySpec


AlertPolicyItem = Annotated[
    Annotated[AlertPolicyRef, Tag("ref")] | Annotated[AlertPolicy, Tag("inline")],
    _ref_or_inline("alertPolicyRef"),
]


# --- top-level kinds ---------------------------------------------------------------------


class ServiceSpec(SpecModel):
    description: Description | None = None


class Service(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["Service"] = "Service"
    metadata: Metadata
    spec: ServiceSpec = Field(default_factory=ServiceSpec)


class DataSourceSpec(SpecModel):
    description: Description | None = None
    type: str
    connection_details: FreeForm = Field(default_factory=dict)

    @property
    def type_key(self) -> str | None:
        return source_type_key(self.type)


class DataSource(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["DataSource"] = "DataSource"
    metadata: Metadata
    spec: DataSourceSpec


class SLI(Indicator):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["SLI"] = "SLI"


class SLOSpec(SpecModel):
    description: Description | None = None
    service: Name
    indicator: Indicator | None = None
    indicator_ref: Name | None = None
    # OpenSLO writes the window as a list that holds exactly one item.
    time_window: list[TimeWindow] = Field(min_length=1, max_length=1)
    budgeting_method: BudgetingMethod
    objectives: list[Objective] = Field(min_length=1)
    alert_policies: Annotated[list[AlertPolicyItem], none_as_empty(list)] = Field(
        default_factory=list
    )

    @model_validator(mode="after")
    def _one_indicator(self) -> SLOSpec:
        if self.indicator is not None and self.indicator_ref is not None:
            raise spec_error(
                "give either 'indicator' or 'indicatorRef', not both", field="indicatorRef"
            )
        if self.indicator is None and self.indicator_ref is None:
            raise spec_error("an SLO needs 'indicator' or 'indicatorRef'")
        return self


class SLO(SpecModel):
    api_version: Literal["openslo/v1"] = API_VERSION
    kind: Literal["SLO"] = "SLO"
    metadata: Metadata
    spec: SLOSpec

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def indicator(self) -> Indicator | None:
        """The inline indicator; for SLOs from :attr:`LoadResult.slos` it is never ``None``
        (an ``indicatorRef`` is resolved into it)."""
        return self.spec.indicator

    @property
    def objectives(self) -> list[Objective]:
        return self.spec.objectives

    @property
    def time_window(self) -> TimeWindow:
        return self.spec.time_window[0]

    @property
    def budgeting_method(self) -> BudgetingMethod:
        return self.spec.budgeting_method


SpecObject = (
    SLO | SLI | Service | DataSource | AlertPolicy | AlertCondition | AlertNotificationTarget
)

KINDS: dict[str, type[SpecObject]] = {
    "SLO": SLO,
    "SLI": SLI,
    "Service": Service,
    "DataSource": DataSource,
    "AlertPolicy": AlertPolicy,
    "AlertCondition": AlertCondition,
    "AlertNotificationTarget": AlertNotificationTarget,
}

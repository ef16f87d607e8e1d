"""SLO specs as code: OpenSLO v1 and Sloth in, validated models and OpenSLO v1 out.

Pure: no Django, and no I/O except :func:`load_paths`, which reads the files it is given.

>>> result = load_text(text, path="slo.yaml")      # or load_paths(["specs/"])
>>> result.ok, [str(p) for p in result.problems]    # "slo.yaml:12:15: spec.objectives[0]…"
>>> slo = result.slos[0]
>>> slo.indicator.spec.ratio_metric, slo.objectives[0].target, slo.time_window.duration
>>> emit_openslo(result.objects)                    # OpenSLO v1 YAML

See ``docs/specs.md`` for what is accepted and how each message reads.
"""

from ekkyo.specs.durations import Duration, DurationError, parse_duration
from ekkyo.specs.emit import emit_openslo, to_document
from ekkyo.specs.fields import percent_to_ratio
from ekkyo.specs.load import LoadResult, load_paths, load_text, load_texts
from ekkyo.specs.model import (
    KINDS,
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
from ekkyo.specs.problems import Problem
from ekkyo.specs.sloth import SlothSpec, sloth_alerting, sloth_to_openslo

__all__ = [
    "KINDS",
    "SLI",
    "SLO",
    "AlertCondition",
    "AlertConditionRef",
    "AlertConditionSpec",
    "AlertNotificationTarget",
    "AlertNotificationTargetRef",
    "AlertNotificationTargetSpec",
    "AlertPolicy",
    "AlertPolicyRef",
    "AlertPolicySpec",
    "BurnRateCondition",
    "Calendar",
    "DataSource",
    "DataSourceSpec",
    "Duration",
    "DurationError",
    "Indicator",
    "LoadResult",
    "Metadata",
    "Metric",
    "MetricSource",
    "Objective",
    "Problem",
    "RatioMetric",
    "SLISpec",
    "SLOSpec",
    "Service",
    "ServiceSpec",
    "SlothSpec",
    "SpecObject",
    "TimeWindow",
    "emit_openslo",
    "load_paths",
    "load_text",
    "load_texts",
    "parse_duration",
    "percent_to_ratio",
    "sloth_alerting",
    "sloth_to_openslo",
    "to_document",
]

"""Sloth service specs (``version: prometheus/v1``) imported as OpenSLO objects.

A Sloth spec declares one service and its SLOs.  :func:`sloth_to_openslo` turns it into
one OpenSLO ``Service`` plus one ``SLO`` per Sloth SLO:

- the SLO is named ``<service>-<slo name>`` (Sloth's own SLO id), its ``displayName`` is
  the Sloth name, its labels are the service labels overlaid with the SLO's labels;
- ``sli.events`` becomes a ratio metric with ``bad`` = ``error_query`` and ``total`` =
  ``total_query``; ``sli.raw.error_ratio_query`` becomes a ``raw`` ratio metric with
  ``rawType: failure``; both with a Prometheus metric source whose ``spec.query`` is the
  query exactly as written (Sloth's ``{{.window}}`` placeholders included);
- the ``objective`` percentage becomes ``target`` (99.9 → 0.999), over a 30-day rolling
  window with Occurrences budgeting, as Sloth computes it;
- the ``alerting`` block is kept in the SLO's annotations (OpenSLO's AlertPolicy cannot
  say "multi-window, multi-burn-rate"): ``sloth.slok.dev/alert-name``, and as JSON objects
  ``sloth.slok.dev/alert-labels``, ``sloth.slok.dev/alert-annotations``,
  ``sloth.slok.dev/page-alert`` and ``sloth.slok.dev/ticket-alert``
  (each ``{"disable": …, "labels": {…}, "annotations": {…}}``).
  :func:`sloth_alerting` reads them back.

The Kubernetes form (``apiVersion: sloth.slok.dev/v1``, ``kind: PrometheusServiceLevel``)
carries the same spec under ``spec`` with camelCase keys; :func:`crd_to_spec_data` renames
them so that one model validates both.  Sloth's SLI plugins cannot be converted.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ekkyo.specs.durations import Duration
from ekkyo.specs.fields import Description, Name, Percent, StringMap, percent_to_ratio
from ekkyo.specs.model import (
    SLO,
    Indicator,
    Metadata,
    Metric,
    MetricSource,
    Objective,
    RatioMetric,
    Service,
    SLISpec,
    SLOSpec,
    SpecObject,
    TimeWindow,
)
from ekkyo.specs.problems import spec_error

SLOTH_VERSION: Final = "prometheus/v1"
SLOTH_CRD_API_VERSION = "sloth.slok.dev/v1"
SLOTH_CRD_KIND = "PrometheusServiceLevel"
SLOTH_WINDOW = Duration(30, "d")
ANNOTATION_PREFIX = "sloth.slok.dev/"
# Annotation key (after the prefix) → Sloth's alerting field.
_ALERT_FIELDS = {
    "alert-name": "name",
    "alert-labels": "labels",
    "alert-annotations": "annotations",
    "page-alert": "page_alert",
    "ticket-alert": "ticket_alert",
}


class SlothModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _scalars_as_text(value: Any) -> Any:
    # Sloth (Go, map[string]string) reads `tier: 2` as the string "2"; so does ekkyo.
    if not isinstance(value, dict):
        return value
    return {key: _text(item) for key, item in value.items()}


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


SlothMap = Annotated[StringMap, BeforeValidator(_scalars_as_text)]


class SlothEvents(SlothModel):
    error_query: str
    total_query: str

    @model_validator(mode="after")
    def _queries(self) -> SlothEvents:
        for key in ("error_query", "total_query"):
            if not getattr(self, key).strip():
                raise spec_error("a query cannot be empty", field=key)
        return self


class SlothRaw(SlothModel):
    error_ratio_query: str

    @model_validator(mode="after")
    def _query(self) -> SlothRaw:
        if not self.error_ratio_query.strip():
            raise spec_error("a query cannot be empty", field="error_ratio_query")
        return self


class SlothPlugin(SlothModel):
    id: str
    options: dict[str, Any] = Field(default_factory=dict)


class SlothSLI(SlothModel):
    events: SlothEvents | None = None
    raw: SlothRaw | None = None
    plugin: SlothPlugin | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SlothSLI:
        given = [k for k in ("events", "raw", "plugin") if getattr(self, k) is not None]
        if len(given) > 1:
            raise spec_error(
                f"give one of 'events', 'raw' or 'plugin', not {given}", field=given[1]
            )
        if not given:
            raise spec_error("an SLI needs 'events' (error_query, total_query) or 'raw'")
        if self.plugin is not None:
            raise spec_error(
                f"SLI plugins (here {self.plugin.id!r}) cannot be converted to OpenSLO; "
                "write the plugin's queries as 'events' or 'raw'",
                field="plugin",
            )
        return self


class SlothAlert(SlothModel):
    disable: bool = False
    labels: SlothMap = Field(default_factory=dict)
    annotations: SlothMap = Field(default_factory=dict)


class SlothAlerting(SlothModel):
    name: str | None = None
    labels: SlothMap = Field(default_factory=dict)
    annotations: SlothMap = Field(default_factory=dict)
    page_alert: SlothAlert | None = None
    ticket_alert: SlothAlert | None = None


class SlothSLO(SlothModel):
    name: Name
    objective: Percent
    # Checked as OpenSLO checks it: the description becomes the OpenSLO SLO's.
    description: Description | None = None
    labels: SlothMap = Field(default_factory=dict)
    sli: SlothSLI
    alerting: SlothAlerting | None = None


class SlothSpec(SlothModel):
    """A Sloth ``prometheus/v1`` service spec."""

    version: Literal["prometheus/v1"] = SLOTH_VERSION
    service: Name
    labels: SlothMap = Field(default_factory=dict)
    slos: list[SlothSLO] = Field(min_length=1)


# The Kubernetes resource spells these keys in camelCase; the keys of labels and
# annotations are the user's own and are left as they are.
_CRD_SLI_KEYS = {"errorQuery": "error_query", "totalQuery": "total_query"}
_CRD_RAW_KEYS = {"errorRatioQuery": "error_ratio_query"}
_CRD_ALERTING_KEYS = {"pageAlert": "page_alert", "ticketAlert": "ticket_alert"}


def crd_to_spec_data(spec: Any) -> Any:
    """The ``spec`` of a ``PrometheusServiceLevel`` as ``prometheus/v1`` data."""
    if not isinstance(spec, dict):
        return spec
    data = {"version": SLOTH_VERSION, **spec}
    slos = data.get("slos")
    if isinstance(slos, list):
        data["slos"] = [_crd_slo(slo) for slo in slos]
    return data


def _crd_slo(slo: Any) -> Any:
    if not isinstance(slo, dict):
        return slo
    slo = dict(slo)
    sli = slo.get("sli")
    if isinstance(sli, dict):
        sli = dict(sli)
        if isinstance(sli.get("events"), dict):
            sli["events"] = _rename(sli["events"], _CRD_SLI_KEYS)
        if isinstance(sli.get("raw"), dict):
            sli["raw"] = _rename(sli["raw"], _CRD_RAW_KEYS)
        slo["sli"] = sli
    if isinstance(slo.get("alerting"), dict):
        slo["alerting"] = _rename(slo["alerting"], _CRD_ALERTING_KEYS)
    return slo


def _rename(data: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(key, key): value for key, value in data.items()}


def sloth_to_openslo(spec: SlothSpec) -> list[SpecObject]:
    """The OpenSLO ``Service`` and ``SLO`` objects equivalent to a Sloth spec."""
    service = Service(metadata=Metadata(name=spec.service, labels=dict(spec.labels)))
    objects: list[SpecObject] = [service]
    objects.extend(_slo(spec, slo) for slo in spec.slos)
    return objects


def _slo(spec: SlothSpec, slo: SlothSLO) -> SLO:
    name = f"{spec.service}-{slo.name}"
    indicator = Indicator(metadata=Metadata(name=name), spec=SLISpec(ratio_metric=_ratio(slo)))
    return SLO(
        metadata=Metadata(
            name=name,
            display_name=slo.name,
            labels={**spec.labels, **slo.labels},
            annotations=_alerting_annotations(slo.alerting),
        ),
        spec=SLOSpec(
            description=slo.description or None,
            service=spec.service,
            indicator=indicator,
            time_window=[TimeWindow(duration=SLOTH_WINDOW, is_rolling=True)],
            budgeting_method="Occurrences",
            objectives=[Objective(target_ratio=percent_to_ratio(slo.objective))],
        ),
    )


def _ratio(slo: SlothSLO) -> RatioMetric:
    if slo.sli.raw is not None:
        return RatioMetric(raw_type="failure", raw=_prometheus(slo.sli.raw.error_ratio_query))
    assert slo.sli.events is not None  # SlothSLI allows nothing else
    return RatioMetric(
        counter=False,
        bad=_prometheus(slo.sli.events.error_query),
        total=_prometheus(slo.sli.events.total_query),
    )


def _prometheus(query: str) -> Metric:
    return Metric(metric_source=MetricSource(type="Prometheus", spec={"query": query}))


def _alerting_annotations(alerting: SlothAlerting | None) -> dict[str, str]:
    if alerting is None:
        return {}
    out = {}
    if alerting.name:
        out[ANNOTATION_PREFIX + "alert-name"] = alerting.name
    if alerting.labels:
        out[ANNOTATION_PREFIX + "alert-labels"] = _json(alerting.labels)
    if alerting.annotations:
        out[ANNOTATION_PREFIX + "alert-annotations"] = _json(alerting.annotations)
    for key, alert in (
        ("page-alert", alerting.page_alert),
        ("ticket-alert", alerting.ticket_alert),
    ):
        if alert is not None:
            out[ANNOTATION_PREFIX + key] = _json(alert.model_dump())
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sloth_alerting(slo: SLO) -> dict[str, Any] | None:
    """The Sloth ``alerting`` block an imported SLO came with, or None.

    Keys are Sloth's (``name``, ``labels``, ``annotations``, ``page_alert``,
    ``ticket_alert``), read back from the annotations :func:`sloth_to_openslo` wrote.
    """
    notes = slo.metadata.annotations
    out: dict[str, Any] = {}
    for key, field in _ALERT_FIELDS.items():
        text = notes.get(ANNOTATION_PREFIX + key)
        if text is not None:
            out[field] = text if key == "alert-name" else json.loads(text)
    return out or None

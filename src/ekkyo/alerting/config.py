"""Alert settings and routing read from OpenSLO documents (pure: no Django, no I/O).

Works on plain documents as ``catalog.SLO.spec`` stores them (camelCase keys), so the
worker, the admin and ``ekkyo backtest`` read an SLO's alerting one way:

* SLO annotations ``ekkyo.dev/alert-for`` (a duration such as ``5m``) and
  ``ekkyo.dev/min-events`` (a whole number) give every rule of the SLO a ``for`` duration
  and a minimum-events guard.
* An ``AlertPolicy`` of the SLO (inline or ``alertPolicyRef``) holds one
  ``AlertCondition`` whose ``severity`` picks the rules it covers (``page`` or
  ``ticket``; see :data:`SEVERITY_NAMES`) and whose ``condition.alertAfter``, when given,
  is the ``for`` duration of those rules, overriding the annotation.  Its
  ``notificationTargets`` are where those rules' alerts go (docs/alerting.md).
* An ``AlertNotificationTarget``'s ``spec.target`` is ``slack``, ``pagerduty`` or
  ``webhook``; its secrets are never in the document but named by environment variable in
  annotations (:data:`SECRET_ENV_ANNOTATIONS`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ekkyo.engine.alertstate import AlertSettings
from ekkyo.specs.durations import DurationError, parse_duration

FOR_ANNOTATION = "ekkyo.dev/alert-for"
MIN_EVENTS_ANNOTATION = "ekkyo.dev/min-events"
#: Annotation of an AlertNotificationTarget → the NotificationTarget field it names the
#: environment variable of.
SECRET_ENV_ANNOTATIONS = {
    "ekkyo.dev/url-env": "url_env",
    "ekkyo.dev/routing-key-env": "routing_key_env",
    "ekkyo.dev/secret-env": "hmac_secret_env",
}
ENDPOINT_ANNOTATION = "ekkyo.dev/pagerduty-endpoint"
LANGUAGE_ANNOTATION = "ekkyo.dev/language"
PENDING_ANNOTATION = "ekkyo.dev/notify-pending"

#: AlertCondition severities ekkyo understands (case-insensitive) → its two severities.
SEVERITY_NAMES = {
    "page": "page",
    "critical": "page",
    "high": "page",
    "ticket": "ticket",
    "warning": "ticket",
    "low": "ticket",
}
TARGET_KINDS = ("slack", "pagerduty", "webhook")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Lookup = Callable[[str, str], Mapping[str, Any] | None]


class ConfigError(ValueError):
    """A setting that cannot be read; the message names the annotation or field."""


def _annotations(document: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def _name(document: Mapping[str, Any]) -> str:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    return str(name) if name else "?"


def duration_seconds(text: object, where: str) -> int:
    """Seconds of a duration such as ``5m`` (``0m`` allowed); ConfigError naming ``where``."""
    if not isinstance(text, str):
        raise ConfigError(f"{where}: expected a duration such as 5m, got {text!r}")
    try:
        duration = parse_duration(text.strip(), allow_zero=True)
    except DurationError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if duration.seconds is None:
        raise ConfigError(f"{where}: a month, quarter or year has no fixed length")
    return duration.seconds


def settings_from_annotations(annotations: Mapping[str, Any]) -> AlertSettings:
    """The SLO-wide :class:`AlertSettings` from its annotations (defaults: 0 and 0)."""
    for_s = 0
    min_events = 0
    if FOR_ANNOTATION in annotations:
        for_s = duration_seconds(annotations[FOR_ANNOTATION], FOR_ANNOTATION)
    if MIN_EVENTS_ANNOTATION in annotations:
        raw = str(annotations[MIN_EVENTS_ANNOTATION]).strip()
        if not raw.isdigit():
            raise ConfigError(
                f"{MIN_EVENTS_ANNOTATION}: expected a whole number such as 100, got {raw!r}"
            )
        min_events = int(raw)
    return AlertSettings(for_s=for_s, min_events=min_events)


@dataclass(frozen=True)
class TargetSpec:
    """An ``AlertNotificationTarget`` as ekkyo uses it (secrets by variable name only)."""

    name: str
    kind: str
    url_env: str = ""
    routing_key_env: str = ""
    hmac_secret_env: str = ""
    endpoint: str = ""
    language: str = "en"
    notify_pending: bool = False
    description: str = ""


@dataclass(frozen=True)
class PolicySpec:
    """One alert policy of an SLO: the severity it covers, its ``for``, its targets."""

    name: str
    severity: str
    for_s: int | None
    targets: tuple[TargetSpec, ...]


@dataclass(frozen=True)
class AlertingConfig:
    """Everything an SLO's documents say about its alerts; ``problems`` are skipped parts."""

    settings: Mapping[str, AlertSettings]
    policies: tuple[PolicySpec, ...] = ()
    problems: tuple[str, ...] = field(default=())

    def settings_for(self, severity: str) -> AlertSettings:
        return self.settings.get(severity, AlertSettings())

    def policy_targets(self, severity: str) -> tuple[TargetSpec, ...] | None:
        """Targets of the policies covering ``severity``; None when no policy covers it."""
        covering = [p for p in self.policies if p.severity == severity]
        if not covering:
            return None
        seen: dict[str, TargetSpec] = {}
        for policy in covering:
            for target in policy.targets:
                seen.setdefault(target.name, target)
        return tuple(seen.values())


def target_spec(document: Mapping[str, Any]) -> TargetSpec:
    """A :class:`TargetSpec` from an ``AlertNotificationTarget`` document."""
    name = _name(document)
    spec = document.get("spec")
    raw = spec.get("target") if isinstance(spec, Mapping) else None
    kind = str(raw or "").strip().lower()
    if kind not in TARGET_KINDS:
        raise ConfigError(
            f"AlertNotificationTarget {name}: spec.target must be one of "
            f"{', '.join(TARGET_KINDS)}, got {raw!r}"
        )
    annotations = _annotations(document)
    env: dict[str, str] = {}
    for key, field_name in SECRET_ENV_ANNOTATIONS.items():
        value = str(annotations.get(key, "")).strip()
        if value and not _ENV_NAME.fullmatch(value):
            raise ConfigError(
                f"AlertNotificationTarget {name}: {key} must name an environment variable"
            )
        env[field_name] = value
    needed = {"slack": "url_env", "webhook": "url_env", "pagerduty": "routing_key_env"}[kind]
    if not env[needed]:
        key = next(k for k, v in SECRET_ENV_ANNOTATIONS.items() if v == needed)
        raise ConfigError(f"AlertNotificationTarget {name}: a {kind} target needs {key}")
    if kind == "webhook" and not env["hmac_secret_env"]:
        raise ConfigError(f"AlertNotificationTarget {name}: a webhook needs ekkyo.dev/secret-env")
    language = str(annotations.get(LANGUAGE_ANNOTATION, "en")).strip() or "en"
    if language not in ("en", "ja"):
        raise ConfigError(f"AlertNotificationTarget {name}: {LANGUAGE_ANNOTATION} is en or ja")
    pending = str(annotations.get(PENDING_ANNOTATION, "false")).strip().lower()
    if pending not in ("true", "false"):
        raise ConfigError(f"AlertNotificationTarget {name}: {PENDING_ANNOTATION} is true or false")
    return TargetSpec(
        name=name,
        kind=kind,
        endpoint=str(annotations.get(ENDPOINT_ANNOTATION, "")).strip(),
        language=language,
        notify_pending=pending == "true" and kind != "pagerduty",
        description=str(spec.get("description") or "") if isinstance(spec, Mapping) else "",
        **env,
    )


def _resolve(item: Any, ref_key: str, kind: str, lookup: Lookup) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{kind}: expected an object or a {ref_key}")
    if ref_key in item:
        found = lookup(kind, str(item[ref_key]))
        if found is None:
            raise ConfigError(f"{ref_key} {item[ref_key]!r}: no {kind} of that name")
        return found
    return item


def _policy(item: Any, lookup: Lookup) -> PolicySpec:
    document = _resolve(item, "alertPolicyRef", "AlertPolicy", lookup)
    name = _name(document)
    spec = document.get("spec")
    spec = spec if isinstance(spec, Mapping) else {}
    conditions = spec.get("conditions") or []
    if not isinstance(conditions, list) or len(conditions) != 1:
        raise ConfigError(f"AlertPolicy {name}: needs exactly one condition")
    condition = _resolve(conditions[0], "conditionRef", "AlertCondition", lookup)
    cspec = condition.get("spec")
    cspec = cspec if isinstance(cspec, Mapping) else {}
    raw_severity = str(cspec.get("severity", "")).strip()
    severity = SEVERITY_NAMES.get(raw_severity.lower())
    if severity is None:
        raise ConfigError(
            f"AlertCondition {_name(condition)}: severity {raw_severity!r} is not one of "
            f"{', '.join(SEVERITY_NAMES)}"
        )
    burn = cspec.get("condition")
    alert_after = burn.get("alertAfter") if isinstance(burn, Mapping) else None
    for_s = None
    if alert_after is not None:
        for_s = duration_seconds(alert_after, f"AlertCondition {_name(condition)}: alertAfter")
    targets = []
    for entry in spec.get("notificationTargets") or []:
        targets.append(target_spec(_resolve(entry, "targetRef", "AlertNotificationTarget", lookup)))
    return PolicySpec(name, severity, for_s, tuple(targets))


def alerting_config(slo_document: Mapping[str, Any], lookup: Lookup) -> AlertingConfig:
    """The :class:`AlertingConfig` of an SLO document; refs resolved through ``lookup``.

    A part that cannot be read is skipped and described in ``problems`` (the caller logs
    them); the rest still applies.  A policy with a bad condition or target is skipped as
    a whole, so its severity falls back to the team's targets instead of going nowhere.
    """
    problems: list[str] = []
    try:
        base = settings_from_annotations(_annotations(slo_document))
    except ConfigError as exc:
        problems.append(str(exc))
        base = AlertSettings()
    policies: list[PolicySpec] = []
    spec = slo_document.get("spec")
    items = spec.get("alertPolicies") if isinstance(spec, Mapping) else None
    for item in items if isinstance(items, list) else []:
        try:
            policies.append(_policy(item, lookup))
        except ConfigError as exc:
            problems.append(str(exc))
    settings = {}
    for severity in ("page", "ticket"):
        overrides = [p.for_s for p in policies if p.severity == severity and p.for_s is not None]
        for_s = max(overrides) if overrides else base.for_s
        settings[severity] = AlertSettings(for_s=for_s, min_events=base.min_events)
    return AlertingConfig(settings, tuple(policies), tuple(problems))

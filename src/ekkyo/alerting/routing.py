"""Who hears about an alert: targets per team and severity, OpenSLO policies, trial SLOs.

Routing of a rule's change (docs/alerting.md, "Routing"):

1. An SLO in **trial** operation pages no one: its ``page`` alerts become ``ticket``
   alerts, and they go to the team's trial channels (targets marked ``for_trial``, of the
   team or of every team) when there are any, else to its ``ticket`` targets — never to
   PagerDuty.
2. Otherwise, when the SLO has an OpenSLO ``AlertPolicy`` covering the rule's severity,
   the policy's ``AlertNotificationTarget`` s receive it (and the team's targets do not).
3. Otherwise the enabled targets of the SLO's team, and those without a team, whose
   ``severities`` include the rule's.

``pending`` changes go only to targets with ``notify_pending`` (never PagerDuty, which has
no form for them).  Resolves do not route: they go where the episode's firing went.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ekkyo.alerting.config import AlertingConfig, TargetSpec, alerting_config
from ekkyo.alerting.models import NotificationTarget, TargetKind, TargetSource
from ekkyo.catalog.models import SLO, Lifecycle, SpecObject
from ekkyo.notify import PagerDutyTarget, SlackTarget, Target, WebhookTarget

log = logging.getLogger(__name__)

OPENSLO_PREFIX = "openslo:"


class TargetError(ValueError):
    """A target that cannot be used as configured; the message holds no secret."""


def slo_config(slo: SLO) -> AlertingConfig:
    """The SLO's alerting configuration from its stored document and shared objects."""
    cache: dict[tuple[str, str], Mapping[str, Any] | None] = {}

    def lookup(kind: str, name: str) -> Mapping[str, Any] | None:
        if (kind, name) not in cache:
            row = SpecObject.objects.filter(kind=kind, name=name).only("spec").first()
            cache[(kind, name)] = row.spec if row is not None else None
        return cache[(kind, name)]

    config = alerting_config(slo.spec if isinstance(slo.spec, dict) else {}, lookup)
    for problem in config.problems:
        log.warning("alerting: SLO %s: %s (skipped)", slo.name, problem)
    return config


def effective_severity(slo: SLO, severity: str) -> str:
    """The severity an alert is sent with: a trial SLO's pages become tickets."""
    return "ticket" if slo.lifecycle == Lifecycle.TRIAL else severity


def ensure_openslo_target(spec: TargetSpec) -> NotificationTarget:
    """The NotificationTarget row of an OpenSLO ``AlertNotificationTarget``, kept in step."""
    fields = {
        "kind": spec.kind,
        "url_env": spec.url_env,
        "routing_key_env": spec.routing_key_env,
        "hmac_secret_env": spec.hmac_secret_env,
        "endpoint": spec.endpoint,
        "language": spec.language,
        "notify_pending": spec.notify_pending,
        "source": TargetSource.OPENSLO,
    }
    name = OPENSLO_PREFIX + spec.name
    row = NotificationTarget.objects.filter(name=name).first()
    if row is None:
        return NotificationTarget.objects.create(name=name, team=None, severities=[], **fields)
    changed = [k for k, v in fields.items() if getattr(row, k) != v]
    if changed:
        for key in changed:
            setattr(row, key, fields[key])
        row.updated_at = timezone.now()
        row.save(update_fields=[*changed, "updated_at"])
    return row


def _team_targets(slo: SLO, severity: str) -> list[NotificationTarget]:
    rows = NotificationTarget.objects.filter(
        Q(team_id=slo.service.team_id) | Q(team__isnull=True),
        enabled=True,
        for_trial=False,
        source=TargetSource.MANUAL,
    ).order_by("id")
    return [r for r in rows if severity in (r.severities or [])]


def _normal(slo: SLO, severity: str, config: AlertingConfig) -> list[NotificationTarget]:
    specs = config.policy_targets(severity)
    if specs is None:
        return _team_targets(slo, severity)
    rows = [ensure_openslo_target(spec) for spec in specs]
    return [r for r in rows if r.enabled]


def targets_for(
    slo: SLO, severity: str, kind: str, config: AlertingConfig
) -> list[NotificationTarget]:
    """The targets to tell about a ``pending`` or ``firing`` change of a ``severity`` rule."""
    if slo.lifecycle == Lifecycle.TRIAL:
        chosen = list(
            NotificationTarget.objects.filter(
                Q(team_id=slo.service.team_id) | Q(team__isnull=True),
                enabled=True,
                for_trial=True,
            ).order_by("id")
        )
        if not chosen:
            chosen = [t for t in _normal(slo, "ticket", config) if t.kind != TargetKind.PAGERDUTY]
    else:
        chosen = _normal(slo, severity, config)
    if kind == "pending":
        chosen = [t for t in chosen if t.notify_pending and t.kind != TargetKind.PAGERDUTY]
    return chosen


# --------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class _Secrets:
    url: str
    routing_key: str
    hmac_secret: str


def _secret(row: NotificationTarget, field: str, environ: Mapping[str, str]) -> str:
    stored = getattr(row, field)
    value = stored.reveal() if hasattr(stored, "reveal") else str(stored or "")
    if value:
        return value
    variable = getattr(row, f"{field}_env")
    if not variable:
        return ""
    found = environ.get(variable, "")
    if not found:
        raise TargetError(f"environment variable {variable} is not set")
    return found


def build_target(row: NotificationTarget, environ: Mapping[str, str] | None = None) -> Target:
    """The :mod:`ekkyo.notify` target of a row, with its credentials; TargetError if unusable."""
    env = os.environ if environ is None else environ
    try:
        if row.kind == TargetKind.SLACK:
            url = _secret(row, "url", env)
            if not url:
                raise TargetError("no Slack webhook URL (url or url_env)")
            return SlackTarget(url)
        if row.kind == TargetKind.PAGERDUTY:
            key = _secret(row, "routing_key", env)
            if not key:
                raise TargetError("no PagerDuty routing key (routing_key or routing_key_env)")
            return PagerDutyTarget(key, row.endpoint) if row.endpoint else PagerDutyTarget(key)
        if row.kind == TargetKind.WEBHOOK:
            url = _secret(row, "url", env)
            secret = _secret(row, "hmac_secret", env)
            if not url or not secret:
                raise TargetError("a webhook needs a URL and a signing secret")
            return WebhookTarget(url, secret)
    except ValueError as exc:
        # ekkyo.notify's messages name the field, never its value.
        raise TargetError(str(exc)) from None
    raise TargetError(f"unknown target kind {row.kind!r}")

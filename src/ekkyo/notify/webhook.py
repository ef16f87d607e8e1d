"""The generic webhook's JSON document (schema version 1, see docs/notifications.md).

Field names are a public contract: add fields freely, but rename or remove one only with a
new ``version``.  Numbers are unrounded (the engine's); ``summary`` is the human line in the
event's language.
"""

from __future__ import annotations

from typing import Any, Final

from ekkyo.notify import texts
from ekkyo.notify.event import AlertEvent

WEBHOOK_VERSION: Final = 1
EVENT_TYPE: Final = "slo.alert"


def webhook_payload(event: AlertEvent) -> dict[str, Any]:
    """The JSON object POSTed to a generic webhook for ``event``."""
    return {
        "version": WEBHOOK_VERSION,
        "type": EVENT_TYPE,
        "id": event.event_id,
        "dedup_key": event.dedup_key,
        "state": event.state,
        "severity": event.severity,
        "summary": texts.summary(event),
        "language": event.language,
        "slo": {
            "name": event.slo,
            "display_name": event.slo_display_name,
            "service": event.service,
            "team": event.team,
            "url": event.slo_url,
            "trial": event.trial,
        },
        "objective": {"name": event.objective, "target": event.target},
        "rule": {
            "long_window": event.rule.long_window,
            "short_window": event.rule.short_window,
            "factor": event.rule.factor,
        },
        "burn_rates": dict(event.burn_rates),
        "sli": event.sli,
        "error_budget": {"remaining_ratio": event.budget_remaining},
        "started_at": event.started_at,
        "occurred_at": event.occurred_at,
    }

"""PagerDuty Events API v2 payloads (``POST https://events.pagerduty.com/v2/enqueue``).

A ``firing`` event is a ``trigger`` and a ``resolved`` event a ``resolve``, both with the
event's stable ``dedup_key`` so PagerDuty folds re-notifications into one alert and the
resolve closes it.  A ``resolve`` carries only ``routing_key``, ``event_action`` and
``dedup_key``: PagerDuty ignores anything else on it.  ``pending`` has no PagerDuty
counterpart (nobody is paged for a suspicion) and is refused.
"""

from __future__ import annotations

from typing import Any, Final

from ekkyo.notify import texts
from ekkyo.notify.event import AlertEvent

ENDPOINT: Final = "https://events.pagerduty.com/v2/enqueue"
SEVERITY: Final[dict[str, str]] = {"page": "critical", "ticket": "warning"}
EVENT_ACTION: Final[dict[str, str]] = {"firing": "trigger", "resolved": "resolve"}
CLIENT: Final = "ekkyo"
EVENT_CLASS: Final = "slo-burn-rate"


class UnsupportedEvent(ValueError):
    """The event has no representation for this target (a ``pending`` for PagerDuty)."""


def pagerduty_payload(event: AlertEvent, routing_key: str) -> dict[str, Any]:
    """The Events API v2 JSON for ``event``, sent with the integration's ``routing_key``."""
    action = EVENT_ACTION.get(event.state)
    if action is None:
        raise UnsupportedEvent(f"PagerDuty takes firing and resolved events, not {event.state}")
    if action == "resolve":
        return {"routing_key": routing_key, "event_action": action, "dedup_key": event.dedup_key}
    return {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": event.dedup_key,
        "client": CLIENT,
        "client_url": event.slo_url,
        "links": [
            {
                "href": event.slo_url,
                "text": texts.text("pagerduty.link", event.language, name=event.slo_display_name),
            }
        ],
        "payload": {
            "summary": texts.summary(event),
            # PagerDuty wants the affected system here; an SLO's is its service.
            "source": event.service,
            "severity": SEVERITY[event.severity],
            "timestamp": event.occurred_at,
            "component": event.slo,
            "group": event.team,
            "class": EVENT_CLASS,
            "custom_details": custom_details(event),
        },
    }


def custom_details(event: AlertEvent) -> dict[str, Any]:
    """Raw, unrounded numbers for responders and PagerDuty's event rules."""
    return {
        "slo": event.slo,
        "slo_display_name": event.slo_display_name,
        "objective": event.objective,
        "target": event.target,
        "severity": event.severity,
        "rule": {
            "long_window": event.rule.long_window,
            "short_window": event.rule.short_window,
            "factor": event.rule.factor,
        },
        "burn_rates": dict(event.burn_rates),
        "sli": event.sli,
        "error_budget_remaining_ratio": event.budget_remaining,
        "started_at": event.started_at,
        "trial": event.trial,
        "slo_url": event.slo_url,
    }

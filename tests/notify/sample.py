"""A valid alert event with named overrides, for the notification tests."""

from __future__ import annotations

from ekkyo.notify import AlertEvent, BurnRule


def make_event(**overrides: object) -> AlertEvent:
    fields: dict[str, object] = {
        "slo": "checkout-availability",
        "slo_display_name": "Checkout availability",
        "service": "checkout",
        "team": "payments",
        "objective": "availability",
        "target": 0.999,
        "severity": "page",
        "rule": BurnRule("1h", "5m", 14.4),
        "state": "firing",
        "burn_rates": {"1h": 15.0, "5m": 20.0},
        "sli": 0.9985,
        "budget_remaining": 0.5,
        "started_at": "2026-03-02T09:00:00Z",
        "occurred_at": "2026-03-02T09:05:00Z",
        "slo_url": "https://ekkyo.example.com/slos/checkout-availability",
    }
    fields.update(overrides)
    return AlertEvent(**fields)  # type: ignore[arg-type]

"""Builders for workshop tests; the personas come from the web tests' ``org`` fixture."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from ekkyo.catalog.models import Service
from ekkyo.workshops.models import SLI, Journey, Participant, Workshop
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    add_slo,
    browser,
    browser_page,
    org,
    push_minutes,
    sign_in,
)

DAY = 86400


def make_workshop(team: Any, *, product: str = "shop", **fields: Any) -> Workshop:
    service, _ = Service.objects.get_or_create(name=product, defaults={"team": team})
    return Workshop.objects.create(
        service=service,
        title=fields.pop("title", "Checkout SLOs"),
        held_on=fields.pop("held_on", dt.date(2026, 3, 2)),
        language=fields.pop("language", "en"),
        **fields,
    )


def add_sli(workshop: Workshop, **fields: Any) -> SLI:
    journey = fields.pop("journey", None) or Journey.objects.create(
        workshop=workshop, name=fields.pop("journey_name", "Pay for the basket")
    )
    defaults = {
        "sli_type": "availability",
        "specification": "The proportion of payments that succeed.",
        "kind": "ratio",
        "source": "push",
        "target": 0.999,
        "window_days": 28,
        "in_agreement": True,
        "slo_name": "shop-pay-availability",
        "reasoning": "Customers retry once; more fails them.",
    }
    defaults.update(fields)
    return SLI.objects.create(journey=journey, **defaults)


def add_people(workshop: Workshop, engineer: Any = None) -> dict[str, Participant]:
    return {
        "business": Participant.objects.create(
            workshop=workshop, name="Hanako Sato", side="business", role="participant"
        ),
        "dev": Participant.objects.create(
            workshop=workshop, user=engineer, side="development", role="participant"
        )
        if engineer is not None
        else Participant.objects.create(workshop=workshop, name="Taro Dev", side="development"),
        "sre": Participant.objects.create(
            workshop=workshop, name="Sae Ops", side="sre", role="facilitator"
        ),
    }


def ready_workshop(team: Any) -> tuple[Workshop, SLI, dict[str, Participant]]:
    """A workshop whose agreement can be signed: one SLI chosen, a revisit date set."""
    workshop = make_workshop(team, revisit_on=dt.date(2026, 6, 1))
    sli = add_sli(workshop)
    return workshop, sli, add_people(workshop)


def push_days(
    slo: Any,
    end: dt.datetime,
    days: int,
    *,
    bad_ratio: float = 0.0005,
    seed: int = 3,
    incident: tuple[int, int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``days`` of per-minute counts ending at ``end``; an optional incident
    ``(minutes before end it starts, its length in minutes, its bad share)``."""
    n = days * 1440
    rng = np.random.default_rng(seed)
    total = rng.poisson(60, n).astype(float)
    bad = rng.binomial(total.astype(int), bad_ratio).astype(float)
    if incident is not None:
        ago, length, share = incident
        bad[n - ago : n - ago + length] = np.floor(total[n - ago : n - ago + length] * share)
    push_minutes(slo, end - dt.timedelta(days=days), total - bad, total)
    return total - bad, total

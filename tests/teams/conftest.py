"""Builders for the teams tests; personas come from the web tests' ``org`` fixture."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ekkyo.teams.models import Interaction, Team
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    add_slo,
    add_status,
    browser,
    browser_page,
    org,
    push_minutes,
    sign_in,
)


def interact(a: Team, b: Team, mode: str = "x-as-a-service", **fields: Any) -> Interaction:
    return Interaction.objects.create(
        from_team=a,
        to_team=b,
        mode=mode,
        purpose=fields.pop("purpose", "Logs and metrics as a service"),
        starts_on=fields.pop("starts_on", dt.date(2026, 1, 5)),
        **fields,
    )

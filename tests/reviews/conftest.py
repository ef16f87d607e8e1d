"""Series, sessions and items for the review tests (personas come from the web tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ekkyo.reviews.models import ReviewSeries, ReviewSession
from tests.web.conftest import (  # noqa: F401  (fixtures used by the tests here)
    add_slo,
    add_status,
    browser,
    browser_page,
    org,
    sign_in,
)

# A Wednesday, 16:00 in Tokyo.
FIRST = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)


def make_series(*teams: Any, slug: str = "checkout-review", **fields: Any) -> ReviewSeries:
    series = ReviewSeries.objects.create(
        slug=slug,
        name=fields.pop("name", "Checkout dashboard review"),
        rrule=fields.pop("rrule", "FREQ=WEEKLY;BYDAY=WE"),
        first_starts_at=fields.pop("first_starts_at", FIRST),
        time_zone=fields.pop("time_zone", "Asia/Tokyo"),
        **fields,
    )
    series.teams.set(teams)
    return series


def make_session(series: ReviewSeries, starts_at: dt.datetime, **fields: Any) -> ReviewSession:
    return ReviewSession.objects.create(
        series=series,
        starts_at=starts_at,
        ends_at=starts_at + series.duration,
        language=fields.pop("language", series.language),
        **fields,
    )

"""Silences and maintenance windows as the worker reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from ekkyo.alerting import silences
from ekkyo.alerting.models import Silence
from tests.alerting.helpers import T0, add_slo
from tests.factories import make_team

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def slo():
    return add_slo("pay", make_team("payments"))


@pytest.mark.parametrize("scope", ["slo", "service", "team"])
def test_it_mutes_an_slo_through_a_silence_of_it_its_service_or_its_team(slo, scope):
    owner = {"slo": slo, "service": slo.service, "team": slo.service.team}[scope]
    Silence.objects.create(kind="silence", starts_at=T0, ends_at=T0 + HOUR, **{scope: owner})

    assert silences.is_muted(slo, T0 + HOUR / 2)
    assert not silences.is_muted(slo, T0 + HOUR)


def test_it_ignores_another_teams_silence(slo):
    Silence.objects.create(
        kind="silence", team=make_team("search"), starts_at=T0, ends_at=T0 + HOUR
    )

    assert not silences.is_muted(slo, T0)


def test_it_mutes_only_during_the_occurrences_of_a_recurring_window(slo):
    # Every Sunday 02:00-04:00 Tokyo time (17:00-19:00 UTC on Saturday).
    start = datetime(2026, 3, 1, 2, tzinfo=UTC) - timedelta(hours=9)
    Silence.objects.create(
        kind="maintenance",
        slo=slo,
        starts_at=start,
        ends_at=start + 2 * HOUR,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        time_zone="Asia/Tokyo",
    )

    assert silences.is_muted(slo, datetime(2026, 3, 7, 17, 30, tzinfo=UTC))
    assert not silences.is_muted(slo, datetime(2026, 3, 8, 17, 30, tzinfo=UTC))


def test_it_masks_only_maintenance_excluded_from_the_budget(slo):
    Silence.objects.create(
        kind="maintenance",
        slo=slo,
        starts_at=T0,
        ends_at=T0 + 2 * timedelta(minutes=1),
        exclude_from_budget=True,
    )
    Silence.objects.create(kind="silence", slo=slo, starts_at=T0, ends_at=T0 + HOUR)
    Silence.objects.create(
        kind="maintenance", slo=slo, starts_at=T0 + 3 * timedelta(minutes=1), ends_at=T0 + HOUR
    )

    mask = silences.budget_mask(slo, int(T0.timestamp()) - 60, 5)

    assert mask.tolist() == [False, True, True, False, False]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"time_zone": "Mars/Base"}, "time_zone"),
        ({"kind": "silence", "exclude_from_budget": True}, "exclude_from_budget"),
        ({"ends_at": T0 - HOUR}, "ends_at"),
    ],
)
def test_it_explains_what_is_wrong_with_a_window(slo, fields, field):
    silence = Silence(
        **({"kind": "maintenance", "slo": slo, "starts_at": T0, "ends_at": T0 + HOUR} | fields)
    )

    with pytest.raises(ValidationError) as caught:
        silence.clean()

    assert field in caught.value.message_dict


def test_it_asks_for_exactly_one_scope(slo):
    silence = Silence(
        kind="silence", slo=slo, team=slo.service.team, starts_at=T0, ends_at=T0 + HOUR
    )

    with pytest.raises(ValidationError, match="exactly one"):
        silence.clean()

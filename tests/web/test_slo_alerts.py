"""The SLO page's alert history, and the annotations and maintenance bands of its charts."""

from __future__ import annotations

import datetime as dt

from ekkyo.alerting import state
from ekkyo.alerting.models import Annotation, Silence
from tests.alerting.helpers import result
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, sign_in

T = EVALUATED_AT - dt.timedelta(hours=6)
MIN = dt.timedelta(minutes=1)


def _utc(user):
    user.profile.time_zone = "UTC"
    user.profile.save()
    return user


def _two_episodes(slo):
    """A page alert fired and resolved, then another one firing now."""
    state.process(slo, 0, "availability", result("1h/5m", burn=20.0), T)
    state.process(slo, 0, "availability", result("1h/5m", burn=30.0), T + MIN)
    state.process(slo, 0, "availability", result(), T + 10 * MIN)
    state.process(slo, 0, "availability", result("1h/5m", burn=25.0), T + 60 * MIN)
    state.process(slo, 0, "availability", result("1h/5m", burn=40.0), T + 61 * MIN)


def test_it_lists_alert_episodes_newest_first_in_the_json(client, org):
    slo = add_slo("pay", org["checkout"])
    add_status(slo, "at_risk")
    _two_episodes(slo)
    sign_in(client, _utc(org["viewer"]))

    episodes = client.get("/slos/pay/chart.json?days=7").json()["alert_history"]

    assert [(e["severity"], e["long_window"], e["short_window"]) for e in episodes] == [
        ("page", "1h", "5m"),
        ("page", "1h", "5m"),
    ]
    now, before = episodes
    assert now["status"] == "firing" and now["resolved_at"] is None
    assert now["firing_at"] == (T + 60 * MIN).isoformat()
    # The state tracks the latest episode's peak every tick: 40 at T+61m.
    assert now["peak_burn_rates"] == {"1h": 40.0, "5m": 40.0} and now["peak_exact"]
    assert before["status"] == "resolved"
    assert before["firing_at"] == T.isoformat()
    assert before["resolved_at"] == (T + 10 * MIN).isoformat()
    # An earlier episode keeps the burn rates of its changes only (fired at 20).
    assert before["peak_burn_rates"]["1h"] == 20.0 and not before["peak_exact"]


def test_it_shows_the_alert_history_on_the_page(client, org):
    slo = add_slo("pay", org["checkout"])
    _two_episodes(slo)
    sign_in(client, _utc(org["viewer"]))

    html = client.get("/slos/pay").content.decode()

    assert "No alerts recorded yet" not in html
    table = html.split('data-testid="alert-history"')[1].split("</table>")[0]
    assert table.count("<tr data-status=") == 2
    assert table.index('data-status="firing"') < table.index('data-status="resolved"')
    assert "2026-03-02 06:10" in table  # resolved at T + 10 min, in UTC
    assert "40.0×" in table


def test_it_shows_the_alert_history_in_japanese(client, org):
    slo = add_slo("pay", org["checkout"])
    _two_episodes(slo)
    client.cookies["django_language"] = "ja"
    sign_in(client, org["viewer"])

    html = client.get("/slos/pay").content.decode()

    assert "ピークのバーンレート" in html and "発火時刻" in html and "解消" in html


def test_it_puts_notes_and_maintenance_bands_in_the_chart_json(client, org):
    slo = add_slo("pay", org["checkout"])
    add_status(slo, "healthy")
    Annotation.objects.create(
        slo=slo, kind="deploy", at=EVALUATED_AT - dt.timedelta(days=1), text="v2.3.1"
    )
    Annotation.objects.create(
        slo=slo, kind="note", at=EVALUATED_AT - dt.timedelta(days=20), text="too old for 7 days"
    )
    Silence.objects.create(
        kind="maintenance",
        slo=slo,
        starts_at=EVALUATED_AT - dt.timedelta(hours=3),
        ends_at=EVALUATED_AT - dt.timedelta(hours=2),
        exclude_from_budget=True,
        reason="db upgrade",
    )
    sign_in(client, _utc(org["viewer"]))

    marks = client.get("/slos/pay/chart.json?days=7").json()["annotations"]

    assert [(m["kind"], m["text"]) for m in marks["markers"]] == [("deploy", "v2.3.1")]
    (band,) = marks["bands"]
    assert band["text"] == "db upgrade" and band["exclude_from_budget"] is True
    assert band["at"] == (EVALUATED_AT - dt.timedelta(hours=3)).isoformat()
    assert band["ends_at"] == (EVALUATED_AT - dt.timedelta(hours=2)).isoformat()


def test_it_lists_the_annotations_with_the_chart_tables(client, org):
    slo = add_slo("pay", org["checkout"])
    add_status(slo, "healthy")
    state.process(slo, 0, "availability", result("1h/5m", burn=20.0), T)
    sign_in(client, org["viewer"])

    html = client.get("/slos/pay/chart-table?days=7").content.decode()

    table = html.split('data-table="annotations"')[1].split("</table>")[0]
    assert "firing" in table and "1h/5m" in table

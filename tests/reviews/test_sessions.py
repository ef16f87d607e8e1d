"""Sessions from the database: slots, rotation, agendas with baselines, the worker's seams."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from ekkyo.alerting.models import AlertState, AlertTransition, Silence
from ekkyo.reviews import delivery, services
from ekkyo.reviews.agenda import counts
from ekkyo.reviews.models import ActionItem, ActionItemChange
from ekkyo.worker.models import SLOStatus
from tests.factories import make_user
from tests.reviews.conftest import FIRST, add_slo, add_status, make_series, sign_in

NOW = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)  # Monday; sessions are on Wednesdays


def test_it_creates_the_next_free_slot_with_a_rotating_facilitator(org):
    make_user("aki", "member", ("checkout",))
    series = make_series(org["checkout"])
    first = services.create_session(series, now=NOW)
    second = services.create_session(series, now=NOW)
    third = services.create_session(series, now=NOW)
    assert [s.starts_at for s in (first, second, third)] == [
        FIRST,
        FIRST + dt.timedelta(weeks=1),
        FIRST + dt.timedelta(weeks=2),
    ]
    # Members of checkout by username: aki, dev; then aki again.
    assert [s.facilitator.get_username() for s in (first, second, third)] == ["aki", "dev", "aki"]
    assert first.agenda_generated_at == NOW and first.ice_break


def test_it_refuses_a_second_session_for_a_slot_a_racing_worker_took(org, monkeypatch):
    series = make_series(org["checkout"])
    services.create_session(series, now=NOW)
    # Another worker read the same free slot before this one saved its session.
    monkeypatch.setattr(services, "next_free_slot", lambda series, after: FIRST)
    with pytest.raises(services.ReviewError, match="already has a session"):
        services.create_session(series, now=NOW)
    assert series.sessions.count() == 1


def test_it_compares_the_agenda_with_the_previous_sessions_numbers(org):
    slo = add_slo("pay", org["checkout"])
    add_status(slo, "healthy", remaining=0.8)
    series = make_series(org["checkout"])
    first = services.create_session(series, now=NOW)
    assert first.agenda["has_baseline"] is False
    SLOStatus.objects.filter(slo=slo).update(state="at_risk", remaining_ratio=0.35)
    second = services.create_session(series, now=NOW + dt.timedelta(days=7))
    burned = second.agenda["sections"][0]
    assert burned["kind"] == "burned"
    (entry,) = burned["entries"]
    assert entry["slo"] == "pay" and abs(entry["burned"] - 0.45) < 1e-9
    assert entry["previous_state"] == "healthy" and entry["state"] == "at_risk"


def test_it_lists_alerts_and_maintenance_from_alerting(org):
    slo = add_slo("pay", org["checkout"])
    series = make_series(org["checkout"])
    fired = FIRST - dt.timedelta(days=3)
    state = AlertState.objects.create(
        slo=slo,
        objective_index=0,
        objective="availability",
        severity="page",
        long_window="1h",
        short_window="5m",
        status="resolved",
        episode=1,
    )
    common = dict(
        state=state,
        slo=slo,
        episode=1,
        started_at=fired,
        objective="availability",
        severity="page",
        effective_severity="page",
        long_window="1h",
        short_window="5m",
        factor=14.4,
        dedup_key="k",
        event={},
    )
    AlertTransition.objects.create(kind="firing", at=fired, burn_rates={"1h": 20.5}, **common)
    AlertTransition.objects.create(kind="resolved", at=fired + dt.timedelta(hours=1), **common)
    Silence.objects.create(
        kind="maintenance",
        slo=slo,
        starts_at=FIRST + dt.timedelta(days=2),
        ends_at=FIRST + dt.timedelta(days=2, hours=1),
        reason="db upgrade",
    )
    session = services.create_session(series, now=FIRST - dt.timedelta(hours=1))
    sections = {s["kind"]: s["entries"] for s in session.agenda["sections"]}
    (alert,) = sections["alerts"]
    assert alert["slo"] == "pay" and alert["peak_burn_rate"] == 20.5
    assert alert["resolved_at"] == (fired + dt.timedelta(hours=1)).isoformat()
    (window,) = sections["maintenance"]
    assert window["reason"] == "db upgrade" and window["upcoming"] is True


def test_it_prepares_sessions_starting_soon_for_the_worker(org):
    series = make_series(org["checkout"])
    assert services.prepare_sessions(NOW, lead=dt.timedelta(hours=24)) == []
    made = services.prepare_sessions(FIRST - dt.timedelta(hours=2), lead=dt.timedelta(hours=24))
    assert [s.starts_at for s in made] == [FIRST]
    again = services.prepare_sessions(FIRST - dt.timedelta(hours=1), lead=dt.timedelta(hours=24))
    assert again == [] and series.sessions.count() == 1


def test_it_sends_each_agenda_once_to_the_series_target(org):
    series = make_series(org["checkout"], notification_target="checkout-slack", language="en")
    session = services.create_session(series, now=NOW)
    sent = []
    assert delivery.deliver_agendas(NOW, lambda t, x: False, lead=dt.timedelta(days=3)) == 0
    count = delivery.deliver_agendas(
        NOW, lambda t, x: sent.append((t, x)) or True, lead=dt.timedelta(days=3)
    )
    assert (
        count == 1 and delivery.deliver_agendas(NOW, lambda t, x: True, dt.timedelta(days=3)) == 0
    )
    target, text = sent[0]
    assert target == "checkout-slack"
    assert "Dashboard review: Checkout dashboard review, 2026-03-04 16:00 (Asia/Tokyo)" in text
    assert text.endswith(f"/reviews/sessions/{session.pk}")


def test_it_records_who_closed_an_item_in_which_session(org):
    series = make_series(org["checkout"])
    session = services.create_session(series, now=NOW)
    item = services.open_item(title="x", team=org["checkout"], actor=org["member"], now=NOW)
    later = NOW + dt.timedelta(days=2)
    change = services.change_item(
        item, actor=org["member"], now=later, session=session, status="done"
    )
    assert change.changes == {"status": ["open", "done"]}
    assert (item.closed_at, item.closed_in) == (later, session)
    assert services.change_item(item, actor=org["member"], now=later, status="done") is None
    services.change_item(item, actor=org["member"], now=later, status="open")
    assert item.closed_at is None and item.closed_in is None
    assert ActionItemChange.objects.filter(item=item).count() == 3


def test_it_triages_several_items_at_once_in_a_session(client, org):
    series = make_series(org["checkout"])
    session = services.create_session(series, now=NOW)
    items = [
        services.open_item(title=f"t{i}", team=org["checkout"], actor=org["member"], now=NOW)
        for i in range(3)
    ]
    sign_in(client, org["member"])
    response = client.post(
        "/reviews/items/triage",
        {"items": [items[0].pk, items[1].pk], "status": "dropped", "session": session.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and 'id="session-items"' in response.content.decode()
    assert [i.status for i in ActionItem.objects.order_by("id")] == ["dropped", "dropped", "open"]
    assert set(ActionItem.objects.filter(closed_in=session).values_list("pk", flat=True)) == {
        items[0].pk,
        items[1].pk,
    }


def test_it_refuses_a_triage_that_touches_another_teams_item(client, org):
    mine = services.open_item(title="a", team=org["checkout"], actor=None, now=NOW)
    theirs = services.open_item(title="b", team=org["search"], actor=None, now=NOW)
    sign_in(client, org["member"])
    response = client.post(
        "/reviews/items/triage", {"items": [mine.pk, theirs.pk], "status": "done"}
    )
    assert response.status_code == 403
    assert set(ActionItem.objects.values_list("status", flat=True)) == {"open"}


def test_it_refuses_an_issue_link_that_is_not_http(client, org):
    series = make_series(org["checkout"])
    session = services.create_session(series, now=NOW)
    sign_in(client, org["member"])
    response = client.post(
        f"/reviews/sessions/{session.pk}/capture",
        {"kind": "action", "text": "x", "external_url": "javascript:alert(1)"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Retarget"] == "#capture-errors"
    assert "http or https" in response.content.decode()
    assert not ActionItem.objects.exists()


def test_it_escapes_peoples_text_in_the_markdown_minutes(client, org):
    series = make_series(org["checkout"], language="en")
    session = services.create_session(series, now=NOW)
    services.add_entry(
        session,
        kind="finding",
        text="<img src=x onerror=alert(1)> [x](javascript:y)",
        actor=org["member"],
        now=NOW,
        topic="at_risk",
    )
    services.open_item(
        title="# Fix *it*",
        team=org["checkout"],
        actor=None,
        now=NOW,
        session=session,
        external_url="https://git.example/i/1",
    )
    sign_in(client, org["viewer"])
    text = client.get(f"/reviews/sessions/{session.pk}/minutes.md").content.decode()
    assert "\\<img src=x onerror=alert(1)\\> \\[x\\](javascript:y)" in text
    assert "- \\# Fix \\*it\\*" in text and "[issue](https://git.example/i/1)" in text
    assert "<img" not in text.replace("\\<img", "")


def test_it_serves_a_calendar_a_parser_reads_with_sessions_and_planned_slots(client, org):
    series = make_series(org["checkout"], location="Room 3, 2F; or Zoom")
    session = services.create_session(series, now=dt.datetime.now(dt.UTC))
    sign_in(client, org["viewer"])
    response = client.get(f"/reviews/series/{series.slug}/sessions.ics")
    calendar = icalendar.Calendar.from_ical(response.content.decode())
    events = calendar.walk("VEVENT")
    assert len(events) > 5
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == sorted(starts) and session.starts_at in starts
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert {str(e["LOCATION"]) for e in events} == {"Room 3, 2F; or Zoom"}


def test_it_reports_team_signals_as_json(client, org):
    series = make_series(org["checkout"])
    now = dt.datetime.now(dt.UTC)
    held = services.create_session(
        series, now=now - dt.timedelta(days=1), starts_at=now - dt.timedelta(hours=2)
    )
    services.set_facilitator(held, org["member"], now=now)
    services.set_status(held, "held", now=now)
    services.record_attendance(held, [org["member"], org["admin"]])
    sign_in(client, org["viewer"])
    data = client.get("/reviews/teams/checkout/signals.json?months=2").json()
    assert data["total"]["sessions_held"] == 1
    assert (
        data["total"]["facilitated_by_team"] == 1
        and data["total"]["self_facilitation_share"] == 1.0
    )
    assert data["periods"][-1]["attendance"] == 1  # the admin came as a guest
    assert client.get("/reviews/teams/checkout/signals.json?months=99").status_code == 400


def test_it_lists_overdue_and_ownerless_items_in_the_inventory_json(client, org):
    services.open_item(
        title="late", team=org["checkout"], actor=None, now=NOW, due_on=dt.date(2026, 1, 1)
    )
    services.open_item(
        title="owned", team=org["checkout"], actor=None, now=NOW, owner=org["member"]
    )
    sign_in(client, org["viewer"])
    data = client.get("/reviews/items.json?overdue=1").json()
    assert [i["title"] for i in data["items"]] == ["late"] and data["items"][0]["overdue"]
    data = client.get("/reviews/items.json?no_owner=1").json()
    assert [i["title"] for i in data["items"]] == ["late"]
    (row,) = data["summary"]
    assert (row["team"], row["open"], row["overdue"], row["no_owner"]) == ("checkout", 2, 1, 1)
    assert counts({}) == {}

"""The "SLI data missing" ticket: when it opens, whom it tells, when it resolves, its words."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from ekkyo.alerting import missing
from ekkyo.alerting.models import DataMissingAlert, Notification, NotificationTarget, Silence
from ekkyo.alerting.outbox import deliver_due
from ekkyo.catalog.models import SLO
from ekkyo.notify import AlertEvent, BurnRule, event_from_dict
from ekkyo.notify.missing import (
    DataMissingEvent,
    pagerduty_payload,
    slack_payload,
    webhook_payload,
)
from ekkyo.notify.signing import SIGNATURE_HEADER
from ekkyo.worker.extras import DataMissingStep
from ekkyo.worker.models import PullState
from ekkyo.worker.tick import TickReport
from tests.worker.helpers import T0, add_slo, at, team

NOW = at(T0)
SINCE = NOW - dt.timedelta(minutes=10)


def _event(**changes) -> DataMissingEvent:
    fields = {
        "slo": "checkout-availability",
        "slo_display_name": "Checkout availability",
        "service": "checkout",
        "team": "Payments",
        "state": "firing",
        "since": "2026-03-02T11:50:00Z",
        "occurred_at": "2026-03-02T12:00:00Z",
        "error": "Prometheus at http://prom:9090/: connection failed (after 2 attempts)",
        "slo_url": "https://ekkyo.example/slos/checkout-availability",
    }
    return DataMissingEvent(**{**fields, **changes})


# --------------------------------------------------------------------------- the event


def test_it_round_trips_through_an_outbox_row():
    event = _event(language="ja", trial=True)

    assert event_from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_an_outbox_row_without_a_kind_is_still_a_burn_rate_alert():
    alert = AlertEvent(
        slo="s", slo_display_name="S", service="svc", team="t", objective="o", target=0.99,
        severity="page", rule=BurnRule("1h", "5m", 14.4), state="firing",
        burn_rates={"1h": 20.0, "5m": 30.0}, sli=0.9, budget_remaining=0.5,
        started_at="2026-03-02T12:00:00Z", occurred_at="2026-03-02T12:00:00Z",
        slo_url="https://ekkyo.example/slos/s",
    )  # fmt: skip

    assert event_from_dict(alert.to_dict()) == alert


def test_its_dedup_key_is_one_per_slo_and_not_an_alerts():
    event = _event()

    assert event.dedup_key == _event(state="resolved", error="other").dedup_key
    assert event.dedup_key != _event(slo="another").dedup_key
    assert event.dedup_key.startswith("ekkyo:v1:") and len(event.dedup_key) == 9 + 64


@pytest.mark.parametrize(
    ("change", "field"),
    [({"state": "pending"}, "state"), ({"since": "yesterday"}, "since"), ({"team": " "}, "team")],
)
def test_it_refuses_a_bad_field_by_name(change, field):
    with pytest.raises(ValueError, match=field):
        _event(**change)


def test_the_webhook_says_what_is_missing_since_when_and_why():
    body = webhook_payload(_event())

    assert (body["type"], body["state"], body["severity"]) == (
        "slo.data_missing",
        "firing",
        "ticket",
    )
    assert body["missing_since"] == "2026-03-02T11:50:00Z"
    assert body["source_error"].endswith("connection failed (after 2 attempts)")
    assert body["summary"].startswith("[NO DATA][ticket] Checkout availability: no SLI data since")


def test_pagerduty_gets_a_warning_trigger_and_a_bare_resolve():
    trigger = pagerduty_payload(_event(), "KEY")
    resolve = pagerduty_payload(_event(state="resolved"), "KEY")

    assert (trigger["event_action"], trigger["payload"]["severity"]) == ("trigger", "warning")
    assert trigger["payload"]["class"] == "slo-data-missing"
    assert resolve == {
        "routing_key": "KEY",
        "event_action": "resolve",
        "dedup_key": trigger["dedup_key"],
    }


def test_slack_shows_the_source_error_in_japanese_for_a_japanese_channel():
    text = json.dumps(slack_payload(_event(language="ja")), ensure_ascii=False)

    assert "SLI データが届いていません" in text
    assert "connection failed" in text


# --------------------------------------------------------------------------- opening


def _ticket_target(name="tickets", **fields) -> NotificationTarget:
    defaults = {"team": team(), "kind": "webhook", "severities": ["ticket"]}
    defaults |= {"url": "http://127.0.0.1:9/hook", "hmac_secret": "s3cret"}
    return NotificationTarget.objects.create(name=name, **(defaults | fields))


def _pulled(name="shop", **doc) -> SLO:
    slo = add_slo(name, kind="Prometheus", ref="prom", **doc)
    SLO.objects.filter(pk=slo.pk).update(lease_owner="w1")
    return slo


@pytest.mark.django_db
def test_it_tells_the_teams_ticket_targets_once_a_source_has_failed_for_ten_minutes():
    slo = _pulled()
    tickets = _ticket_target()
    _ticket_target("pages", severities=["page"])
    failing = {slo.id: missing.Failure(SINCE, "connection failed")}

    early = missing.update("w1", failing, NOW - dt.timedelta(seconds=1))
    due = missing.update("w1", failing, NOW)
    again = missing.update("w1", failing, NOW + dt.timedelta(minutes=5))

    assert (early.opened, again.opened) == ([], [])
    assert [a.slo_id for a in due.opened] == [slo.id]
    (row,) = Notification.objects.all()
    assert (row.target, row.state, row.data_alert, row.transition) == (
        tickets,
        "firing",
        due.opened[0],
        None,
    )
    assert row.event["since"] == "2026-03-02T11:50:00Z" and row.event["kind"] == "data_missing"


@pytest.mark.django_db
def test_it_resolves_to_exactly_the_targets_it_told_when_data_arrives():
    slo = _pulled()
    first = _ticket_target(language="ja")
    missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW)
    first.enabled = False  # changed meanwhile: the resolve still goes where the news went
    first.save()
    _ticket_target("newcomer")

    changes = missing.update("w1", {}, NOW + dt.timedelta(minutes=3))

    assert [a.slo_id for a in changes.resolved] == [slo.id]
    resolved = Notification.objects.get(state="resolved")
    assert resolved.target == first and resolved.event["language"] == "ja"
    assert resolved.event["occurred_at"] == "2026-03-02T12:03:00Z"
    assert DataMissingAlert.objects.get().resolved_at == NOW + dt.timedelta(minutes=3)


@pytest.mark.django_db
def test_it_leaves_an_episode_of_an_slo_another_worker_holds_alone():
    slo = _pulled()
    _ticket_target()
    missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW)

    changes = missing.update("w2", {}, NOW + dt.timedelta(minutes=1))

    assert changes.resolved == []
    assert DataMissingAlert.objects.get().resolved_at is None


@pytest.mark.django_db
def test_it_resolves_the_episode_of_a_retired_slo_whoever_holds_it():
    slo = _pulled()
    _ticket_target()
    missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW)
    SLO.objects.filter(pk=slo.pk).update(lifecycle="retired", lease_owner="")

    changes = missing.update("w2", {}, NOW + dt.timedelta(minutes=1))

    assert len(changes.resolved) == 1


@pytest.mark.django_db
def test_a_second_resolve_of_the_same_episode_announces_nothing():
    slo = _pulled()
    _ticket_target()
    opened = missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW).opened[0]
    stale = DataMissingAlert.objects.get(pk=opened.pk)  # what a slower worker still holds
    missing.update("w1", {}, NOW + dt.timedelta(minutes=1))

    assert missing._resolve(stale, NOW + dt.timedelta(minutes=2)) is False
    assert Notification.objects.filter(state="resolved").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_episode_of_one_slo():
    slo = _pulled()
    _ticket_target()
    DataMissingAlert.objects.create(slo=slo, failing_since=SINCE, fired_at=NOW)

    assert missing._open(slo, missing.Failure(SINCE, "down"), NOW) is None
    assert DataMissingAlert.objects.count() == 1 and not Notification.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lifecycle", ["draft", "retired"])
def test_a_quiet_slo_opens_no_episode(lifecycle):
    slo = _pulled(lifecycle=lifecycle)
    _ticket_target()

    changes = missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW)

    assert changes.opened == [] and not Notification.objects.exists()


@pytest.mark.django_db
def test_a_silenced_slo_opens_its_episode_when_the_silence_ends():
    slo = _pulled()
    _ticket_target()
    Silence.objects.create(
        kind="silence", slo=slo, starts_at=SINCE, ends_at=NOW + dt.timedelta(minutes=5)
    )
    failing = {slo.id: missing.Failure(SINCE, "down")}

    during = missing.update("w1", failing, NOW)
    after = missing.update("w1", failing, NOW + dt.timedelta(minutes=5))

    assert during.opened == [] and len(after.opened) == 1


@pytest.mark.django_db
def test_a_trial_slo_tells_its_trial_channel_only():
    slo = _pulled(lifecycle="trial")
    _ticket_target()
    trial = _ticket_target("trial-channel", for_trial=True)

    missing.update("w1", {slo.id: missing.Failure(SINCE, "down")}, NOW)

    (row,) = Notification.objects.all()
    assert row.target == trial and row.event["trial"] is True


# --------------------------------------------------------------------------- the worker


@pytest.mark.django_db
def test_the_worker_step_reads_the_failing_sources_it_holds():
    slo = _pulled()
    other = add_slo("elsewhere", kind="Prometheus", ref="prom")
    SLO.objects.filter(pk=other.pk).update(lease_owner="w2")
    _ticket_target()
    for s in (slo, other):
        PullState.objects.create(slo=s, failing_since=SINCE, last_error="connection failed")

    found = DataMissingStep()(TickReport(NOW, T0, owner="w1"))

    assert found is True
    assert list(DataMissingAlert.objects.values_list("slo_id", "error")) == [
        (slo.id, "connection failed")
    ]


@pytest.mark.django_db
def test_the_outbox_delivers_it_as_a_signed_webhook():
    slo = _pulled()
    _ticket_target()
    missing.update("w1", {slo.id: missing.Failure(SINCE, "connection failed")}, NOW)
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert deliver_due(NOW, client) is True

    (request,) = seen
    assert json.loads(request.content)["type"] == "slo.data_missing"
    assert request.headers[SIGNATURE_HEADER]
    assert Notification.objects.get().status == "sent"

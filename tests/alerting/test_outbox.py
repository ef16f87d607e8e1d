"""``outbox.deliver_due`` against the fake receivers: retries, order, restarts, secrets."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from ekkyo.alerting import outbox, state
from ekkyo.alerting.models import DeliveryAttempt, Notification
from tests.alerting.helpers import MINUTE, PAGE_FAST, T0, TICKET_SLOW, add_slo, result, target
from tests.factories import make_team
from tests.notify.fake_receivers import WEBHOOK_OK, pagerduty_accepted, reply, slow

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
SLACK_PATH = "/services/T0/B0/SECRETPATH"


@pytest.fixture
def client():
    with httpx.Client() as c:
        yield c


@pytest.fixture
def team():
    return make_team("payments", name="Payments")


def slack(team, receiver, name="pay-slack"):
    return target(name, team, "slack", url=receiver.url + SLACK_PATH)


def fire_and_resolve(slo, at=T0):
    state.process(slo, 0, "availability", result(PAGE_FAST), at)
    state.process(slo, 0, "availability", result(), at + MINUTE)


def statuses():
    return [n.status for n in Notification.objects.order_by("id")]


def test_it_delivers_a_notification_once_and_records_the_attempt(team, receiver_factory, client):
    receiver = receiver_factory()
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    assert outbox.deliver_due(T0, client) is True
    assert outbox.deliver_due(T0 + MINUTE, client) is False

    (request,) = receiver.requests
    assert request.path == SLACK_PATH and "FIRING" in request.body.decode()
    (attempt,) = DeliveryAttempt.objects.all()
    assert (attempt.ok, attempt.status_code) == (True, 200)
    assert statuses() == ["sent"]


def test_it_retries_with_exponential_backoff(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(2, reply(503, "busy"))
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)
    early = outbox.deliver_due(T0 + 9 * SECOND, client)
    outbox.deliver_due(T0 + 10 * SECOND, client)
    outbox.deliver_due(T0 + 29 * SECOND, client)
    outbox.deliver_due(T0 + 30 * SECOND, client)

    assert early is False
    attempts = DeliveryAttempt.objects.order_by("id")
    assert [(a.at - T0).seconds for a in attempts] == [0, 10, 30]
    assert [a.status_code for a in attempts] == [503, 503, 200]
    assert len({r.body for r in receiver.requests}) == 1


def test_it_waits_as_long_as_retry_after_asks(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(1, reply(429, retry_after="120"))
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)

    assert Notification.objects.get().next_attempt_at == T0 + 120 * SECOND


def test_it_fails_at_once_on_an_answer_that_retrying_cannot_fix(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(1, reply(404, "no_team"))
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)

    assert statuses() == ["failed"]
    assert outbox.deliver_due(T0 + timedelta(hours=1), client) is False


def test_it_gives_up_after_the_documented_time(team, receiver_factory, client):
    receiver = receiver_factory(reply(503, "down for good"))
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    now = T0
    while outbox.deliver_due(now, client):
        now += outbox.BACKOFF_MAX

    row = Notification.objects.get()
    assert row.status == "failed" and row.last_error.startswith("gave up")
    assert now - T0 <= state.GIVE_UP_AFTER + outbox.BACKOFF_MAX


def test_it_sends_a_resolve_only_after_its_trigger(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(1)
    slack(team, receiver)
    fire_and_resolve(add_slo("pay", team))

    outbox.deliver_due(T0 + MINUTE, client)  # the trigger fails; the resolve must wait
    waited = [r.body for r in receiver.requests]
    outbox.deliver_due(T0 + 2 * MINUTE, client)

    assert len(waited) == 1
    states = [("RESOLVED" in r.body.decode()) for r in receiver.requests]
    assert states == [False, False, True]


def test_it_delivers_everything_once_in_order_after_an_outage(team, receiver_factory, client):
    receiver = receiver_factory()
    slack(team, receiver)
    slos = [add_slo(f"pay-{i}", team) for i in range(3)]
    receiver.stop()
    for i, slo in enumerate(slos):
        fire_and_resolve(slo, T0 + i * MINUTE)

    now = T0
    for _ in range(10):  # five minutes down
        outbox.deliver_due(now, client)
        now += 30 * SECOND
    receiver.start()
    for _ in range(10):
        outbox.deliver_due(now, client)
        now += outbox.BACKOFF_MAX

    bodies = [r.json() for r in receiver.requests]
    texts = [b["text"] for b in bodies]
    assert len(texts) == 6 == len(set(texts))
    for slo in slos:
        mine = [t for t in texts if slo.name in t]
        assert ["FIRING" in mine[0], "RESOLVED" in mine[1]] == [True, True]
    assert set(statuses()) == {"sent"}


def test_it_resends_after_a_timeout_with_the_same_event_id(team, receiver_factory, client):
    receiver = receiver_factory(WEBHOOK_OK)
    receiver.script(slow(2.0))
    target("pay-hook", team, "webhook", url=receiver.url + "/hook")
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client, timeout=0.3)
    outbox.deliver_due(T0 + 10 * SECOND, client, timeout=0.3)

    first, second = receiver.wait_for(2)
    assert first.json()["id"] == second.json()["id"]
    attempts = DeliveryAttempt.objects.order_by("id")
    assert [(a.ok, a.retryable) for a in attempts] == [(False, True), (True, False)]
    assert "timed out" in attempts[0].error


def test_it_closes_a_pagerduty_incident_with_the_triggers_dedup_key(team, receiver_factory, client):
    receiver = receiver_factory(pagerduty_accepted)
    target("pay-oncall", team, "pagerduty", url=receiver.url + "/v2/enqueue")
    fire_and_resolve(add_slo("pay", team))

    outbox.deliver_due(T0 + MINUTE, client)

    trigger, resolve = (r.json() for r in receiver.requests)
    assert (trigger["event_action"], resolve["event_action"]) == ("trigger", "resolve")
    assert trigger["dedup_key"] == resolve["dedup_key"]
    assert resolve["routing_key"] == "R0UT1NGKEYSECRET"


def test_it_lets_only_one_worker_claim_a_row(team, receiver_factory):
    slack(team, receiver_factory())
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)
    (seen_by_a,) = outbox.due(T0)
    (seen_by_b,) = outbox.due(T0)

    assert outbox.claim(seen_by_a, "worker-a", T0) is True
    assert outbox.claim(seen_by_b, "worker-b", T0) is False


def test_it_loses_nothing_across_a_worker_restart(team, receiver_factory):
    receiver = receiver_factory()
    slack(team, receiver)
    slo = add_slo("pay", team)
    fire_and_resolve(slo)
    state.process(slo, 0, "availability", result(TICKET_SLOW), T0 + 2 * MINUTE)
    # The old worker claimed the first row and died before sending it.
    (first, *_) = outbox.due(T0)
    outbox.claim(first, "dead-worker", T0)

    with httpx.Client() as fresh:
        outbox.deliver_due(T0 + 2 * MINUTE, fresh, worker="new-worker")
        during_lease = [r.json()["text"] for r in receiver.requests]
        outbox.deliver_due(T0 + outbox.CLAIM_LEASE, fresh, worker="new-worker")

    # The ticket went out at once; the page's trigger (and its resolve, queued behind it)
    # only once the dead worker's lease had expired.
    assert len(during_lease) == 1 and "ticket" in during_lease[0]
    texts = [r.json()["text"] for r in receiver.requests]
    assert len(texts) == 3 == len(set(texts))
    assert set(statuses()) == {"sent"}


def test_it_never_stores_a_secret_in_an_attempts_error(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(1, reply(500, f"cannot post to {SLACK_PATH}"))
    slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)

    attempt = DeliveryAttempt.objects.get()
    row = Notification.objects.get()
    assert "SECRETPATH" not in attempt.error + row.last_error
    assert "[redacted]" in attempt.error


def test_it_retries_a_target_whose_secret_variable_is_missing(team, client, monkeypatch):
    monkeypatch.delenv("PAY_SLACK_URL", raising=False)
    target("pay-slack", team, "slack", url="", url_env="PAY_SLACK_URL")
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)

    attempt = DeliveryAttempt.objects.get()
    assert attempt.retryable and "PAY_SLACK_URL is not set" in attempt.error
    assert statuses() == ["queued"]


def test_it_cancels_the_rows_of_a_disabled_target(team, receiver_factory, client):
    receiver = receiver_factory()
    hook = slack(team, receiver)
    state.process(add_slo("pay", team), 0, "availability", result(PAGE_FAST), T0)
    hook.enabled = False
    hook.save()

    outbox.deliver_due(T0, client)

    assert statuses() == ["cancelled"] and receiver.requests == []


def test_it_tries_a_failing_receiver_once_per_call(team, receiver_factory, client):
    receiver = receiver_factory(reply(503, "down"))
    slack(team, receiver)
    for i in range(4):
        state.process(add_slo(f"pay-{i}", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0, client)

    assert len(receiver.requests) == 1


def test_it_sends_a_backlog_at_once_when_its_receiver_answers_again(team, receiver_factory, client):
    receiver = receiver_factory()
    receiver.fail_next(3, reply(503, "down"))
    slack(team, receiver)
    for i in range(3):
        state.process(add_slo(f"pay-{i}", team), 0, "availability", result(PAGE_FAST), T0)
    for second in range(3):  # one failed try per call; every row is now backing off
        outbox.deliver_due(T0 + second * SECOND, client)
    assert statuses() == ["queued"] * 3
    state.process(add_slo("pay-new", team), 0, "availability", result(PAGE_FAST), T0)

    outbox.deliver_due(T0 + 3 * SECOND, client)

    assert statuses() == ["sent"] * 4

"""The steps after evaluation: alerts are advanced and notifications queued in a tick."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from ekkyo.alerting.models import AlertState, NotificationTarget
from ekkyo.worker.extras import AlertStep, Every, default_steps
from ekkyo.worker.tick import Settings, Worker
from tests.worker.helpers import T0, add_slo, at, push, team

pytestmark = pytest.mark.django_db


def _worker(steps):
    return Worker(Settings(name="w1", delay_s=0), clock=lambda: at(T0), env={}, extra_steps=steps)


def _burning(slo, minutes=120, bad=50):
    t = np.arange(T0 - 60 * minutes, T0, 60)
    push(slo, t, np.full(len(t), 100 - bad), np.full(len(t), 100))


def test_a_tick_fires_the_page_alert_of_an_slo_burning_its_budget():
    slo = add_slo("checkout", window="30d")
    _burning(slo)
    step = AlertStep()
    report = _worker([("alerts", step)]).tick(at(T0))
    assert report.found["alerts"] is True
    firing = AlertState.objects.filter(slo=slo, status="firing")
    assert {(a.severity, a.long_window) for a in firing} >= {("page", "1h")}
    assert (slo.id, 0) in step.open


def test_quiet_slos_skip_the_alert_state_machine():
    slo = add_slo("quiet", window="30d")
    push(slo, [T0 - 60], [100], [100])
    report = _worker([("alerts", AlertStep())]).tick(at(T0))
    assert report.found["alerts"] is False
    assert not AlertState.objects.filter(slo=slo).exists()


def test_the_default_steps_queue_a_notification_for_the_teams_target(monkeypatch):
    slo = add_slo("checkout", window="30d")
    NotificationTarget.objects.create(
        name="checkout-slack",
        team=team(),
        kind="slack",
        severities=["page", "ticket"],
        url="http://127.0.0.1:9/hook",
    )
    _burning(slo)
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, text="ok")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        report = _worker(default_steps(client)).tick(at(T0))
    assert report.found["alerts"] and report.found["notify"]
    assert sent and all(r.url.path == "/hook" for r in sent)
    assert any("checkout" in r.content.decode() for r in sent)


def test_every_runs_a_step_at_most_once_per_period():
    calls = []
    clock = iter([0.0, 10.0, 61.0])
    step = Every(60, lambda report: calls.append(1) or True, clock=lambda: next(clock))
    assert [step(None), step(None), step(None)] == [True, False, True]
    assert len(calls) == 2


def test_an_slo_without_data_in_the_last_day_is_no_data_not_healthy():
    from ekkyo.worker.status import classify

    quiet = dict.fromkeys(["5m", "30m", "1h", "2h", "6h", "1d"])
    c = classify(0.999, 0.8, [], burn_rates={**quiet, "3d": 0.0})
    assert (c.state, c.reason) == ("no_data", "no data in the last day")
    assert classify(0.999, -0.1, [], burn_rates={**quiet, "3d": 0.0}).state == "exhausted"
    assert classify(0.999, 0.8, [], burn_rates={**quiet, "1d": 0.1}).state == "healthy"


def test_the_default_steps_run_the_organisation_steps_once_a_minute(monkeypatch):
    calls = []
    monkeypatch.setattr(
        "ekkyo.policies.steps.evaluate_step", lambda now: calls.append(("policies", now))
    )
    monkeypatch.setattr("ekkyo.teams.steps.snapshot_step", lambda now: calls.append("snap"))
    monkeypatch.setattr("ekkyo.teams.steps.reminder_step", lambda now: calls.append("remind"))
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        w = _worker(default_steps(client))
        w.tick(at(T0))
        w.tick(at(T0))
    assert calls == [("policies", at(T0)), "snap", "remind"]

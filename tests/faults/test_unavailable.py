"""A database that cannot be reached: 503s from the web app, a worker that keeps going.

The fast, in-process halves of ``test_postgres_restart``: the same seams, with the
failure injected where a query would raise it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.api.auth import TokenAuth
from ekkyo.catalog.models import SLO
from ekkyo.worker.evaluation import Evaluations
from ekkyo.worker.extras import AlertStep
from ekkyo.worker.tick import Settings, TickReport, Worker
from tests.worker.helpers import T0, add_slo, at

pytestmark = pytest.mark.django_db

DOWN = OperationalError('connection to server at "db" failed: Connection refused')


def _refuse(*args, **kwargs):
    raise DOWN


def test_it_answers_an_api_call_with_a_503_in_the_api_error_format(monkeypatch):
    user, _ = upsert_user("mia", role="viewer")
    token = ApiToken.issue(user)[1]
    monkeypatch.setattr(TokenAuth, "authenticate", _refuse)

    response = Client(raise_request_exception=False).get(
        "/api/v1/slos", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response["Retry-After"] == "5"


def test_it_answers_a_page_with_a_plain_503_page(monkeypatch):
    user, _ = upsert_user("mia", role="viewer")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    monkeypatch.setattr(SessionStore, "load", _refuse)

    response = client.get("/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"database cannot be reached" in response.content


def test_it_answers_a_json_twin_in_the_api_error_format(monkeypatch):
    user, _ = upsert_user("mia", role="viewer")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    monkeypatch.setattr(SessionStore, "load", _refuse)

    response = client.get("/portfolio.json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_it_leaves_other_errors_to_the_usual_500(monkeypatch):
    user, _ = upsert_user("mia", role="viewer")
    token = ApiToken.issue(user)[1]

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(TokenAuth, "authenticate", broken)

    response = Client(raise_request_exception=False).get(
        "/api/v1/slos", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 500


def test_the_worker_loop_survives_a_tick_that_loses_the_database(monkeypatch):
    add_slo("checkout")
    worker = Worker(Settings(name="w1", delay_s=0, idle_s=0.01), clock=lambda: at(T0), env={})
    real_tick = worker.tick
    calls = []

    def tick(now=None):
        calls.append(now)
        if len(calls) == 1:
            real_tick()  # holds the SLO and loads it
            raise DOWN
        worker.shutdown = True
        return TickReport(at(T0), T0)

    monkeypatch.setattr(worker, "tick", tick)
    closed = []
    # Recorded, not done: the test's own connection holds its transaction.
    monkeypatch.setattr(
        "ekkyo.worker.tick.connections",
        type("C", (), {"close_all": lambda self: closed.append(1)})(),
    )
    loaded = worker.evaluations

    worker.run()

    assert len(calls) == 2
    assert closed == [1]  # a new connection for the next tick
    # What was held in memory was dropped, to be read again from the database.
    assert worker.evaluations is not loaded and isinstance(worker.evaluations, Evaluations)
    assert SLO.objects.get(name="checkout").lease_owner == ""  # handed back at the stop


def test_a_worker_stops_without_a_traceback_when_the_database_is_gone(monkeypatch):
    worker = Worker(Settings(name="w1", delay_s=0), clock=lambda: at(T0), env={})
    monkeypatch.setattr("ekkyo.worker.leases.release", _refuse)

    worker.stop()  # logs that the leases will expire instead of raising

    assert worker.held == {}


def test_the_alert_step_reads_open_alerts_again_after_a_failure():
    step = AlertStep()
    step.open = {(1, 0)}

    class Broken(TickReport):
        @property
        def evaluated(self):
            raise DOWN

    report = Broken(at(T0), T0)
    report.outcome = object()  # not None: the step looks at what was evaluated
    with pytest.raises(OperationalError):
        step(report)

    assert step.open is None
    assert step(TickReport(at(T0) + dt.timedelta(minutes=1), T0 + 60)) is False

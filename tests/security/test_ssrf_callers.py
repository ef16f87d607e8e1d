"""The guard where ekkyo calls configured URLs: notifications and data source pulls.

A real receiver listens on loopback; with the default policy (no allow-list) nothing may
reach it, and with loopback allowed by an admin it must (so the block is the guard's).
"""

from __future__ import annotations

import httpx
import pytest

from ekkyo.notify import send
from ekkyo.notify.targets import PagerDutyTarget, SlackTarget, WebhookTarget
from ekkyo.sources.errors import SourceConfigError
from ekkyo.sources.newrelic_client import NerdGraphClient
from ekkyo.sources.prometheus_client import PrometheusClient
from tests.notify.sample import make_event

SETTING = "EKKYO_ALLOWED_PRIVATE_NETWORKS"


@pytest.fixture
def blocked_by_default(monkeypatch):
    # The test settings allow loopback for everybody else's fake servers; not here.
    monkeypatch.delenv(SETTING, raising=False)


def test_it_delivers_nothing_to_a_loopback_webhook_by_default(receiver_factory, blocked_by_default):
    hook = receiver_factory()
    result = send(WebhookTarget(hook.url + "/in/t0k3nPATH", "whsec-123456"), make_event(), now=0)
    assert (result.ok, result.retryable, result.status_code) == (False, False, None)
    assert result.error is not None and SETTING in result.error
    assert "t0k3nPATH" not in result.error
    assert hook.requests == []


def test_it_delivers_to_a_loopback_webhook_an_admin_allowed(receiver_factory, monkeypatch):
    monkeypatch.setenv(SETTING, "127.0.0.0/8")
    hook = receiver_factory()
    result = send(SlackTarget(hook.url + "/services/T/B/x"), make_event(), now=0)
    assert result.ok is True
    assert len(hook.requests) == 1


def test_it_blocks_a_pagerduty_endpoint_override_on_loopback(receiver_factory, blocked_by_default):
    fake = receiver_factory()
    target = PagerDutyTarget("R0UT1NGKEY0123456789012345678901", endpoint=fake.url + "/v2/enqueue")
    result = send(target, make_event(), now=0)
    assert result.ok is False and result.retryable is False
    assert fake.requests == []


def test_it_checks_the_url_also_when_the_caller_brings_its_own_client(
    receiver_factory, blocked_by_default
):
    # The outbox passes a long-lived client of its own: the URL is checked before use.
    slack = receiver_factory()
    with httpx.Client() as client:
        result = send(
            SlackTarget(slack.url + "/services/T/B/x"), make_event(), now=0, client=client
        )
    assert result.ok is False and SETTING in (result.error or "")
    assert slack.requests == []


def test_it_refuses_to_pull_from_a_prometheus_on_loopback(receiver_factory, blocked_by_default):
    fake = receiver_factory()
    client = PrometheusClient(fake.url, retries=0)
    with client, pytest.raises(SourceConfigError, match=SETTING):
        client.query_range("up", 0, 60, 60)
    assert fake.requests == []


def test_it_refuses_a_new_relic_endpoint_on_loopback(receiver_factory, blocked_by_default):
    fake = receiver_factory()
    client = NerdGraphClient("NRAK-TESTKEY", 1, endpoint=fake.url + "/graphql", max_retries=0)
    with client, pytest.raises(SourceConfigError, match=SETTING):
        client.nrql("SELECT count(*) FROM Transaction")
    assert fake.requests == []

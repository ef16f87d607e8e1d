"""Delivery over real HTTP to loopback receivers: exact requests and result classes."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable

import httpx
import pytest

from ekkyo import __version__
from ekkyo.notify import (
    DeliveryResult,
    PagerDutyTarget,
    SlackTarget,
    WebhookTarget,
    send,
)
from tests.notify.fake_receivers import (
    SLACK_OK,
    WEBHOOK_OK,
    FakeReceiver,
    Reply,
    pagerduty_accepted,
    pagerduty_invalid,
    reply,
    slow,
)
from tests.notify.sample import make_event

Factory = Callable[..., FakeReceiver]
URL = "https://ekkyo.example.com/slos/checkout-availability"
KEY = (
    "ekkyo:v1:"
    + hashlib.sha256(b'["checkout-availability","availability","page","1h","5m"]').hexdigest()
)
SLACK_PATH = "/services/T0AAAAAAA/B0BBBBBBB/s3cr3tT0k3nXXXXXXXXXXXXX"
ROUTING_KEY = "R0UT1NGKEYabcdefabcdefabcdef0001"
HTTPX_DEFAULT_HEADERS = {"host", "accept", "accept-encoding", "connection", "user-agent"}
JSON_HEADERS = HTTPX_DEFAULT_HEADERS | {"content-type", "content-length"}


def slack_at(receiver: FakeReceiver) -> SlackTarget:
    return SlackTarget(receiver.url + SLACK_PATH)


def check_json_post(recorded: object, path: str) -> None:
    assert recorded.method == "POST"  # type: ignore[attr-defined]
    assert recorded.path == path  # type: ignore[attr-defined]
    assert recorded.header("Content-Type") == "application/json"  # type: ignore[attr-defined]
    assert recorded.header("User-Agent") == f"ekkyo/{__version__}"  # type: ignore[attr-defined]
    length = recorded.header("Content-Length")  # type: ignore[attr-defined]
    assert length == str(len(recorded.body))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- Slack


def test_it_posts_the_slack_message_to_the_webhook(receiver_factory: Factory) -> None:
    slack = receiver_factory(SLACK_OK)
    event = make_event(budget_remaining=0.4213, sli=0.99873)

    result = send(slack_at(slack), event, now=1_772_442_300)

    assert result == DeliveryResult(ok=True, status_code=200, retryable=False, error=None)
    (request,) = slack.requests
    check_json_post(request, SLACK_PATH)
    assert request.header_names() == JSON_HEADERS
    assert request.json() == {
        "text": "[FIRING][page] Checkout availability / availability: error budget burning at "
        "15× (1h) and 20× (5m), above 14.4×; 42.1% of the budget left",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "🔥 FIRING · page · Checkout availability",
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*<{URL}|Checkout availability>* · availability\n"
                    "Error budget burning at 15× (1h) and 20× (5m), above 14.4×",
                },
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Service*\ncheckout"},
                    {"type": "mrkdwn", "text": "*Team*\npayments"},
                    {"type": "mrkdwn", "text": "*Objective*\navailability (target 99.9%)"},
                    {"type": "mrkdwn", "text": "*Rule*\n1h and 5m above 14.4×"},
                    {"type": "mrkdwn", "text": "*SLI*\n99.873%"},
                    {"type": "mrkdwn", "text": "*Error budget left*\n42.1%"},
                    {"type": "mrkdwn", "text": "*Started*\n2026-03-02T09:00:00Z"},
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{URL}|Open the SLO page> · ekkyo · alert key {KEY}",
                    }
                ],
            },
        ],
    }


def test_it_sends_compact_utf8_json_without_escapes(receiver_factory: Factory) -> None:
    slack = receiver_factory(SLACK_OK)
    send(slack_at(slack), make_event(language="ja"), now=0)
    body = slack.requests[0].body
    assert "[発生中][呼び出し]".encode() in body
    assert b"\\u" not in body
    assert body.startswith(b'{"text":"')


@pytest.mark.parametrize(("status", "text"), [(404, "no_service"), (410, "channel_is_archived")])
def test_it_does_not_retry_a_slack_webhook_that_is_gone(
    receiver_factory: Factory, status: int, text: str
) -> None:
    slack = receiver_factory(reply(status, text))
    result = send(slack_at(slack), make_event(), now=0)
    assert result == DeliveryResult(False, status, False, f"HTTP {status}: {text}")


# --------------------------------------------------------------------------- PagerDuty


def test_it_triggers_and_resolves_one_pagerduty_alert(receiver_factory: Factory) -> None:
    pagerduty = receiver_factory(pagerduty_accepted)
    target = PagerDutyTarget(ROUTING_KEY, endpoint=pagerduty.url + "/v2/enqueue")

    fired = send(target, make_event(), now=0)
    resolved = send(target, make_event(state="resolved", occurred_at="2026-03-02T10:00:00Z"), now=0)

    assert fired == DeliveryResult(True, 202, False)
    assert resolved == DeliveryResult(True, 202, False)
    trigger, resolve = pagerduty.requests
    check_json_post(trigger, "/v2/enqueue")
    check_json_post(resolve, "/v2/enqueue")
    assert trigger.json() == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": KEY,
        "client": "ekkyo",
        "client_url": URL,
        "links": [{"href": URL, "text": "SLO page: Checkout availability"}],
        "payload": {
            "summary": "[FIRING][page] Checkout availability / availability: error budget "
            "burning at 15× (1h) and 20× (5m), above 14.4×; 50% of the budget left",
            "source": "checkout",
            "severity": "critical",
            "timestamp": "2026-03-02T09:05:00Z",
            "component": "checkout-availability",
            "group": "payments",
            "class": "slo-burn-rate",
            "custom_details": {
                "slo": "checkout-availability",
                "slo_display_name": "Checkout availability",
                "objective": "availability",
                "target": 0.999,
                "severity": "page",
                "rule": {"long_window": "1h", "short_window": "5m", "factor": 14.4},
                "burn_rates": {"1h": 15.0, "5m": 20.0},
                "sli": 0.9985,
                "error_budget_remaining_ratio": 0.5,
                "started_at": "2026-03-02T09:00:00Z",
                "trial": False,
                "slo_url": URL,
            },
        },
    }
    assert resolve.json() == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": KEY,
    }


def test_it_does_not_retry_an_event_pagerduty_calls_invalid(receiver_factory: Factory) -> None:
    pagerduty = receiver_factory(pagerduty_invalid("'payload.source' is missing or blank"))
    target = PagerDutyTarget(ROUTING_KEY, endpoint=pagerduty.url + "/v2/enqueue")
    result = send(target, make_event(), now=0)
    assert (result.ok, result.status_code, result.retryable) == (False, 400, False)
    assert result.error == (
        'HTTP 400: {"status": "invalid event", "message": "Event object is invalid", '
        '"errors": ["\'payload.source\' is missing or blank"]}'
    )


def test_it_sends_nothing_to_pagerduty_for_a_pending_alert(receiver_factory: Factory) -> None:
    pagerduty = receiver_factory(pagerduty_accepted)
    target = PagerDutyTarget(ROUTING_KEY, endpoint=pagerduty.url + "/v2/enqueue")
    result = send(target, make_event(state="pending"), now=0)
    assert result == DeliveryResult(
        False, None, False, "PagerDuty takes firing and resolved events, not pending"
    )
    assert pagerduty.requests == []


# --------------------------------------------------------------------------- webhook


def test_it_posts_a_signed_webhook(receiver_factory: Factory) -> None:
    hook = receiver_factory(WEBHOOK_OK)
    target = WebhookTarget(hook.url + "/hooks/ekkyo?tenant=7", secret="whsec_0123456789")

    result = send(target, make_event(trial=True), now=1_772_442_300.75)

    assert result == DeliveryResult(True, 204, False)
    (request,) = hook.requests
    check_json_post(request, "/hooks/ekkyo?tenant=7")
    assert request.header_names() == JSON_HEADERS | {"x-ekkyo-signature"}
    header = request.header("X-Ekkyo-Signature")
    assert header is not None and header.startswith("t=1772442300,v1=")
    # Verified here with hmac directly, not with the code under test.
    expected = hmac.new(
        b"whsec_0123456789", b"1772442300." + request.body, hashlib.sha256
    ).hexdigest()
    assert header == f"t=1772442300,v1={expected}"
    event_id = hashlib.sha256(f"{KEY}|firing|2026-03-02T09:05:00Z".encode()).hexdigest()
    assert request.json() == {
        "version": 1,
        "type": "slo.alert",
        "id": event_id,
        "dedup_key": KEY,
        "state": "firing",
        "severity": "page",
        "summary": "[FIRING][page][trial: pages no one] Checkout availability / availability: "
        "error budget burning at 15× (1h) and 20× (5m), above 14.4×; 50% of the budget left",
        "language": "en",
        "slo": {
            "name": "checkout-availability",
            "display_name": "Checkout availability",
            "service": "checkout",
            "team": "payments",
            "url": URL,
            "trial": True,
        },
        "objective": {"name": "availability", "target": 0.999},
        "rule": {"long_window": "1h", "short_window": "5m", "factor": 14.4},
        "burn_rates": {"1h": 15.0, "5m": 20.0},
        "sli": 0.9985,
        "error_budget": {"remaining_ratio": 0.5},
        "started_at": "2026-03-02T09:00:00Z",
        "occurred_at": "2026-03-02T09:05:00Z",
    }


def test_it_signs_the_exact_bytes_it_sends(receiver_factory: Factory) -> None:
    hook = receiver_factory(WEBHOOK_OK)
    send(WebhookTarget(hook.url + "/h", "k3y-k3y-k3y"), make_event(language="ja"), now=5)
    request = hook.requests[0]
    reencoded = json.dumps(request.json()).encode()  # ASCII escapes, spaces: other bytes
    digest = request.header("X-Ekkyo-Signature").split("v1=")[1]  # type: ignore[union-attr]
    assert digest == hmac.new(b"k3y-k3y-k3y", b"5." + request.body, hashlib.sha256).hexdigest()
    assert digest != hmac.new(b"k3y-k3y-k3y", b"5." + reencoded, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            reply(500, "internal error"),
            DeliveryResult(False, 500, True, "HTTP 500: internal error"),
        ),
        (reply(502, ""), DeliveryResult(False, 502, True, "HTTP 502")),
        (
            reply(503, "down", retry_after="120"),
            DeliveryResult(False, 503, True, "HTTP 503: down", 120.0),
        ),
        (
            reply(429, "rate_limited", retry_after="7"),
            DeliveryResult(False, 429, True, "HTTP 429: rate_limited", 7.0),
        ),
        (
            reply(429, "", retry_after="Mon, 02 Mar 2026 09:05:30 GMT"),
            DeliveryResult(False, 429, True, "HTTP 429", 30.0),
        ),
        (reply(408, ""), DeliveryResult(False, 408, True, "HTTP 408")),
        (
            reply(403, "invalid_token", retry_after="5"),
            DeliveryResult(False, 403, False, "HTTP 403: invalid_token"),
        ),
        (
            reply(400, "invalid_payload"),
            DeliveryResult(False, 400, False, "HTTP 400: invalid_payload"),
        ),
    ],
)
def test_it_classifies_the_receivers_answer(
    receiver_factory: Factory, answer: Reply, expected: DeliveryResult
) -> None:
    slack = receiver_factory(answer)
    # 2026-03-02T09:05:00Z, so an HTTP-date Retry-After becomes seconds from now.
    assert send(slack_at(slack), make_event(), now=1_772_442_300) == expected


def test_it_keeps_only_the_start_of_a_long_error_page(receiver_factory: Factory) -> None:
    slack = receiver_factory(reply(500, "<html>\n" + "x" * 100_000))
    error = send(slack_at(slack), make_event(), now=0).error
    # Runs of whitespace fold to one space; 300 characters of the answer are kept.
    assert error == "HTTP 500: <html> " + "x" * 293 + "…"


def test_it_retries_after_a_timeout_although_the_request_may_have_arrived(
    receiver_factory: Factory,
) -> None:
    slack = receiver_factory(slow(3.0))
    result = send(slack_at(slack), make_event(), now=0, timeout=0.3)
    assert result == DeliveryResult(False, None, True, "timed out (ReadTimeout)")
    assert len(slack.requests) == 1  # delivered but unanswered: a retry may duplicate it


def test_it_applies_the_timeout_to_a_callers_client_without_one(
    receiver_factory: Factory,
) -> None:
    slack = receiver_factory(slow(3.0))
    with httpx.Client(timeout=None) as client:
        result = send(slack_at(slack), make_event(), now=0, client=client, timeout=0.3)
    assert (result.retryable, result.error) == (True, "timed out (ReadTimeout)")


def test_it_retries_a_refused_connection_and_succeeds_when_the_receiver_is_back(
    receiver_factory: Factory,
) -> None:
    slack = receiver_factory(SLACK_OK)
    target = slack_at(slack)
    port = slack.port
    slack.stop()

    down = send(target, make_event(), now=0)
    slack.start()
    back = send(target, make_event(), now=0)

    assert (down.ok, down.status_code, down.retryable) == (False, None, True)
    assert down.error is not None and down.error.startswith("connection failed (ConnectError")
    assert back == DeliveryResult(True, 200, False)
    assert slack.port == port
    assert len(slack.requests) == 1


def test_it_reports_each_scripted_failure_then_the_success(receiver_factory: Factory) -> None:
    slack = receiver_factory(SLACK_OK)
    slack.fail_next(2)
    results = [send(slack_at(slack), make_event(), now=0) for _ in range(3)]
    assert [(r.ok, r.status_code, r.retryable) for r in results] == [
        (False, 500, True),
        (False, 500, True),
        (True, 200, False),
    ]
    assert slack.requests[0].body == slack.requests[2].body


def test_it_does_not_follow_a_redirect(receiver_factory: Factory) -> None:
    elsewhere = receiver_factory(WEBHOOK_OK)
    hook = receiver_factory(reply(307, "", location=elsewhere.url + "/steal"))
    result = send(WebhookTarget(hook.url + "/h", "k3y-k3y-k3y"), make_event(), now=0)
    assert result == DeliveryResult(False, 307, False, "HTTP 307")
    assert elsewhere.requests == []


def test_it_does_not_retry_a_url_with_an_unsupported_scheme() -> None:
    # Constructed past validation, as a row edited by hand in the database could be.
    target = SlackTarget("https://hooks.slack.com/services/T/B/x")
    object.__setattr__(target, "webhook_url", "ftp://hooks.slack.com/services/T/B/s3cr3tPATH")
    result = send(target, make_event(), now=0)
    assert (result.ok, result.status_code, result.retryable) == (False, None, False)
    assert result.error is not None and "UnsupportedProtocol" in result.error
    assert "s3cr3tPATH" not in result.error


# --------------------------------------------------------------------------- secrets


def test_it_shows_no_secret_in_a_targets_repr() -> None:
    slack = SlackTarget("https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/s3cr3tT0k3n")
    pagerduty = PagerDutyTarget(ROUTING_KEY)
    hook = WebhookTarget("https://user:pw@hooks.example.com/in/t0k3n?sig=abc123", "whsec_xyz")
    assert repr(slack) == "SlackTarget(webhook_url='https://hooks.slack.com/[redacted]')"
    assert str(pagerduty) == (
        "PagerDutyTarget(routing_key='[redacted]', "
        "endpoint='https://events.pagerduty.com/v2/enqueue')"
    )
    assert (
        repr(hook)
        == "WebhookTarget(url='https://hooks.example.com/[redacted]', secret='[redacted]')"
    )
    assert slack.describe() == "Slack webhook at https://hooks.slack.com"


def test_it_names_the_field_but_not_the_value_of_a_bad_target() -> None:
    with pytest.raises(ValueError) as caught:
        SlackTarget("hooks.slack.com/services/T/B/s3cr3tT0k3n")
    assert str(caught.value) == "Slack webhook_url: expected an http:// or https:// URL"


def test_it_redacts_secrets_a_receiver_echoes_into_an_error(receiver_factory: Factory) -> None:
    echo = receiver_factory(lambda r: reply(400, f"bad request to {r.path}: {r.body.decode()}"))
    slack_error = send(slack_at(echo), make_event(), now=0).error
    pd_target = PagerDutyTarget(ROUTING_KEY, endpoint=echo.url + "/v2/enqueue")
    pd_error = send(pd_target, make_event(), now=0).error
    assert slack_error is not None and pd_error is not None
    assert slack_error.startswith("HTTP 400: bad request to /[redacted]: {")
    assert "s3cr3tT0k3n" not in slack_error
    assert '"routing_key":"[redacted]"' in pd_error
    assert ROUTING_KEY not in pd_error


def test_it_keeps_secrets_out_of_the_logs(
    receiver_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    slack = receiver_factory(SLACK_OK)
    pagerduty = receiver_factory(pagerduty_invalid("bad"))
    with caplog.at_level(logging.DEBUG):
        send(slack_at(slack), make_event(), now=0)
        send(PagerDutyTarget(ROUTING_KEY, endpoint=pagerduty.url + "/v2/enqueue"), make_event())
    assert "s3cr3tT0k3n" not in caplog.text
    assert ROUTING_KEY not in caplog.text
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert f'HTTP Request: POST {slack.url}/[redacted] "HTTP/1.0 200 OK"' in httpx_lines
    ours = [r.getMessage() for r in caplog.records if r.name == "ekkyo.notify.send"]
    assert ours == [
        f"notify: firing {KEY} to Slack webhook at {slack.url}: HTTP 200",
        f"notify: firing {KEY} to PagerDuty Events API at {pagerduty.url}/v2/enqueue failed "
        "(not retryable): HTTP 400: "
        '{"status": "invalid event", "message": "Event object is invalid", "errors": ["bad"]}',
    ]


def test_it_leaves_other_code_s_httpx_logs_alone(
    receiver_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    other = receiver_factory(SLACK_OK)
    with caplog.at_level(logging.INFO, logger="httpx"):
        send(slack_at(other), make_event(), now=0)
        httpx.post(other.url + SLACK_PATH, content=b"{}", timeout=5)
    messages = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert messages[-1] == f'HTTP Request: POST {other.url}{SLACK_PATH} "HTTP/1.0 200 OK"'


@pytest.mark.parametrize("timeout", [None, httpx.Timeout(5.0, read=None)])
def test_it_refuses_to_send_without_a_timeout(timeout: object) -> None:
    target = SlackTarget("https://hooks.slack.com/services/T/B/x")
    with pytest.raises(ValueError, match="timeout"):
        send(target, make_event(), timeout=timeout)  # type: ignore[arg-type]

"""Payload builders: the whole JSON for Slack, PagerDuty and the generic webhook."""

from __future__ import annotations

import hashlib

import pytest

from ekkyo.notify import (
    BurnRule,
    UnsupportedEvent,
    pagerduty_payload,
    slack_payload,
    webhook_payload,
)
from tests.notify.sample import make_event

URL = "https://ekkyo.example.com/slos/checkout-availability"
KEY = (
    "ekkyo:v1:"
    + hashlib.sha256(b'["checkout-availability","availability","page","1h","5m"]').hexdigest()
)


def test_it_builds_a_slack_message_for_a_firing_page() -> None:
    event = make_event(burn_rates={"1h": 15.234, "5m": 20.1}, sli=0.99873, budget_remaining=0.4213)
    assert slack_payload(event) == {
        "text": "[FIRING][page] Checkout availability / availability: error budget burning at "
        "15.23× (1h) and 20.1× (5m), above 14.4×; 42.1% of the budget left",
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
                    "Error budget burning at 15.23× (1h) and 20.1× (5m), above 14.4×",
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


def test_it_builds_a_japanese_slack_message_for_a_resolved_trial_alert() -> None:
    event = make_event(
        state="resolved",
        occurred_at="2026-03-02T10:00:00Z",
        burn_rates={"1h": 2.0, "5m": 0.5},
        budget_remaining=0.45,
        sli=0.9991,
        language="ja",
        trial=True,
    )
    assert slack_payload(event) == {
        "text": "[解消][呼び出し][仮運用: 誰も呼び出しません] "
        "Checkout availability / availability: バーンレートは 2×（1h）と 0.5×（5m）で、"
        "しきい値 14.4× を同時には超えていません。"
        "残りバジェット 45%",
        "blocks": [
            {
                "type": "header",
                "text": {
                    "type": "plain_text",
                    "text": "✅ 解消 · 呼び出し · Checkout availability",
                    "emoji": True,
                },
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*<{URL}|Checkout availability>* · availability\n"
                    "バーンレートは 2×（1h）と 0.5×（5m）で、"
                    "しきい値 14.4× を同時には超えていません",
                },
            },
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*サービス*\ncheckout"},
                    {"type": "mrkdwn", "text": "*チーム*\npayments"},
                    {"type": "mrkdwn", "text": "*目標*\navailability（目標 99.9%）"},
                    {"type": "mrkdwn", "text": "*ルール*\n1h と 5m が 14.4× 超"},
                    {"type": "mrkdwn", "text": "*SLI*\n99.91%"},
                    {"type": "mrkdwn", "text": "*残りエラーバジェット*\n45%"},
                    {"type": "mrkdwn", "text": "*開始*\n2026-03-02T09:00:00Z"},
                    {"type": "mrkdwn", "text": "*解消*\n2026-03-02T10:00:00Z"},
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "🧪 仮運用中のSLOです。"
                        "このアラートで誰かが呼び出されることはありません。",
                    }
                ],
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{URL}|SLOページを開く> · ekkyo · アラートキー {KEY}",
                    }
                ],
            },
        ],
    }


def test_it_marks_a_pending_alert_with_an_hourglass_and_a_word() -> None:
    header = slack_payload(make_event(state="pending"))["blocks"][0]["text"]["text"]
    assert header == "⏳ PENDING · page · Checkout availability"


def test_it_escapes_names_users_typed_in_slack_markup() -> None:
    event = make_event(slo_display_name="A<B> & <!channel>", team="<@U123>")
    payload = slack_payload(event)
    lead = payload["blocks"][1]["text"]["text"]
    assert lead.startswith(f"*<{URL}|A&lt;B&gt; &amp; &lt;!channel&gt;>*")
    assert payload["blocks"][2]["fields"][1]["text"] == "*Team*\n&lt;@U123&gt;"
    assert "<!channel>" not in payload["text"]
    # The header is plain text: Slack does not interpret it, so it stays as typed.
    assert payload["blocks"][0]["text"]["text"].endswith("A<B> & <!channel>")


def test_it_keeps_a_link_target_intact_when_the_url_holds_link_syntax() -> None:
    event = make_event(slo_url="https://ekkyo.example.com/slos/a|b>c d?x=1&y=%20")
    lead = slack_payload(event)["blocks"][1]["text"]["text"]
    assert lead.startswith(
        "*<https://ekkyo.example.com/slos/a%7Cb%3Ec%20d?x=1&y=%20|Checkout availability>*"
    )


def test_it_cuts_a_long_header_to_slacks_150_characters() -> None:
    header = slack_payload(make_event(slo_display_name="名" * 400))["blocks"][0]["text"]["text"]
    assert len(header) == 150
    assert header.startswith("🔥 FIRING · page · 名名")
    assert header.endswith("名…")


def test_it_builds_a_pagerduty_trigger_for_a_firing_page() -> None:
    event = make_event(trial=True)
    assert pagerduty_payload(event, "R0UT1NGKEY0000000000000000000000") == {
        "routing_key": "R0UT1NGKEY0000000000000000000000",
        "event_action": "trigger",
        "dedup_key": KEY,
        "client": "ekkyo",
        "client_url": URL,
        "links": [{"href": URL, "text": "SLO page: Checkout availability"}],
        "payload": {
            "summary": "[FIRING][page][trial: pages no one] Checkout availability / "
            "availability: error budget burning at 15× (1h) and 20× (5m), above 14.4×; "
            "50% of the budget left",
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
                "trial": True,
                "slo_url": URL,
            },
        },
    }


def test_it_maps_a_ticket_to_pagerduty_warning() -> None:
    event = make_event(
        severity="ticket", rule=BurnRule("3d", "6h", 1.0), burn_rates={"3d": 1.2, "6h": 1.5}
    )
    assert pagerduty_payload(event, "k" * 32)["payload"]["severity"] == "warning"


def test_it_resolves_on_pagerduty_with_the_triggers_dedup_key() -> None:
    trigger = pagerduty_payload(make_event(), "k" * 32)
    resolve = pagerduty_payload(
        make_event(state="resolved", occurred_at="2026-03-02T10:00:00Z"), "k" * 32
    )
    assert resolve == {"routing_key": "k" * 32, "event_action": "resolve", "dedup_key": KEY}
    assert trigger["dedup_key"] == KEY


def test_it_refuses_to_send_a_pending_alert_to_pagerduty() -> None:
    with pytest.raises(UnsupportedEvent, match="not pending"):
        pagerduty_payload(make_event(state="pending"), "k" * 32)


def test_it_builds_the_version_1_webhook_document() -> None:
    event = make_event(language="ja", sli=None, burn_rates={"1h": 15.0, "5m": 20.0, "1d": None})
    event_id = hashlib.sha256(f"{KEY}|firing|2026-03-02T09:05:00Z".encode()).hexdigest()
    assert webhook_payload(event) == {
        "version": 1,
        "type": "slo.alert",
        "id": event_id,
        "dedup_key": KEY,
        "state": "firing",
        "severity": "page",
        "summary": "[発生中][呼び出し] Checkout availability / availability: エラーバジェットを "
        "15×（1h）と 20×（5m）で消費中、しきい値 14.4× 超過。残りバジェット 50%",
        "language": "ja",
        "slo": {
            "name": "checkout-availability",
            "display_name": "Checkout availability",
            "service": "checkout",
            "team": "payments",
            "url": URL,
            "trial": False,
        },
        "objective": {"name": "availability", "target": 0.999},
        "rule": {"long_window": "1h", "short_window": "5m", "factor": 14.4},
        "burn_rates": {"1h": 15.0, "5m": 20.0, "1d": None},
        "sli": None,
        "error_budget": {"remaining_ratio": 0.5},
        "started_at": "2026-03-02T09:00:00Z",
        "occurred_at": "2026-03-02T09:05:00Z",
    }

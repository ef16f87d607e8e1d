"""docs/notifications.md stays true: its examples are exactly what the builders produce."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from ekkyo.notify import pagerduty_payload, sign, slack_payload, webhook_payload
from tests.notify.sample import make_event

DOC = Path(__file__).resolve().parents[2] / "docs" / "notifications.md"


def examples() -> dict[str, Any]:
    found = re.findall(r"<!-- example: ([\w-]+) -->\n```json\n(.*?)\n```", DOC.read_text(), re.S)
    return {name: json.loads(body) for name, body in found}


def test_it_documents_every_payload_example() -> None:
    assert set(examples()) == {"slack", "pagerduty-trigger", "pagerduty-resolve", "webhook"}


@pytest.mark.parametrize("name", ["slack", "pagerduty-trigger", "pagerduty-resolve", "webhook"])
def test_it_documents_exactly_what_the_builders_send(name: str) -> None:
    event = make_event(budget_remaining=0.4213, sli=0.99873)
    resolved = dataclasses.replace(event, state="resolved", occurred_at="2026-03-02T10:00:00Z")
    built = {
        "slack": slack_payload(event),
        "pagerduty-trigger": pagerduty_payload(event, "<routing key>"),
        "pagerduty-resolve": pagerduty_payload(resolved, "<routing key>"),
        "webhook": webhook_payload(event),
    }[name]
    assert examples()[name] == built


def test_it_documents_a_standalone_verifier_that_works() -> None:
    (code,) = re.findall(r"```python\n(import hashlib.*?)```", DOC.read_text(), re.S)
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    verify = namespace["verify"]
    body = b'{"version":1}'
    header = sign("whsec_doc", body, int(time.time()))
    assert verify("whsec_doc", header, body)
    assert not verify("whsec_doc", header, body + b" ")
    assert not verify("other", header, body)

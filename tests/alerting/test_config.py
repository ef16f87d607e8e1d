"""Alert settings and routing read from OpenSLO documents (pure)."""

from __future__ import annotations

import pytest

from ekkyo.alerting.config import ConfigError, alerting_config, settings_from_annotations
from ekkyo.engine.alertstate import AlertSettings
from tests.alerting.helpers import slo_document

SLACK = {
    "apiVersion": "openslo/v1",
    "kind": "AlertNotificationTarget",
    "metadata": {"name": "pay-slack", "annotations": {"ekkyo.dev/url-env": "PAY_SLACK_URL"}},
    "spec": {"target": "slack"},
}


def policy(severity: str, *, alert_after: str | None = None, targets=None) -> dict:
    condition = {"kind": "burnrate", "threshold": 14.4, "lookbackWindow": "1h"}
    if alert_after is not None:
        condition["alertAfter"] = alert_after
    return {
        "kind": "AlertPolicy",
        "metadata": {"name": f"{severity}-policy"},
        "spec": {
            "conditions": [
                {
                    "kind": "AlertCondition",
                    "metadata": {"name": f"{severity}-cond"},
                    "spec": {"severity": severity, "condition": condition},
                }
            ],
            "notificationTargets": targets if targets is not None else [{"targetRef": "pay-slack"}],
        },
    }


def lookup_of(*documents):
    table = {(d["kind"], d["metadata"]["name"]): d for d in documents}
    return lambda kind, name: table.get((kind, name))


def test_it_reads_the_for_duration_and_the_event_guard_from_annotations():
    found = settings_from_annotations({"ekkyo.dev/alert-for": "5m", "ekkyo.dev/min-events": "100"})

    assert found == AlertSettings(for_s=300, min_events=100)


@pytest.mark.parametrize(
    ("annotations", "named"),
    [
        ({"ekkyo.dev/alert-for": "five minutes"}, "ekkyo.dev/alert-for"),
        ({"ekkyo.dev/alert-for": "1M"}, "ekkyo.dev/alert-for"),
        ({"ekkyo.dev/min-events": "-3"}, "ekkyo.dev/min-events"),
        ({"ekkyo.dev/min-events": "lots"}, "ekkyo.dev/min-events"),
    ],
)
def test_it_names_the_annotation_it_cannot_read(annotations, named):
    with pytest.raises(ConfigError, match=named):
        settings_from_annotations(annotations)


def test_it_lets_an_alert_conditions_alert_after_override_the_annotation_for_its_severity():
    document = slo_document(
        "pay",
        annotations={"ekkyo.dev/alert-for": "2m"},
        alert_policies=[policy("page", alert_after="10m")],
    )

    config = alerting_config(document, lookup_of(SLACK))

    assert (config.settings_for("page").for_s, config.settings_for("ticket").for_s) == (600, 120)


def test_it_maps_a_policy_target_to_its_kind_and_environment_variable():
    document = slo_document("pay", alert_policies=[{"alertPolicyRef": "critical-policy"}])

    config = alerting_config(document, lookup_of(SLACK, policy("critical")))

    (spec,) = config.policy_targets("page")
    assert (spec.name, spec.kind, spec.url_env) == ("pay-slack", "slack", "PAY_SLACK_URL")
    assert config.policy_targets("ticket") is None


def test_it_skips_a_policy_with_an_unknown_severity_and_says_why():
    document = slo_document("pay", alert_policies=[policy("sev-1")])

    config = alerting_config(document, lookup_of(SLACK))

    assert config.policies == ()
    assert "sev-1" in config.problems[0]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ({"spec": {"target": "email"}}, "spec.target must be one of"),
        ({"spec": {"target": "pagerduty"}}, "needs ekkyo.dev/routing-key-env"),
        (
            {"spec": {"target": "webhook"}, "annotations": {"ekkyo.dev/url-env": "HOOK"}},
            "needs ekkyo.dev/secret-env",
        ),
        (
            {"spec": {"target": "slack"}, "annotations": {"ekkyo.dev/url-env": "https://x"}},
            "must name an environment variable",
        ),
    ],
)
def test_it_refuses_a_target_it_cannot_use(target, message):
    document = {
        "kind": "AlertNotificationTarget",
        "metadata": {"name": "bad", "annotations": target.get("annotations", {})},
        "spec": target["spec"],
    }
    slo = slo_document("pay", alert_policies=[policy("page", targets=[document])])

    config = alerting_config(slo, lookup_of())

    assert message in config.problems[0]
    assert config.policy_targets("page") is None


def test_it_reports_a_reference_to_a_missing_object():
    document = slo_document("pay", alert_policies=[{"alertPolicyRef": "nowhere"}])

    config = alerting_config(document, lookup_of())

    assert "nowhere" in config.problems[0]

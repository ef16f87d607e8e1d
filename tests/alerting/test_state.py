"""``state.process``: alert state, history, annotations and outbox rows, as the worker calls it."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from ekkyo.alerting import state
from ekkyo.alerting.models import (
    AlertState,
    AlertTransition,
    Annotation,
    Notification,
    NotificationTarget,
    Silence,
)
from ekkyo.catalog.models import SpecObject
from ekkyo.engine import Buckets, Objective, RollingWindow, Series, evaluate
from ekkyo.notify import AlertEvent
from ekkyo.series.store import append
from tests.alerting.helpers import (
    MINUTE,
    PAGE_FAST,
    T0,
    TICKET_SLOW,
    add_slo,
    result,
    target,
)
from tests.factories import make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team("payments", name="Payments")


def run(slo, *results, start=T0, **kwargs):
    """Process one result per minute from ``start``; every transition recorded."""
    out = []
    for i, r in enumerate(results):
        out += state.process(slo, 0, "availability", r, start + i * MINUTE, **kwargs)
    return out


def sent_to(slo):
    return sorted(
        (n.target_name, n.state, n.event["severity"])
        for n in Notification.objects.filter(transition__slo=slo)
    )


def test_it_opens_a_firing_state_with_the_burn_rates_that_caused_it(team):
    slo = add_slo("pay", team)

    (change,) = run(slo, result(PAGE_FAST, burn=20.0))

    row = AlertState.objects.get(slo=slo, long_window="1h")
    assert (row.status, row.started_at, row.firing_at) == ("firing", T0, T0)
    assert (row.peak_long_burn_rate, row.peak_short_burn_rate) == (20.0, 20.0)
    assert (change.kind, change.burn_rates["1h"], change.factor) == ("firing", 20.0, 14.4)


def test_it_queues_one_notification_per_target_of_the_teams_severity(team):
    slo = add_slo("pay", team)
    target("pay-oncall", team, "pagerduty", severities=("page",))
    target("pay-tickets", team, severities=("ticket",))
    target("other-team", make_team("search"), severities=("page",))
    target("sre-everything", None, severities=("page",))

    run(slo, result(PAGE_FAST))

    assert sent_to(slo) == [
        ("pay-oncall", "firing", "page"),
        ("sre-everything", "firing", "page"),
    ]


def test_it_writes_nothing_when_the_outbox_rows_cannot_be_written(team):
    slo = add_slo("pay", team)
    target("pay-oncall", team)

    with (
        mock.patch.object(Notification.objects, "bulk_create", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        run(slo, result(PAGE_FAST))

    assert (AlertState.objects.count(), AlertTransition.objects.count()) == (0, 0)


def test_it_resolves_to_the_targets_that_heard_of_the_firing_with_the_same_dedup_key(team):
    slo = add_slo("pay", team)
    target("pay-oncall", team, "pagerduty", severities=("page",))
    run(slo, result(PAGE_FAST))
    target("late-comer", team, severities=("page",))

    run(slo, result(), start=T0 + 5 * MINUTE)

    rows = list(Notification.objects.order_by("id"))
    assert [(n.target_name, n.state) for n in rows] == [
        ("pay-oncall", "firing"),
        ("pay-oncall", "resolved"),
    ]
    assert rows[0].dedup_key == rows[1].dedup_key
    assert AlertEvent.from_dict(rows[1].event).occurred_at == "2026-03-02T09:05:00Z"


def test_it_records_nothing_when_a_tick_is_processed_again(team):
    slo = add_slo("pay", team)
    target("pay-oncall", team)
    run(slo, result(PAGE_FAST))

    again = run(slo, result())

    assert again == [] and Notification.objects.count() == 1


def test_it_downgrades_a_trial_slos_pages_to_tickets_and_pages_no_one(team):
    slo = add_slo("pay", team, lifecycle="trial")
    target("pay-oncall", team, "pagerduty", severities=("page", "ticket"))
    target("pay-tickets", team, severities=("ticket",))

    (change,) = run(slo, result(PAGE_FAST))

    assert (change.severity, change.effective_severity, change.trial) == ("page", "ticket", True)
    assert sent_to(slo) == [("pay-tickets", "firing", "ticket")]


def test_it_sends_a_trial_slos_alerts_only_to_the_trial_channel_when_there_is_one(team):
    slo = add_slo("pay", team, lifecycle="trial")
    target("pay-tickets", team, severities=("ticket",))
    target("pay-trials", team, severities=(), for_trial=True)

    run(slo, result(PAGE_FAST))

    assert sent_to(slo) == [("pay-trials", "firing", "ticket")]


def test_it_resolves_with_the_triggers_severity_after_the_trial_ends(team):
    slo = add_slo("pay", team, lifecycle="trial")
    target("pay-tickets", team, severities=("ticket",))
    run(slo, result(PAGE_FAST))
    slo.lifecycle = "active"
    slo.save()

    run(slo, result(), start=T0 + MINUTE)

    firing, resolved = Notification.objects.order_by("id")
    assert resolved.event["severity"] == "ticket" and resolved.dedup_key == firing.dedup_key


def test_it_tracks_a_draft_slos_alerts_without_telling_anyone(team):
    slo = add_slo("pay", team, lifecycle="draft")
    target("pay-oncall", team)

    (change,) = run(slo, result(PAGE_FAST))

    assert (change.kind, change.muted, change.notify) == ("firing", True, False)
    assert Notification.objects.count() == 0


def test_it_mutes_during_a_silence_and_announces_a_still_firing_alert_after_it(team):
    slo = add_slo("pay", team)
    target("pay-oncall", team)
    Silence.objects.create(kind="silence", team=team, starts_at=T0, ends_at=T0 + 2 * MINUTE)

    changes = run(slo, *[result(PAGE_FAST)] * 3)

    assert [(c.kind, c.muted, c.notify, c.unmuted) for c in changes] == [
        ("firing", True, False, False),
        ("firing", False, True, True),
    ]
    assert sent_to(slo) == [("pay-oncall", "firing", "page")]


def test_it_is_pending_for_the_annotated_duration_before_firing(team):
    slo = add_slo("pay", team, annotations={"ekkyo.dev/alert-for": "2m"})
    target("pay-oncall", team)
    target("pay-chat", team, notify_pending=True)

    changes = run(slo, *[result(PAGE_FAST)] * 3)

    assert [(c.kind, c.at) for c in changes] == [("pending", T0), ("firing", T0 + 2 * MINUTE)]
    assert sent_to(slo) == [
        ("pay-chat", "firing", "page"),
        ("pay-chat", "pending", "page"),
        ("pay-oncall", "firing", "page"),
    ]


def test_it_holds_back_a_page_when_the_long_window_has_too_few_events(team):
    slo = add_slo("pay", team, annotations={"ekkyo.dev/min-events": "100"})

    changes = run(slo, result(PAGE_FAST), events={"1h": 3.0})

    assert changes == [] and AlertState.objects.count() == 0


def test_it_counts_events_in_the_store_when_the_worker_does_not_pass_them(team):
    slo = add_slo("pay", team, annotations={"ekkyo.dev/min-events": "100"})
    # One bad request out of three in the last hour: burning, but no page.
    t = int(T0.timestamp()) - 60 * np.arange(1, 4)
    append([(slo.pk, "", Buckets.counts(t, [0, 1, 1], [1, 1, 1]))], body_hash="three")

    changes = run(slo, result(PAGE_FAST, TICKET_SLOW))

    assert changes == []


def test_it_opens_and_closes_an_alert_annotation_per_firing(team):
    slo = add_slo("pay", team)

    run(slo, result(PAGE_FAST), result(), result(PAGE_FAST))

    spans = [(a.at, a.ends_at) for a in Annotation.objects.filter(slo=slo, kind="alert")]
    assert spans == [(T0, T0 + MINUTE), (T0 + 2 * MINUTE, None)]


def test_it_takes_an_engine_result_as_the_worker_computes_it(team):
    slo = add_slo("pay", team)
    at = int(T0.timestamp())
    series = Series(at - 7200, np.full(120, 90.0), np.full(120, 100.0))
    engine_result = evaluate(series, Objective(0.999, RollingWindow(30 * 86400)))

    changes = state.process(slo, 0, "availability", engine_result, at)

    assert sorted((c.long_window, c.kind) for c in changes) == [
        ("1d", "firing"),
        ("1h", "firing"),
        ("3d", "firing"),
        ("6h", "firing"),
    ]


def test_it_routes_to_an_openslo_policys_targets_instead_of_the_teams(team, monkeypatch):
    SpecObject.objects.create(
        kind="AlertNotificationTarget",
        name="pay-slack",
        spec_hash="x",
        spec={
            "kind": "AlertNotificationTarget",
            "metadata": {"name": "pay-slack", "annotations": {"ekkyo.dev/url-env": "PAY_URL"}},
            "spec": {"target": "slack"},
        },
    )
    page_policy = {
        "kind": "AlertPolicy",
        "metadata": {"name": "pay-page"},
        "spec": {
            "conditions": [
                {
                    "kind": "AlertCondition",
                    "metadata": {"name": "fast"},
                    "spec": {
                        "severity": "page",
                        "condition": {
                            "kind": "burnrate",
                            "threshold": 14.4,
                            "lookbackWindow": "1h",
                        },
                    },
                }
            ],
            "notificationTargets": [{"targetRef": "pay-slack"}],
        },
    }
    slo = add_slo("pay", team, alert_policies=[page_policy])
    target("pay-oncall", team)

    run(slo, result(PAGE_FAST, TICKET_SLOW))

    assert sent_to(slo) == [
        ("openslo:pay-slack", "firing", "page"),
        ("pay-oncall", "firing", "ticket"),
    ]
    made = NotificationTarget.objects.get(name="openslo:pay-slack")
    assert (made.kind, made.url_env, made.source) == ("slack", "PAY_URL", "openslo")


def test_it_reads_the_json_the_worker_stores_like_the_engine_result(team):
    at = int(T0.timestamp())
    series = Series(at - 7200, np.full(120, 90.0), np.full(120, 100.0))
    engine_result = evaluate(series, Objective(0.999, RollingWindow(30 * 86400)))
    from_json = add_slo("pay-json", team)
    from_engine = add_slo("pay-engine", team, service="shop")

    as_json = {"slo": "pay-json", "objective": "availability", **engine_result.as_dict()}
    a = state.process(from_json, 0, "availability", as_json, at)
    b = state.process(from_engine, 0, "availability", engine_result, at)

    def facts(changes):
        return [(c.kind, c.long_window, c.factor, c.burn_rates, c.sli) for c in changes]

    assert facts(a) == facts(b) and len(a) == 4

"""The policy step: levels from the worker's statuses, notices, action items, exceptions,
incidents — on real minutes in the store, checked against the engine."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.alerting.windows import apply_mask, minute_mask
from ekkyo.engine import evaluate
from ekkyo.policies.models import EventKind, Level, PolicyEvent, PolicyException, PolicyState
from ekkyo.policies.services import record_exception
from ekkyo.policies.steps import evaluate_step
from ekkyo.reviews.models import ActionItem
from ekkyo.teams.models import Notice
from ekkyo.web.charts import read_dense
from ekkyo.web.objectives import objectives_of
from tests.policies.conftest import (
    AT,
    DAY,
    add_slo,
    add_status,
    alert_episode,
    approved_policy,
    day_of_traffic,
    status_from_store,
)

MINUTE = dt.timedelta(minutes=1)


def pay(org, **kw):
    return add_slo("pay", org["checkout"], window="1d", **kw)


def state(slo):
    return PolicyState.objects.get(slo=slo)


def test_it_enters_caution_tells_the_team_and_opens_an_item(org):
    slo = pay(org)
    policy = approved_policy(slo)
    add_status(slo, "healthy", remaining=0.4)
    assert evaluate_step(AT) is True
    assert state(slo).level == Level.CAUTION
    event = PolicyEvent.objects.get()
    assert (event.kind, event.from_level, event.to_level) == (EventKind.ENTERED, 0, Level.CAUTION)
    notice = Notice.objects.get()
    assert "40.0% of the error budget left" in notice.text_en and "Shop policy" in notice.text_en
    assert list(notice.teams.values_list("slug", flat=True)) == ["checkout"]
    item = ActionItem.objects.get()
    assert item.team == org["checkout"] and item.slo == slo and event.action_item == item
    assert item.due_on == dt.date(2026, 3, 16) and "Caution" in item.title
    assert policy.events.count() == 1


def test_it_does_nothing_twice_for_the_same_status(org):
    slo = pay(org)
    approved_policy(slo)
    add_status(slo, "healthy", remaining=0.4)
    evaluate_step(AT)
    assert evaluate_step(AT + MINUTE) is False
    assert PolicyEvent.objects.count() == 1 and ActionItem.objects.count() == 1


def test_it_escalates_then_eases_without_a_new_item(org):
    slo = pay(org)
    approved_policy(slo)
    status = add_status(slo, "healthy", remaining=0.4)
    evaluate_step(AT)
    for remaining, at in ((-0.1, AT + MINUTE), (0.8, AT + 2 * MINUTE)):
        status.remaining_ratio, status.computed_at = remaining, at
        status.save()
        evaluate_step(at)
    kinds = list(PolicyEvent.objects.order_by("at").values_list("kind", "to_level"))
    assert kinds == [("entered", Level.CAUTION), ("entered", Level.FREEZE), ("left", 0)]
    assert ActionItem.objects.count() == 2  # caution and freeze; easing opens none
    assert Notice.objects.count() == 3  # every change is told
    assert state(slo).level == 0


def test_it_keeps_the_freeze_while_the_source_sends_no_data(org):
    slo = pay(org)
    approved_policy(slo)
    status = add_status(slo, "exhausted", remaining=-0.2)
    evaluate_step(AT)
    status.remaining_ratio, status.sli, status.computed_at = None, None, AT + MINUTE
    status.save()
    evaluate_step(AT + MINUTE)
    assert state(slo).level == Level.FREEZE and PolicyEvent.objects.count() == 1


def test_it_forgets_the_state_of_an_slo_that_leaves_the_policy(org):
    from ekkyo.catalog.services import transition

    slo = pay(org)
    approved_policy(slo)
    add_status(slo, "exhausted", remaining=-0.1)
    evaluate_step(AT)
    assert state(slo).level == Level.FREEZE
    transition(slo, "retired", actor=None, reason="replaced")
    evaluate_step(AT + MINUTE)
    assert not PolicyState.objects.exists()


def test_it_ignores_trial_slos_and_unapproved_policies(org):
    trial = add_slo("trial-slo", org["checkout"], lifecycle="trial")
    approved_policy(trial)
    add_status(trial, "exhausted", remaining=-1.0)
    draft_slo = add_slo("other", org["checkout"], "cart")
    policy = approved_policy(draft_slo)
    policy.status = "draft"
    policy.save()
    add_status(draft_slo, "exhausted", remaining=-1.0)
    assert evaluate_step(AT) is False
    assert not PolicyState.objects.exists() and not ActionItem.objects.exists()


def test_it_applies_a_team_policy_to_every_product_of_the_team(org):
    from ekkyo.policies import services

    a = add_slo("pay", org["checkout"], "shop")
    b = add_slo("cart", org["checkout"], "cart")
    policy = services.create_policy(
        service=None, team=org["checkout"], title="Team", language="en", actor=None, now=AT
    )
    policy.status = "approved"
    policy.save()
    add_status(a, "healthy", remaining=0.1)
    add_status(b, "healthy", remaining=0.9)
    evaluate_step(AT)
    levels = dict(PolicyState.objects.values_list("slo__name", "level"))
    assert levels == {"pay": Level.RELIABILITY_FIRST, "cart": 0}


# --- exceptions and incidents on real data --------------------------------------------------

OUTAGE = {m: 4 for m in range(600, 630)}  # 120 bad requests: 120/144 of a day's budget


def _outage_window():
    start = AT - DAY + 600 * MINUTE
    return start, start + 30 * MINUTE


def test_it_reads_the_workers_budget_left_as_the_engine_computed_it(org):
    slo = pay(org)
    approved_policy(slo)
    day_of_traffic(slo, bad=OUTAGE)
    result = status_from_store(slo)
    assert result.remaining_ratio == pytest.approx(1 - 120 / 144)
    evaluate_step(AT)
    assert state(slo).level == Level.RELIABILITY_FIRST
    assert state(slo).adjusted_remaining_ratio == result.remaining_ratio


def test_it_leaves_an_excepted_outage_out_of_the_budget(org):
    slo = pay(org)
    policy = approved_policy(slo)
    day_of_traffic(slo, bad=OUTAGE)
    status_from_store(slo)
    evaluate_step(AT)
    start, end = _outage_window()
    record_exception(
        policy,
        actor=org["member"],
        now=AT,
        slo=slo,
        starts_at=start,
        ends_at=end,
        reason="The payment provider's outage",
        caused_by="Provider",
    )
    assert evaluate_step(AT + MINUTE) is True
    # The engine on the same minutes with the outage's minutes removed.
    spec = objectives_of(slo.spec)[0]
    at_s = int(AT.timestamp())
    series = read_dense(slo.pk, spec.series_key, at_s - 86400, at_s)
    mask = minute_mask([(int(start.timestamp()), int(end.timestamp()))], series.start, len(series))
    expected = evaluate(apply_mask(series, mask), spec.objective, at_s).remaining_ratio
    s = state(slo)
    assert s.adjusted_remaining_ratio == pytest.approx(expected) == pytest.approx(1.0)
    assert s.remaining_ratio == pytest.approx(1 - 120 / 144)  # the worker's, unchanged
    assert s.level == 0
    assert PolicyException.objects.get().recorded_by == org["member"]


def test_it_does_not_let_an_exception_for_another_slo_count(org):
    slo = pay(org)
    other = add_slo("search-latency", org["checkout"], "shop", window="1d")
    policy = approved_policy(slo)
    day_of_traffic(slo, bad=OUTAGE)
    status_from_store(slo)
    start, end = _outage_window()
    record_exception(
        policy, actor=None, now=AT, slo=other, starts_at=start, ends_at=end, reason="Not this one"
    )
    evaluate_step(AT)
    assert state(slo).level == Level.RELIABILITY_FIRST


def test_it_asks_for_a_postmortem_for_an_incident_over_a_fifth_of_the_budget(org):
    slo = pay(org)
    approved_policy(slo)
    day_of_traffic(slo, bad=OUTAGE)
    status_from_store(slo)
    start, end = _outage_window()
    alert_episode(slo, start + 2 * MINUTE, end + 5 * MINUTE)
    evaluate_step(AT)
    incident = PolicyEvent.objects.get(kind=EventKind.INCIDENT)
    # The alert fired 2 minutes in: 28 of the 30 bad minutes, 112 of 144 allowed.
    assert incident.detail["budget_share"] == pytest.approx(112 / 144)
    item = incident.action_item
    assert item.title.startswith("Postmortem (top priority)") and item.due_on == dt.date(2026, 3, 7)
    assert "Write a postmortem" in incident.notice.text_en
    status_from_store(slo, computed_at=AT + MINUTE)
    evaluate_step(AT + MINUTE)
    assert PolicyEvent.objects.filter(kind=EventKind.INCIDENT).count() == 1


def test_it_does_not_ask_for_a_postmortem_for_a_small_incident(org):
    slo = pay(org)
    approved_policy(slo)
    day_of_traffic(slo, bad={m: 1 for m in range(600, 620)})  # 20 of 144: 14 %
    status_from_store(slo)
    start = AT - DAY + 600 * MINUTE
    alert_episode(slo, start, start + 20 * MINUTE)
    evaluate_step(AT)
    assert not PolicyEvent.objects.filter(kind=EventKind.INCIDENT).exists()


def test_it_does_not_count_an_excepted_incident(org):
    slo = pay(org)
    policy = approved_policy(slo)
    day_of_traffic(slo, bad=OUTAGE)
    status_from_store(slo)
    start, end = _outage_window()
    alert_episode(slo, start, end)
    record_exception(
        policy,
        actor=None,
        now=AT,
        slo=None,
        starts_at=start,
        ends_at=end,
        reason="Another team's deploy",
    )
    evaluate_step(AT)
    assert not PolicyEvent.objects.filter(kind=EventKind.INCIDENT).exists()


def test_it_keeps_evaluating_other_slos_when_one_fails(org, monkeypatch):
    from ekkyo.policies import steps

    a = pay(org)
    b = add_slo("cart", org["checkout"], "shop")
    approved_policy(a)
    add_status(a, "healthy", remaining=0.1)
    add_status(b, "healthy", remaining=0.1)
    real = steps.apply_decision

    def flaky(policy, rules, slo, *args):
        if slo.name == "pay":
            raise RuntimeError("boom")
        return real(policy, rules, slo, *args)

    monkeypatch.setattr(steps, "apply_decision", flaky)
    evaluate_step(AT)
    assert list(PolicyState.objects.values_list("slo__name", flat=True)) == ["cart"]


def test_it_shows_the_banner_on_the_slo_page(client, org):
    from tests.policies.conftest import sign_in

    slo = pay(org)
    approved_policy(slo)
    add_status(slo, "exhausted", remaining=-0.1)
    evaluate_step(AT)
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert 'data-testid="policy-banner" data-level="3"' in html
    assert "Change freeze except fixes" in html

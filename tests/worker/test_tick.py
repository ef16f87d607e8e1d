"""Worker steps with a pinned clock: statuses, retired SLOs, failures, shutdown."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo import engine, toolkit
from ekkyo.catalog.models import SLO
from ekkyo.series import store
from ekkyo.worker.models import PullState, SLOStatus, StateChange
from ekkyo.worker.status import classify
from tests.worker.helpers import T0, add_slo, at, change_spec, push, slo_doc, worker

pytestmark = pytest.mark.django_db


def _statuses(slo):
    return list(SLOStatus.objects.filter(slo=slo).order_by("objective_index"))


def test_it_stores_the_engines_result_for_each_objective():
    slo = add_slo(
        "checkout",
        window="1d",
        objectives=[{"displayName": "agreed", "target": 0.9}, {"target": 0.5}],
    )
    push(slo, [T0 - 180, T0 - 120, T0 - 60], [10, 5, 8], [10, 10, 10])

    report = worker().tick(at(T0))

    assert report.evaluated == [slo.id]
    buckets = store.read_series(slo.id, "", T0 - 86_400, T0)
    series = toolkit.series_for(buckets, T0)
    expected = [
        {
            "slo": "checkout",
            "objective": n.name,
            **engine.evaluate(series, n.objective, T0).as_dict(),
        }
        for n in toolkit.objectives_of_document(slo.spec)
    ]
    rows = _statuses(slo)
    assert [r.result for r in rows] == expected
    assert [(r.objective_index, r.objective) for r in rows] == [(0, "agreed"), (1, "1")]
    for r in rows:
        want = classify(
            r.result["sli"], r.result["error_budget"]["remaining_ratio"], r.result["alerts"]
        )
        assert (r.state, r.reason) == (want.state, want.reason)
        assert r.sli == r.result["sli"]
        assert r.remaining_ratio == r.result["error_budget"]["remaining_ratio"]
        assert r.computed_at == at(T0)


def test_it_evaluates_at_the_minute_the_delay_leaves_behind():
    slo = add_slo("checkout", window="1d")
    push(slo, [T0 - 120, T0 - 60], [1, 1], [1, 2])

    worker(delay_s=75).tick(at(T0 + 20))  # floor(T0 + 20 s - 75 s) = T0 - 60

    (row,) = _statuses(slo)
    assert row.result["window"]["end"] == "2026-03-02T11:59:00Z"
    assert row.result["total"] == 1


def test_it_skips_retired_slos():
    live = add_slo("live")
    retired = add_slo("retired", lifecycle="retired")

    report = worker().tick(at(T0))

    assert report.evaluated == [live.id]
    assert not SLOStatus.objects.filter(slo=retired).exists()
    assert SLO.objects.get(pk=retired.pk).lease_owner == ""


def test_it_evaluates_each_slo_once_per_minute():
    slo = add_slo("checkout")
    w = worker()
    w.tick(at(T0))

    again = w.tick(at(T0 + 30))
    next_minute = w.tick(at(T0 + 60))

    assert again.found["evaluate"] is False
    assert next_minute.evaluated == [slo.id]
    assert SLO.objects.get(pk=slo.pk).next_evaluation_at == at(T0 + 120)


def test_it_pushes_a_failing_slo_back_and_evaluates_the_others():
    good = add_slo("good")
    bad = add_slo("bad")
    broken = slo_doc("bad")
    broken["spec"]["objectives"] = [{"target": 7}]
    change_spec(bad, broken)

    report = worker(retry_s=300).tick(at(T0))

    assert report.evaluated == [good.id]
    assert report.saved.pushed_back == [bad.id]
    assert SLO.objects.get(pk=bad.pk).next_evaluation_at == at(T0 + 300)
    assert SLO.objects.get(pk=good.pk).next_evaluation_at == at(T0 + 60)
    assert "target" in report.outcome.errors[bad.id]


def test_it_records_each_change_of_state_once():
    slo = add_slo("checkout", window="1d")
    w = worker()
    w.tick(at(T0))  # no data at all
    push(slo, [T0], [1], [1])
    w.tick(at(T0 + 60))  # all good
    w.tick(at(T0 + 120))  # still all good

    changes = list(StateChange.objects.filter(slo=slo).values_list("from_state", "to_state", "at"))

    assert changes == [("", "no_data", at(T0)), ("no_data", "healthy", at(T0 + 60))]


def test_it_shows_no_data_with_the_reason_while_the_source_is_failing():
    slo = add_slo("checkout", window="1d")
    push(slo, [T0 - 60], [1], [1])
    since = dt.datetime(2026, 3, 2, 11, 30, tzinfo=dt.UTC)
    PullState.objects.create(slo=slo, failing_since=since, last_error="connection refused")

    worker().tick(at(T0))

    (row,) = _statuses(slo)
    assert row.state == "no_data"
    assert row.reason == "source unreachable since 2026-03-02T11:30:00Z: connection refused"
    assert row.sli == 1.0  # the numbers are still the engine's


def test_it_drops_the_statuses_of_objectives_a_spec_change_removed():
    slo = add_slo("checkout", objectives=[{"target": 0.9}, {"target": 0.5}])
    w = worker(lease_ttl_s=60)
    w.tick(at(T0))
    change_spec(slo, slo_doc("checkout", objectives=[{"target": 0.9}]))

    w.tick(at(T0 + 60))

    assert [r.objective_index for r in _statuses(slo)] == [0]


def test_it_stops_after_the_current_step_when_asked_to_shut_down():
    add_slo("checkout")
    w = worker()
    steps = []
    real_compact = w.compact_step

    def compact_then_signal(report):
        steps.append("compact")
        w.request_shutdown()  # what SIGTERM does
        return real_compact(report)

    w.compact_step = compact_then_signal
    w.run()

    assert steps == ["compact"]
    assert not SLOStatus.objects.exists()  # the evaluate step never ran
    assert not SLO.objects.exclude(lease_owner="").exists()  # and the leases went back


def test_it_sets_the_shutdown_flag_on_sigterm():
    import os
    import signal

    w = worker()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        w.install_signal_handlers()
        os.kill(os.getpid(), signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert w.shutdown is True


def test_it_hands_each_tick_report_to_extra_steps_after_evaluating():
    slo = add_slo("checkout")
    seen = []

    def alert_step(report):
        seen.append((report.evaluated, [c.to_state for c in report.saved.changes]))
        return False

    w = worker()
    w.extra_steps = (("alerts", alert_step),)

    report = w.tick(at(T0))

    assert seen == [([slo.id], ["no_data"])]
    assert report.found["alerts"] is False

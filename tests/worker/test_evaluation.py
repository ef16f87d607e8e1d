"""The incremental evaluation against the store: always equal to a full evaluation."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ekkyo import engine, toolkit
from ekkyo.series import store
from ekkyo.worker.evaluation import Evaluations, SloRef, plan_of
from tests.worker.helpers import DAY, T0, add_slo, change_spec, push, push_values, slo_doc

pytestmark = pytest.mark.django_db


def _refs(*slos):
    return {s.id: SloRef(s.id, s.name, s.spec_hash) for s in slos}


def _documents(ids):
    from ekkyo.catalog.models import SLO

    return dict(SLO.objects.filter(id__in=ids).values_list("id", "spec"))


def _compact():
    while store.compact().more:
        pass


def _full(slo, at):
    """``ekkyo evaluate``'s numbers: the engine on everything the store holds."""
    slo.refresh_from_db()
    plan = plan_of(SloRef(slo.id, slo.name, slo.spec_hash), slo.spec)
    out = []
    for named, key in zip(plan.objectives, plan.keys, strict=True):
        buckets = store.read_series(slo.id, key, at - 40 * DAY, at + DAY)
        series = toolkit.series_for(buckets, at)
        result = engine.evaluate(series, named.objective, at=at)
        out.append({"slo": slo.name, "objective": named.name, **result.as_dict()})
    return out


def _got(outcome, slo):
    return [r.result for r in outcome.results[slo.id]]


OBJECTIVE_KINDS = {
    "occurrences": dict(window="1d"),
    "timeslices": dict(
        window="2h",
        budgeting="Timeslices",
        objectives=[
            {"displayName": "5m", "target": 0.9, "timeSliceTarget": 0.8, "timeSliceWindow": "5m"},
            {"displayName": "1m", "target": 0.5, "timeSliceTarget": 0.95, "timeSliceWindow": "1m"},
        ],
    ),
    "threshold": dict(window="1h", threshold=True),
}


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(st.sampled_from(sorted(OBJECTIVE_KINDS)), min_size=1, max_size=3),
    ticks=st.lists(
        st.lists(
            st.tuples(
                st.integers(0, 2),  # which SLO
                st.integers(-300, 2) | st.integers(-2, 0),  # minute relative to the tick
                st.integers(0, 9),
                st.integers(0, 9),
            ),
            max_size=8,
        ),
        min_size=1,
        max_size=6,
    ),
    gaps=st.lists(st.integers(1, 3), min_size=6, max_size=6),
)
def test_it_equals_a_full_evaluation_after_random_pushes_and_ticks(kinds, ticks, gaps):
    with transaction.atomic():
        slos = [add_slo(f"slo-{i}-{kind}", **OBJECTIVE_KINDS[kind]) for i, kind in enumerate(kinds)]
        evaluations = Evaluations()
        at = T0
        for tick, gap in zip(ticks, gaps, strict=False):
            at += 60 * gap
            for which, minute, a, b in tick:
                slo = slos[which % len(slos)]
                t = at + 60 * minute
                if slo.name.endswith("threshold"):
                    push_values(slo, [t], [float(a * 50)])
                else:
                    push(slo, [t], [min(a, b)], [max(a, b)])
            _compact()

            outcome = evaluations.evaluate(_refs(*slos), at, _documents)

            assert not outcome.errors
            for slo in slos:
                assert _got(outcome, slo) == _full(slo, at)
        transaction.set_rollback(True)


def test_it_counts_late_data_inside_the_window():
    slo = add_slo("checkout", window="1d")
    push(slo, [T0 - 60], [9], [10])
    _compact()
    evaluations = Evaluations()
    evaluations.evaluate(_refs(slo), T0, _documents)
    push(slo, [T0 - 3600], [0], [10])  # an hour late, still inside the 1d window
    _compact()

    outcome = evaluations.evaluate(_refs(slo), T0 + 60, _documents)

    result = _got(outcome, slo)[0]
    assert (result["good"], result["total"]) == (9, 20)
    assert outcome.late == 1


def test_it_ignores_late_data_older_than_every_window():
    slo = add_slo("checkout", window="1d")
    evaluations = Evaluations()
    evaluations.evaluate(_refs(slo), T0, _documents)
    push(slo, [T0 - 5 * DAY], [0], [10])  # before the 1d window and the 3d burn windows
    _compact()

    outcome = evaluations.evaluate(_refs(slo), T0 + 60, _documents)

    assert outcome.late == 0
    assert outcome.results[slo.id][0].result["total"] == 0


def test_it_keeps_data_ahead_of_the_evaluation_time_until_its_minute_comes():
    slo = add_slo("checkout", window="1d")
    evaluations = Evaluations()
    evaluations.evaluate(_refs(slo), T0, _documents)
    push(slo, [T0 + 60], [3], [4])  # the minute [T0+60, T0+120) is not over at T0+60
    _compact()

    early = evaluations.evaluate(_refs(slo), T0 + 60, _documents)
    later = evaluations.evaluate(_refs(slo), T0 + 120, _documents)

    assert early.results[slo.id][0].result["total"] == 0
    assert later.results[slo.id][0].result["total"] == 4


def test_it_reloads_an_slo_whose_spec_changed():
    slo = add_slo("checkout", window="1d")
    push(slo, [T0 - 60], [99], [100])
    _compact()
    evaluations = Evaluations()
    evaluations.evaluate(_refs(slo), T0, _documents)
    change_spec(slo, slo_doc("checkout", window="1d", objectives=[{"target": 0.999}]))
    slo.refresh_from_db()

    outcome = evaluations.evaluate(_refs(slo), T0 + 60, _documents)

    assert outcome.reloaded == {slo.id}
    (result,) = _got(outcome, slo)
    assert (result["objective"], result["target"], result["total"]) == ("0", 0.999, 100)


def test_it_reads_each_compacted_batch_once_after_a_load():
    slo = add_slo("checkout", window="1d")
    push(slo, [T0 - 120], [1], [1])
    _compact()
    evaluations = Evaluations()
    evaluations.evaluate(_refs(slo), T0 - 60, _documents)  # loads, with the batch inside
    push(slo, [T0 - 60], [2], [2])
    _compact()

    first = evaluations.evaluate(_refs(slo), T0, _documents)
    second = evaluations.evaluate(_refs(slo), T0 + 60, _documents)

    assert _got(first, slo)[0]["total"] == 3
    assert _got(second, slo)[0]["total"] == 3
    assert first.reloaded == set() and second.reloaded == set()


def test_it_fails_only_the_slo_whose_spec_cannot_be_evaluated():
    good = add_slo("checkout", window="1d")
    bad = add_slo("broken", window="1d")
    broken = slo_doc("broken", window="1d")
    broken["spec"]["objectives"] = [{"target": 1.5}]
    change_spec(bad, broken)
    bad.refresh_from_db()

    outcome = Evaluations().evaluate(_refs(good, bad), T0, _documents)

    assert set(outcome.results) == {good.id}
    assert "cannot evaluate the spec" in outcome.errors[bad.id]


def test_it_forgets_slos_it_no_longer_holds():
    a = add_slo("a", window="1d")
    b = add_slo("b", window="1d")
    evaluations = Evaluations()
    evaluations.evaluate(_refs(a, b), T0, _documents)

    outcome = evaluations.evaluate(_refs(b), T0 + 60, _documents)

    assert set(outcome.results) == {b.id}
    assert evaluations.rows == 1


def test_it_rebuilds_cohorts_that_are_mostly_dead():
    slos = [add_slo(f"s{i}", window="1d") for i in range(20)]
    evaluations = Evaluations()
    evaluations.evaluate(_refs(*slos), T0, _documents)
    for s in slos[:15]:
        push(s, [T0 - 3600], [1], [2])  # late: reloads 15 of the 20
    _compact()

    outcome = evaluations.evaluate(_refs(*slos), T0 + 60, _documents)

    assert outcome.reloaded == {s.id for s in slos}  # the 5 survivors moved along
    assert len(evaluations.cohorts) == 1
    assert all(_got(outcome, s) == _full(s, T0 + 60) for s in slos)


def test_it_starts_a_calendar_window_at_its_period():
    doc = slo_doc("monthly")
    doc["spec"]["timeWindow"] = [
        {
            "duration": "1M",
            "isRolling": False,
            "calendar": {"startTime": "2026-01-01 00:00:00", "timeZone": "Asia/Tokyo"},
        }
    ]
    slo = add_slo("monthly")
    change_spec(slo, doc)
    slo.refresh_from_db()
    # 2026-03-01T00:00+09:00 is 2026-02-28T15:00Z: one minute either side of the start.
    march = 1_772_290_800
    push(slo, [march - 60, march], [0, 7], [5, 7])
    _compact()

    outcome = Evaluations().evaluate(_refs(slo), T0, _documents)

    assert _got(outcome, slo) == _full(slo, T0)
    assert _got(outcome, slo)[0]["total"] == 7
    assert np.isclose(_got(outcome, slo)[0]["sli"], 1.0)

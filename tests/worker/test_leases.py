"""Leases on the test database: claiming, renewing, expiry, take-over and fair shares."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import SLO
from ekkyo.worker import leases
from ekkyo.worker.models import SLOStatus, WorkerHeartbeat
from tests.worker.helpers import T0, add_slo, at, worker

pytestmark = pytest.mark.django_db
TTL = dt.timedelta(seconds=120)


def _owners():
    return dict(SLO.objects.values_list("name", "lease_owner"))


def test_it_claims_only_slos_nobody_holds():
    a, b, c = add_slo("a"), add_slo("b"), add_slo("c")
    SLO.objects.filter(pk=b.pk).update(lease_owner="other", lease_expires_at=at(T0 + 60))

    got = leases.claim("me", at(T0), TTL, limit=10)

    assert sorted(got) == sorted([a.id, c.id])
    assert _owners() == {"a": "me", "b": "other", "c": "me"}
    assert SLO.objects.get(pk=a.pk).lease_expires_at == at(T0) + TTL


def test_it_claims_an_expired_lease():
    slo = add_slo("a")
    SLO.objects.filter(pk=slo.pk).update(lease_owner="dead", lease_expires_at=at(T0 - 1))

    assert leases.claim("me", at(T0), TTL, limit=10) == [slo.id]


def test_it_claims_at_most_the_limit_most_overdue_first():
    first = add_slo("first")
    add_slo("second")
    SLO.objects.exclude(pk=first.pk).update(next_evaluation_at=at(T0))

    assert leases.claim("me", at(T0), TTL, limit=1) == [first.id]


def test_it_renews_its_own_leases_and_hands_back_retired_slos():
    live, retired = add_slo("live"), add_slo("retired")
    leases.claim("me", at(T0), TTL, limit=10)
    SLO.objects.filter(pk=retired.pk).update(lifecycle="retired")

    leases.renew("me", at(T0 + 100), TTL)

    assert SLO.objects.get(pk=live.pk).lease_expires_at == at(T0 + 100) + TTL
    assert _owners()["retired"] == ""


def test_it_takes_only_due_slos_it_still_holds_and_moves_them_on():
    mine, theirs, later = add_slo("mine"), add_slo("theirs"), add_slo("later")
    leases.claim("me", at(T0), TTL, limit=10)
    SLO.objects.filter(pk=theirs.pk).update(lease_owner="other")
    SLO.objects.filter(pk=later.pk).update(next_evaluation_at=at(T0 + 60))

    taken = leases.take_due("me", [mine.id, theirs.id, later.id], at(T0), at(T0 + 60), at(T0 + 500))

    assert taken == {mine.id}
    row = SLO.objects.get(pk=mine.pk)
    assert (row.next_evaluation_at, row.lease_expires_at) == (at(T0 + 60), at(T0 + 500))
    assert SLO.objects.get(pk=theirs.pk).next_evaluation_at == at(0)
    # Taken once per minute: a second save for the same minute finds nothing due.
    assert leases.take_due("me", [mine.id], at(T0), at(T0 + 60), at(T0 + 500)) == set()


def test_it_lets_another_worker_take_over_after_the_lease_expires():
    slo = add_slo("checkout")
    first, second = worker("first", lease_ttl_s=120), worker("second", lease_ttl_s=120)
    first.tick(at(T0))
    assert second.tick(at(T0 + 60)).evaluated == []  # still first's, and alive

    # `first` died: no renewal since T0, so its lease ran out at T0 + 120.
    WorkerHeartbeat.objects.filter(name="first").delete()
    report = second.tick(at(T0 + 180))

    assert report.evaluated == [slo.id]
    assert _owners() == {"checkout": "second"}


def test_it_drops_results_of_an_slo_whose_lease_moved_mid_tick():
    slo = add_slo("checkout")
    w = worker("slow")
    real_save = w.evaluate_step.__func__

    def lose_lease_then_evaluate(self, report):
        SLO.objects.filter(pk=slo.pk).update(lease_owner="thief")
        return real_save(self, report)

    w.evaluate_step = lose_lease_then_evaluate.__get__(w)
    report = w.tick(at(T0))

    assert report.evaluated == []
    assert report.saved.dropped == [slo.id]
    assert not SLOStatus.objects.exists()


def test_it_shares_the_slos_with_a_worker_that_joins():
    for i in range(10):
        add_slo(f"s{i}")
    first, second = worker("first"), worker("second")
    first.tick(at(T0))  # alone: takes all ten
    second.tick(at(T0 + 1))  # joins: nothing free yet, but it is counted

    first.tick(at(T0 + 60))  # hands back its surplus after evaluating this minute
    joined = second.tick(at(T0 + 61))

    owners = list(_owners().values())
    assert (owners.count("first"), owners.count("second")) == (5, 5)
    assert joined.claimed == 5


def test_it_evaluates_each_slo_by_one_worker_per_minute_when_two_share():
    slos = [add_slo(f"s{i}") for i in range(6)]
    first, second = worker("first"), worker("second")
    seen = []
    for minute in range(4):
        now = T0 + 60 * minute
        for w, offset in ((first, 0), (second, 5)):
            seen += [(minute, i) for i in w.tick(at(now + offset)).evaluated]

    for minute in range(4):
        assert sorted(i for m, i in seen if m == minute) == sorted(s.id for s in slos)


def test_it_caps_what_it_holds_at_max_slos():
    for i in range(4):
        add_slo(f"s{i}")

    report = worker(max_slos=3).tick(at(T0))

    assert report.held == 3

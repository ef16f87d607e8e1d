"""The agenda from crafted histories: what changed since the previous session."""

from __future__ import annotations

import datetime as dt

from ekkyo.reviews.agenda import (
    AlertInput,
    Baseline,
    ItemInput,
    SloInput,
    WindowInput,
    baseline_from_dict,
    build_agenda,
    counts,
)

PREVIOUS = dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)
START = dt.datetime(2026, 3, 11, 7, 0, tzinfo=dt.UTC)
NEXT = dt.datetime(2026, 3, 18, 7, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 11)


def slo(name, remaining, state="healthy", index=0, **fields):
    return SloInput(
        slo=name, objective_index=index, state=state, remaining_ratio=remaining, **fields
    )


def agenda(slos=(), baseline=None, alerts=(), windows=(), items=()):
    return build_agenda(
        now=NOW,
        since=PREVIOUS,
        starts_at=START,
        until=NEXT,
        today=TODAY,
        slos=list(slos),
        baseline=baseline,
        alerts=alerts,
        windows=windows,
        items=items,
    )


def base(**remaining):
    return Baseline(at=PREVIOUS, remaining={f"{k}#0": v for k, v in remaining.items()})


def test_it_lists_the_slos_that_burned_most_since_the_baseline_largest_first():
    result = agenda(
        [slo("pay", 0.40), slo("cart", 0.85), slo("find", 0.90)],
        base(pay=0.70, cart=0.95, find=0.905),
    )
    entries = result.section("burned").entries
    assert [e.slo for e in entries] == ["pay", "cart"]  # find burned 0.5%: below 1%
    assert abs(entries[0].burned - 0.30) < 1e-12
    assert abs(entries[1].burned - 0.10) < 1e-12


def test_it_leaves_out_slos_whose_budget_grew_back():
    # A rolling window forgets old failures: more budget than before is not a burn.
    result = agenda([slo("pay", 0.8)], base(pay=0.6))
    assert result.section("burned").entries == ()


def test_it_keeps_only_the_five_largest_burns():
    slos = [slo(f"s{i}", 0.5 - i / 100) for i in range(8)]
    result = agenda(slos, base(**{f"s{i}": 0.9 for i in range(8)}))
    assert [e.slo for e in result.section("burned").entries] == ["s7", "s6", "s5", "s4", "s3"]


def test_it_says_when_there_is_no_baseline_to_compare_with():
    result = agenda([slo("pay", 0.1, "at_risk")])
    assert result.has_baseline is False
    assert result.section("burned").entries == ()
    assert [e.slo for e in result.section("at_risk").entries] == ["pay"]


def test_it_compares_objectives_separately():
    slos = [slo("pay", 0.9, index=0), slo("pay", 0.5, index=1)]
    baseline = Baseline(at=PREVIOUS, remaining={"pay#0": 0.9, "pay#1": 0.8})
    entries = agenda(slos, baseline).section("burned").entries
    assert [(e.slo, e.objective_index) for e in entries] == [("pay", 1)]


def test_it_puts_exhausted_slos_before_those_at_risk_and_least_budget_first():
    slos = [
        slo("a", 0.2, "at_risk"),
        slo("b", -0.3, "exhausted"),
        slo("c", 0.05, "at_risk"),
        slo("d", 0.9, "healthy"),
        slo("e", None, "no_data"),
    ]
    assert [e.slo for e in agenda(slos).section("at_risk").entries] == ["b", "c", "a"]


def test_it_marks_a_state_that_changed_since_the_previous_session():
    baseline = Baseline(at=PREVIOUS, remaining={}, states={"pay#0": "healthy"})
    entry = agenda([slo("pay", 0.2, "at_risk")], baseline).section("at_risk").entries[0]
    assert (entry.previous_state, entry.state) == ("healthy", "at_risk")


def test_it_lists_alerts_that_fired_since_the_previous_session_or_still_fire():
    alerts = [
        AlertInput(
            "pay",
            "availability",
            "page",
            PREVIOUS + dt.timedelta(days=1),
            PREVIOUS + dt.timedelta(days=1, hours=2),
            15.2,
        ),
        AlertInput("cart", "latency", "ticket", PREVIOUS - dt.timedelta(days=3)),  # still firing
        AlertInput(
            "old",
            "availability",
            "page",
            PREVIOUS - dt.timedelta(days=3),
            PREVIOUS - dt.timedelta(days=2),
        ),  # over before the period
        AlertInput("late", "availability", "page", NOW + dt.timedelta(hours=1)),  # not yet
    ]
    entries = agenda(alerts=alerts).section("alerts").entries
    assert [e.slo for e in entries] == ["cart", "pay"]
    assert entries[0].resolved_at is None
    assert entries[1].peak_burn_rate == 15.2


def test_it_lists_trials_ending_before_the_horizon_including_overdue_ones():
    slos = [
        slo("soon", 1.0, lifecycle="trial", trial_ends_on=dt.date(2026, 3, 20)),
        slo("late", 1.0, lifecycle="trial", trial_ends_on=dt.date(2026, 6, 1)),
        slo("over", 1.0, lifecycle="trial", trial_ends_on=dt.date(2026, 3, 1)),
        slo("done", 1.0, lifecycle="active", trial_ends_on=dt.date(2026, 3, 12)),
        slo("soon", 1.0, lifecycle="trial", trial_ends_on=dt.date(2026, 3, 20), index=1),
    ]
    entries = agenda(slos).section("trials").entries
    assert [(e.slo, e.days_left) for e in entries] == [("over", -10), ("soon", 9)]


def test_it_lists_maintenance_since_the_previous_session_and_until_the_next():
    windows = [
        WindowInput(
            "shop",
            PREVIOUS + dt.timedelta(days=2),
            PREVIOUS + dt.timedelta(days=2, hours=1),
            "db upgrade",
        ),
        WindowInput(
            "shop", NOW + dt.timedelta(days=3), NOW + dt.timedelta(days=3, hours=2), "failover test"
        ),
        WindowInput("shop", NEXT + dt.timedelta(days=1), NEXT + dt.timedelta(days=2), "too late"),
        WindowInput(
            "shop", PREVIOUS - dt.timedelta(days=5), PREVIOUS - dt.timedelta(days=4), "too early"
        ),
    ]
    entries = agenda(windows=windows).section("maintenance").entries
    assert [(e.reason, e.upcoming) for e in entries] == [
        ("db upgrade", False),
        ("failover test", True),
    ]


def test_it_lists_open_items_overdue_first_then_oldest_first():
    created = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    items = [
        ItemInput(1, "new", "checkout", "open", created + dt.timedelta(days=20)),
        ItemInput(2, "old", "checkout", "in_progress", created, owner="aki"),
        ItemInput(
            3,
            "late",
            "checkout",
            "open",
            created + dt.timedelta(days=25),
            due_on=dt.date(2026, 3, 1),
        ),
        ItemInput(4, "done", "checkout", "done", created),
        ItemInput(
            5,
            "later",
            "checkout",
            "open",
            created + dt.timedelta(days=5),
            due_on=dt.date(2026, 3, 5),
        ),
    ]
    entries = agenda(items=items).section("action_items").entries
    assert [e.item_id for e in entries] == [3, 5, 2, 1]
    assert [e.overdue for e in entries] == [True, True, False, False]
    assert entries[2].age_days == (TODAY - created.date()).days
    assert entries[3].owner == ""


def test_it_keeps_todays_numbers_for_the_next_agenda():
    first = agenda([slo("pay", 0.7, "at_risk")])
    kept = baseline_from_dict(first.as_dict())
    second = build_agenda(
        now=NOW + dt.timedelta(days=7),
        since=START,
        starts_at=NEXT,
        until=NEXT + dt.timedelta(days=7),
        today=NEXT.date(),
        slos=[slo("pay", 0.5, "at_risk")],
        baseline=kept,
    )
    assert second.has_baseline
    entry = second.section("burned").entries[0]
    assert abs(entry.burned - 0.2) < 1e-12 and entry.previous_state == "at_risk"


def test_it_writes_json_with_only_the_fields_each_entry_has():
    data = agenda([slo("pay", 0.2, "at_risk")]).as_dict()
    assert counts(data) == {
        "burned": 0,
        "at_risk": 1,
        "alerts": 0,
        "trials": 0,
        "maintenance": 0,
        "action_items": 0,
    }
    entry = data["sections"][1]["entries"][0]
    assert entry["slo"] == "pay" and entry["remaining_ratio"] == 0.2
    assert "item_id" not in entry and "fired_at" not in entry


def test_it_reads_no_baseline_from_an_agenda_without_one():
    assert baseline_from_dict({}) is None
    assert baseline_from_dict({"baseline": {"at": ""}}) is None

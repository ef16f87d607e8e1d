"""Team signals: sessions held, attendance, self-facilitation share, items over time."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ekkyo.reviews.signals import (
    ItemFact,
    Period,
    SessionFact,
    facilitated_by,
    month_periods,
    team_signals,
)

MARCH = Period(
    "2026-03", dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
)
APRIL = Period(
    "2026-04", dt.datetime(2026, 4, 1, tzinfo=dt.UTC), dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
)


def held(day, facilitator="", teams=frozenset(), sre=False, month=3, **attendance):
    return SessionFact(
        starts_at=dt.datetime(2026, month, day, 7, tzinfo=dt.UTC),
        teams=frozenset({"checkout"}),
        facilitator=facilitator,
        facilitator_teams=frozenset(teams),
        facilitator_is_sre=sre,
        attendance=attendance,
    )


def test_it_counts_the_share_of_sessions_the_team_facilitated_itself():
    sessions = [
        held(4, "aki", {"checkout"}),
        held(11, "sre1", {"sre"}, sre=True),
        held(18, "mio", {"checkout"}),
        held(25, "sre1", {"sre"}, sre=True),
    ]
    (march,) = team_signals("checkout", [MARCH], sessions, [])
    assert (march.sessions_held, march.facilitated_by_team, march.facilitated_by_sre) == (4, 2, 2)
    assert march.self_facilitation_share == 0.5


def test_it_counts_an_embedded_sre_as_the_sre():
    session = held(4, "emb", {"checkout", "sre"}, sre=True)
    assert facilitated_by("checkout", session) == "sre"


def test_it_tells_other_teams_and_missing_facilitators_apart():
    assert facilitated_by("checkout", held(4, "ola", {"search"})) == "other"
    assert facilitated_by("checkout", held(4)) == "none"


def test_it_has_no_share_in_a_period_without_sessions():
    (april,) = team_signals("checkout", [APRIL], [held(4, "aki", {"checkout"})], [])
    assert april.sessions_held == 0 and april.self_facilitation_share is None
    assert april.mean_attendance is None


def test_it_counts_attendance_of_the_team_only():
    sessions = [held(4, checkout=3, search=1), held(11, checkout=5)]
    (march,) = team_signals("checkout", [MARCH], sessions, [])
    assert march.attendance == 8 and march.mean_attendance == 4.0


def test_it_ignores_sessions_of_series_the_team_is_not_in():
    other = SessionFact(dt.datetime(2026, 3, 4, tzinfo=dt.UTC), frozenset({"search"}), "x")
    (march,) = team_signals("checkout", [MARCH], [other], [])
    assert march.sessions_held == 0


def test_it_counts_items_opened_and_closed_in_each_period():
    t = lambda m, d: dt.datetime(2026, m, d, tzinfo=dt.UTC)  # noqa: E731
    items = [
        ItemFact("checkout", t(3, 2), "done", t(4, 3)),
        ItemFact("checkout", t(3, 9), "dropped", t(3, 20)),
        ItemFact("checkout", t(4, 9), "open"),
        ItemFact("search", t(3, 9), "done", t(3, 10)),
    ]
    march, april = team_signals("checkout", [MARCH, APRIL], [], items)
    assert (march.items_opened, march.items_done, march.items_dropped) == (2, 0, 1)
    assert (april.items_opened, april.items_done, april.items_dropped) == (1, 1, 0)


def test_it_cuts_months_at_local_midnight():
    periods = month_periods(dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 2, "Asia/Tokyo")
    assert [p.label for p in periods] == ["2026-02", "2026-03"]
    assert periods[1].start == dt.datetime(2026, 2, 28, 15, tzinfo=dt.UTC)
    assert periods[1].end == dt.datetime(2026, 3, 31, 15, tzinfo=dt.UTC)
    assert periods[0].end == periods[1].start


def test_it_cuts_new_york_months_in_the_right_offset_either_side_of_dst():
    (march,) = month_periods(dt.datetime(2026, 3, 15, tzinfo=dt.UTC), 1, "America/New_York")
    assert march.start == dt.datetime(2026, 3, 1, 5, tzinfo=dt.UTC)  # EST
    assert march.end == dt.datetime(2026, 4, 1, 4, tzinfo=dt.UTC)  # EDT


@given(
    kinds=st.lists(st.sampled_from(["team", "sre", "other", "none"]), max_size=30),
)
def test_it_adds_up_every_held_session_exactly_once(kinds):
    def fact(i, kind):
        return held(
            1 + i % 28,
            "" if kind == "none" else f"p{i}",
            {"checkout"} if kind == "team" else {"x"},
            sre=kind == "sre",
        )

    (march,) = team_signals("checkout", [MARCH], [fact(i, k) for i, k in enumerate(kinds)], [])
    assert march.facilitated_by_team == kinds.count("team")
    assert march.facilitated_by_sre == kinds.count("sre")
    total = (
        march.facilitated_by_team
        + march.facilitated_by_sre
        + march.facilitated_by_other
        + march.without_facilitator
    )
    assert total == march.sessions_held == len(kinds)
    if kinds:
        assert march.self_facilitation_share == kinds.count("team") / len(kinds)

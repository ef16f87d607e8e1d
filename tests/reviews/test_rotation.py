"""Facilitator rotation: least recently facilitated first, ties by name, fair over time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ekkyo.reviews.cadence import next_facilitator, rotation

names = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=8, unique=True)


def test_it_starts_with_the_first_name_when_nobody_facilitated_yet():
    assert next_facilitator(["mio", "aki", "ren"], []) == "aki"


def test_it_picks_whoever_waited_longest():
    assert next_facilitator(["aki", "mio", "ren"], ["aki", "mio", "ren", "aki"]) == "mio"


def test_it_prefers_someone_who_never_facilitated():
    assert next_facilitator(["aki", "mio", "new"], ["aki", "mio", "aki"]) == "new"


def test_it_skips_people_who_are_away():
    assert next_facilitator(["aki", "mio", "ren"], ["ren"], unavailable=["aki"]) == "mio"


def test_it_answers_none_without_candidates():
    assert next_facilitator([], ["aki"]) is None
    assert next_facilitator(["aki"], [], unavailable=["aki"]) is None


def test_it_ignores_facilitators_who_left_the_team():
    assert next_facilitator(["mio", "ren"], ["gone", "ren"]) == "mio"


@given(pool=names, history=st.lists(st.text("abcdefghij", min_size=1, max_size=4), max_size=30))
def test_it_gives_everyone_exactly_one_turn_in_each_round(pool, history):
    turns = rotation(pool, history, 3 * len(pool))
    for start in range(0, len(turns) - len(pool) + 1):
        window = turns[start : start + len(pool)]
        assert sorted(window) == sorted(pool)


@given(pool=names, history=st.lists(st.text("abcdefgh", min_size=1, max_size=4), max_size=30))
def test_it_never_picks_someone_who_facilitated_more_recently_than_another(pool, history):
    chosen = next_facilitator(pool, history)
    last = {name: i for i, name in enumerate(history)}
    assert all(last.get(chosen, -1) <= last.get(other, -1) for other in pool)


@given(pool=names, history=st.lists(st.text("abcdefgh", min_size=1, max_size=4), max_size=30))
def test_it_does_not_depend_on_the_order_of_the_candidates(pool, history):
    assert next_facilitator(pool, history) == next_facilitator(list(reversed(pool)), history)


@given(pool=names, sessions=st.integers(1, 40))
def test_it_keeps_turn_counts_within_one_of_each_other(pool, sessions):
    turns = rotation(pool, [], sessions)
    counts = [turns.count(name) for name in pool]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == sessions

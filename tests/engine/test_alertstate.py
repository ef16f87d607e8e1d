"""The alert state machine: examples, and properties against a run-based reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ekkyo.engine import Objective, RollingWindow, Series, evaluate
from ekkyo.engine.alertstate import (
    AlertSettings,
    RuleInput,
    RuleState,
    Transition,
    rule_inputs,
    step,
    window_events,
)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
ON = RuleInput(True, 20.0, 30.0, 1000.0)
OFF = RuleInput(False, 1.0, 1.0, 1000.0)


def run(inputs, settings=AlertSettings(), muted=None, times=None):
    """Feed ``inputs`` one minute apart; return the final state and every transition."""
    state = RuleState()
    out: list[Transition] = []
    for i, inp in enumerate(inputs):
        now = times[i] if times is not None else T0 + 60 * i
        state, transitions = step(state, inp, settings, now, muted=bool(muted and muted[i]))
        out.extend(transitions)
    return state, out


def test_it_fires_at_once_without_a_for_duration():
    state, out = run([OFF, ON])

    assert state.status == "firing"
    assert [(t.kind, t.at, t.notify) for t in out] == [("firing", T0 + 60, True)]


def test_it_is_pending_until_the_for_duration_has_passed():
    state, out = run([ON, ON, ON, ON], AlertSettings(for_s=180))

    assert [(t.kind, t.at) for t in out] == [("pending", T0), ("firing", T0 + 180)]
    assert state.started_at == T0 and state.firing_at == T0 + 180


def test_it_resolves_a_pending_alert_that_did_not_last_without_firing():
    state, out = run([ON, ON, OFF], AlertSettings(for_s=300))

    assert [(t.kind, t.was_firing) for t in out] == [("pending", False), ("resolved", False)]
    assert state.firing_at is None


def test_it_resolves_at_the_first_inactive_evaluation_and_keeps_the_start():
    state, out = run([ON, ON, OFF])

    assert [(t.kind, t.at, t.started_at) for t in out] == [
        ("firing", T0, T0),
        ("resolved", T0 + 120, T0),
    ]
    assert (state.status, state.ended_at) == ("resolved", T0 + 120)


def test_it_keeps_the_highest_burn_rates_of_the_episode():
    inputs = [RuleInput(True, 20.0, 30.0), RuleInput(True, 25.0, 15.0), RuleInput(True, 18, 40)]

    state, _ = run(inputs)

    assert (state.peak_long_burn, state.peak_short_burn) == (25.0, 40.0)


def test_it_does_not_page_when_the_long_window_holds_too_few_events():
    few = RuleInput(True, 300.0, 300.0, long_events=3.0)

    state, out = run([few, few], AlertSettings(min_events=100))

    assert state.status == "inactive" and out == []


def test_it_pages_when_the_event_count_is_unknown():
    unknown = RuleInput(True, 300.0, 300.0, long_events=None)

    state, _ = run([unknown], AlertSettings(min_events=100))

    assert state.status == "firing"


def test_it_announces_nothing_new_while_muted():
    _, out = run([ON, ON], muted=[True, True])

    assert [(t.kind, t.notify) for t in out] == [("firing", False)]


def test_it_announces_a_firing_alert_when_its_silence_ends():
    _, out = run([ON, ON, ON], muted=[True, True, False])

    assert [(t.kind, t.at, t.notify, t.unmuted) for t in out] == [
        ("firing", T0, False, False),
        ("firing", T0 + 120, True, True),
    ]


def test_it_announces_a_resolve_during_a_silence_when_the_firing_was_announced():
    _, out = run([ON, OFF], muted=[False, True])

    assert [(t.kind, t.notify) for t in out] == [("firing", True), ("resolved", True)]


def test_it_keeps_quiet_about_a_resolve_whose_firing_nobody_heard_of():
    _, out = run([ON, OFF], muted=[True, False])

    assert [(t.kind, t.notify) for t in out] == [("firing", False), ("resolved", False)]


def test_it_ignores_an_evaluation_at_or_before_the_last_one():
    state, _ = step(RuleState(), ON, AlertSettings(), T0)

    again, out = step(state, OFF, AlertSettings(), T0)

    assert again == state and out == ()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"for_s": -60}, "for_s"),
        ({"for_s": 1.5}, "for_s"),
        ({"min_events": float("nan")}, "min_events"),
        ({"min_events": -1}, "min_events"),
    ],
)
def test_it_rejects_bad_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        AlertSettings(**settings)


def test_it_reads_the_rules_from_an_engine_result():
    # 10 % errors over the last 2 hours against a 99.9 % target: every window burns 100x.
    n = 120
    series = Series(T0, np.full(n, 90.0), np.full(n, 100.0))
    objective = Objective(0.999, RollingWindow(30 * 86400))
    result = evaluate(series, objective)

    inputs = rule_inputs(result, window_events(series, objective, series.end))

    assert [i.breaching for i in inputs] == [True, True, True, True]
    assert inputs[0].long_burn == pytest.approx(100.0)
    assert [i.long_events for i in inputs] == [6000.0, 12000.0, 12000.0, 12000.0]


def test_it_counts_no_events_in_an_empty_window():
    series = Series(T0, np.zeros(5), np.zeros(5))
    objective = Objective(0.99, RollingWindow(86400))

    events = window_events(series, objective, series.end)

    assert set(events.values()) == {0.0}


# --------------------------------------------------------------------------- properties


def reference(actives: list[bool], times: list[int], for_s: int) -> list[tuple[str, int]]:
    """Transitions from runs of active evaluations, computed without a state machine."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(actives):
        if not actives[i]:
            i += 1
            continue
        j = i
        while j < len(actives) and actives[j]:
            j += 1
        run_times = times[i:j]
        start = run_times[0]
        if for_s == 0:
            out.append(("firing", start))
        else:
            out.append(("pending", start))
            fired = [t for t in run_times if t - start >= for_s]
            if fired:
                out.append(("firing", fired[0]))
        if j < len(actives):
            out.append(("resolved", times[j]))
        i = j
    return out


@st.composite
def scenarios(draw):
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    times = list(T0 + 60 * np.cumsum(gaps))
    breaching = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    events = draw(st.lists(st.sampled_from([None, 0.0, 5.0, 50.0, 500.0]), min_size=n, max_size=n))
    muted = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    settings = AlertSettings(
        for_s=draw(st.sampled_from([0, 60, 120, 300])),
        min_events=draw(st.sampled_from([0, 10, 100])),
    )
    inputs = [RuleInput(b, 20.0, 30.0, e) for b, e in zip(breaching, events, strict=True)]
    return [int(t) for t in times], inputs, muted, settings


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_it_moves_through_states_like_the_run_based_reference(scenario):
    times, inputs, muted, settings = scenario
    actives = [i.active(settings) for i in inputs]

    _, out = run(inputs, settings, muted, times)

    assert [(t.kind, t.at) for t in out if not t.unmuted] == reference(
        actives, times, settings.for_s
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_it_announces_only_unmuted_news_and_resolves_only_what_was_announced(scenario):
    times, inputs, muted, settings = scenario
    by_time = dict(zip(times, muted, strict=True))

    _, out = run(inputs, settings, muted, times)

    announced_in_episode = False
    for t in out:
        if t.kind in ("pending", "firing") and t.notify:
            assert not by_time[t.at]
            announced_in_episode = True
        if t.kind == "resolved":
            assert t.notify == announced_in_episode
            announced_in_episode = False


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_it_announces_each_firing_episode_at_most_once(scenario):
    times, inputs, muted, settings = scenario

    _, out = run(inputs, settings, muted, times)

    announced_firings = 0
    for t in out:
        if t.kind == "firing" and t.notify:
            announced_firings += 1
            assert announced_firings == 1
        if t.kind == "resolved":
            announced_firings = 0


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_it_changes_nothing_when_a_tick_is_repeated(scenario):
    times, inputs, muted, settings = scenario
    state = RuleState()
    for now, inp, m in zip(times, inputs, muted, strict=True):
        state, _ = step(state, inp, settings, now, muted=m)
        repeated, again = step(state, OFF if inp.breaching else ON, settings, now, muted=not m)
        assert (repeated, again) == (state, ())

"""Maintenance windows excluded from the budget count as no data in the worker."""

from __future__ import annotations

import numpy as np
import pytest

from ekkyo import engine, toolkit
from ekkyo.alerting.models import Silence
from ekkyo.series import store
from ekkyo.worker.models import SLOStatus
from tests.worker.helpers import T0, add_slo, at, push, worker

pytestmark = pytest.mark.django_db

HOUR = 3600


def _bad_hour(slo, end):
    """Two hours of minutes ending at ``end``: the first hour good, the second all bad."""
    t = np.arange(end - 2 * HOUR, end, 60)
    good = np.where(t < end - HOUR, 10, 0)
    push(slo, t, good, np.full(len(t), 10))


def _expected(slo, lo, hi, end):
    """The engine on the stored series with minutes touching ``[lo, hi)`` emptied (by hand)."""
    series = toolkit.series_for(store.read_series(slo.id, "", end - 86_400, end), end)
    minute = series.start + 60 * np.arange(len(series))
    masked = (minute + 60 > lo) & (minute < hi)
    good = np.where(masked, 0.0, series.good)
    total = np.where(masked, 0.0, series.total)
    series = engine.Series(series.start, good, total)
    (named,) = toolkit.objectives_of_document(slo.spec)
    return {
        "slo": slo.name,
        "objective": named.name,
        **engine.evaluate(series, named.objective, end).as_dict(),
    }


def _maintenance(slo, lo, hi, *, exclude=True):
    return Silence.objects.create(
        kind="maintenance", slo=slo, starts_at=at(lo), ends_at=at(hi), exclude_from_budget=exclude
    )


def test_it_evaluates_history_with_excluded_minutes_as_no_data():
    slo = add_slo("checkout", window="1d")
    _bad_hour(slo, T0)
    # Covers most of the bad hour, partly touching its first and last kept minutes.
    lo, hi = T0 - HOUR + 30, T0 - 600 + 30
    _maintenance(slo, lo, hi)

    worker().tick(at(T0))

    row = SLOStatus.objects.get(slo=slo)
    assert row.result == _expected(slo, lo, hi, T0)
    assert row.result["total"] < 120 * 10  # the window really took minutes out


def test_it_keeps_minutes_of_windows_not_excluded_from_the_budget():
    slo = add_slo("checkout", window="1d")
    _bad_hour(slo, T0)
    _maintenance(slo, T0 - HOUR, T0, exclude=False)

    worker().tick(at(T0))

    assert SLOStatus.objects.get(slo=slo).result["total"] == 120 * 10


def test_it_reloads_an_slo_when_its_maintenance_windows_change():
    slo = add_slo("checkout", window="1d")
    _bad_hour(slo, T0)
    w = worker()
    w.tick(at(T0))
    lo, hi = T0 - 2 * HOUR, T0 - HOUR // 2

    _maintenance(slo, lo, hi)
    report = w.tick(at(T0 + 60))

    assert slo.id in report.outcome.reloaded
    assert SLOStatus.objects.get(slo=slo).result == _expected(slo, lo, hi, T0 + 60)


def test_it_masks_new_minutes_fed_inside_a_window():
    slo = add_slo("checkout", window="1d")
    _bad_hour(slo, T0)
    lo, hi = T0, T0 + 10 * 60  # the next ten minutes
    _maintenance(slo, lo, hi)
    w = worker()
    w.tick(at(T0))

    t = np.arange(T0, T0 + 15 * 60, 60)
    push(slo, t, np.zeros(len(t)), np.full(len(t), 10))  # all bad
    report = w.tick(at(T0 + 15 * 60))

    assert slo.id not in report.outcome.reloaded  # fed incrementally, not reloaded
    assert SLOStatus.objects.get(slo=slo).result == _expected(slo, lo, hi, T0 + 15 * 60)

"""The SLO page's backtest: which alerts the stored history would have raised."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ekkyo.engine import Objective, RollingWindow, Series
from ekkyo.engine.backtest import backtest
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, push_minutes, sign_in

DAYS = 12


def _slo_with_bad_hour(org):
    slo = add_slo("pay", org["checkout"])
    n = DAYS * 1440
    total = np.full(n, 50.0)
    good = total.copy()
    good[n - 2000 : n - 1940] = 0.0  # an hour of complete failure, a day and a half ago
    push_minutes(slo, EVALUATED_AT - dt.timedelta(days=DAYS), good, total)
    add_status(slo, "at_risk")
    return good, total


def test_it_answers_the_engines_backtest_as_json(client, org):
    good, total = _slo_with_bad_hour(org)
    sign_in(client, org["viewer"])

    data = client.get("/slos/pay/backtest?days=7&format=json").json()

    end = int(EVALUATED_AT.timestamp())
    series = Series(start=end - 60 * len(total), good=good, total=total)
    objective = Objective(target=0.999, window=RollingWindow(30 * 86400))
    expected = backtest(series, objective, end - 7 * 86400, end).as_dict()
    (got,) = data["results"]
    assert got["rules"] == expected["rules"]
    assert any(r["intervals"] for r in got["rules"])  # the bad hour did page


def test_it_lists_the_firings_in_the_fragment(client, org):
    _slo_with_bad_hour(org)
    sign_in(client, org["viewer"])

    html = client.get("/slos/pay/backtest?days=7", headers={"HX-Request": "true"}).content.decode()

    table = html.split('data-table="backtest"')[1].split("</table>")[0]
    assert "1h/5m" in table and "Page" in table
    assert "No alert would have fired" not in table


def test_it_refuses_a_period_not_offered(client, org):
    _slo_with_bad_hour(org)
    sign_in(client, org["viewer"])
    assert client.get("/slos/pay/backtest?days=8").status_code == 400


def test_it_offers_the_backtest_form_on_the_page(client, org):
    _slo_with_bad_hour(org)
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert 'data-testid="backtest-form"' in html and 'hx-get="/slos/pay/backtest"' in html

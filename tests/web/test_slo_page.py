"""The SLO page and its chart JSON twin: numbers from the engine, downsampled."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

from ekkyo.catalog.services import update_spec
from ekkyo.engine import Objective, RollingWindow, Series, evaluate
from tests.web.conftest import EVALUATED_AT, add_slo, add_status, openslo, push_minutes, sign_in

DAYS = 10


@pytest.fixture
def pay(org):
    """'pay' (99.9% over 30 days) with ten days of traffic and one bad hour, evaluated."""
    slo = add_slo("pay", org["checkout"], display_name="Payments")
    n = DAYS * 1440
    total = np.full(n, 50.0)
    good = total.copy()
    good[n - 2000 : n - 1940] = 25.0  # an hour at half the requests failing
    push_minutes(slo, EVALUATED_AT - dt.timedelta(days=DAYS), good, total)
    add_status(slo, "at_risk")
    return slo, good, total


def engine_result(good, total, at=EVALUATED_AT):
    start = int(at.timestamp()) - 60 * len(total)
    series = Series(start=start, good=good, total=total)
    return evaluate(series, Objective(target=0.999, window=RollingWindow(30 * 86400)))


def test_it_charts_numbers_from_the_engine(client, org, pay):
    _slo, good, total = pay
    sign_in(client, org["viewer"])
    data = client.get("/slos/pay/chart.json?days=7").json()
    chart = data["objectives"][0]
    expected = engine_result(good, total)
    assert chart["result"]["sli"] == pytest.approx(expected.sli, rel=1e-12)
    assert chart["result"]["error_budget"]["remaining_ratio"] == pytest.approx(
        expected.remaining_ratio, rel=1e-12
    )
    assert chart["burndown"]["remaining_ratio"][-1] == pytest.approx(expected.remaining_ratio)
    last = {w: values[-1] for w, values in chart["burn_rates"]["windows"].items()}
    assert last == pytest.approx({w: v for w, v in expected.burn_rates.items()})


def test_it_ends_every_chart_where_the_worker_evaluated(client, org, pay):
    sign_in(client, org["viewer"])
    chart = client.get("/slos/pay/chart.json?days=7").json()["objectives"][0]
    end = "2026-03-02T12:00:00+00:00"
    assert chart["evaluated_at"] == end
    assert chart["sli"]["t"][-1] == chart["burndown"]["t"][-1] == chart["burn_rates"]["t"][-1]
    assert chart["sli"]["t"][-1] == end


def test_it_computes_the_sli_of_each_step_from_the_buckets(client, org, pay):
    sign_in(client, org["viewer"])
    chart = client.get("/slos/pay/chart.json?days=7").json()["objectives"][0]
    step_minutes = chart["sli"]["step_s"] // 60
    assert step_minutes == 15
    # The bad hour fills whole 15-minute steps: their SLI is exactly one half.
    values = np.array([math.nan if v is None else v for v in chart["sli"]["sli"]])
    worst = np.nanmin(values)
    assert worst == pytest.approx(0.5)
    # Steps fully before the data have no SLI, steps inside it a number.
    assert not math.isnan(values[-1]) and values[-1] == 1.0


def test_it_downsamples_ninety_days_to_at_most_a_thousand_points(client, org, pay):
    sign_in(client, org["viewer"])
    chart = client.get("/slos/pay/chart.json?days=90").json()["objectives"][0]
    assert chart["sli"]["step_s"] == 3 * 3600
    assert 700 <= len(chart["sli"]["t"]) <= 1001
    assert len(chart["burn_rates"]["windows"]["1h"]) == len(chart["sli"]["t"])
    assert len(chart["burndown"]["t"]) <= 1001


def test_it_burns_down_over_the_current_window(client, org, pay):
    _slo, good, total = pay
    sign_in(client, org["viewer"])
    down = client.get("/slos/pay/chart.json").json()["objectives"][0]["burndown"]
    assert down["window"]["start"] == "2026-01-31T12:00:00+00:00"
    assert down["window"]["length_s"] == 30 * 86400
    assert down["remaining_ratio"][0] == 1.0
    numbers = [v for v in down["remaining_ratio"] if v is not None]
    assert numbers == sorted(numbers, reverse=True)
    # 1,500 bad requests against a budget of 0.1% of 720,000.
    assert numbers[-1] == pytest.approx(1 - (total - good).sum() / (0.001 * total.sum()))


def test_it_lists_the_alert_thresholds_for_the_window(client, org, pay):
    sign_in(client, org["viewer"])
    rules = client.get("/slos/pay/chart.json").json()["objectives"][0]["burn_rates"]["alert_rules"]
    assert [(r["long_window"], r["short_window"], r["factor"]) for r in rules] == [
        ("1h", "5m", 14.4),
        ("6h", "30m", 6.0),
        ("1d", "2h", 3.0),
        ("3d", "6h", 1.0),
    ]


def test_it_gives_chart_times_in_the_readers_zone(client, org, pay):
    sign_in(client, org["viewer"])
    data = client.get("/slos/pay/chart.json?days=1", headers={"Accept-Language": "ja"}).json()
    assert data["time_zone"] == "Asia/Tokyo"
    assert data["objectives"][0]["sli"]["t"][-1] == "2026-03-02T21:00:00+09:00"


@pytest.mark.parametrize("days", ["0", "401", "ten"])
def test_it_refuses_a_bad_days_parameter(client, org, pay, days):
    sign_in(client, org["viewer"])
    response = client.get(f"/slos/pay/chart.json?days={days}")
    assert response.status_code == 400
    assert "days" in response.json()["error"]["message"]


def test_its_tables_hold_the_chart_numbers(client, org, pay):
    sign_in(client, org["viewer"])
    chart = client.get("/slos/pay/chart.json?days=2").json()["objectives"][0]
    html = client.get("/slos/pay/chart-table?days=2").content.decode()
    table = html[html.index('data-table="burndown"') :]
    table = table[: table.index("</table>")]
    cells = re.findall(r'<td class="num">([^<]+)</td>', table)
    expected = [
        "—" if v is None else f"{v * 100:.2f}%" for v in chart["burndown"]["remaining_ratio"]
    ]
    assert cells == expected
    sli_table = html[html.index('data-table="sli"') :]
    sli_table = sli_table[: sli_table.index("</table>")]
    assert len(re.findall("<tr>", sli_table)) == len(chart["sli"]["t"]) + 1


def test_it_draws_an_slo_without_data_as_empty_charts(client, org):
    add_slo("quiet", org["checkout"])
    sign_in(client, org["viewer"])
    chart = client.get("/slos/quiet/chart.json?days=7").json()["objectives"][0]
    assert chart["result"]["sli"] is None
    assert set(chart["sli"]["sli"]) == {None}
    assert set(chart["burndown"]["remaining_ratio"]) == {None}


def test_it_says_in_plain_words_what_the_target_allows(client, org, pay):
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert (
        "99.9% over the last 30 days allows 43 minutes of full outage, "
        "or 1 failed request in 1,000."
    ) in html


def test_it_compares_current_burn_rates_with_the_thresholds(client, org):
    slo = add_slo("pay", org["checkout"])
    add_status(slo, "exhausted", burn=20.0, alerts=1)
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    table = html[html.index('data-testid="burn-table"') :]
    table = table[: table.index("</table>")]
    # Every window burns at 20×: above 14.4, 6, 3 and 1, so all four rules fire.
    assert table.count('class="over"') == 4
    assert "14.4×" in table and "20.0×" in table


def test_it_says_what_to_do_when_the_worker_has_not_evaluated_yet(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert "ekkyo worker" in html
    assert 'data-testid="state"><span class="icon" aria-hidden="true">–</span>No data' in html


def test_it_shows_an_empty_alert_history(client, org, pay):
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert 'data-testid="alert-history"' in html and "No alerts recorded yet" in html


def test_it_shows_the_spec_and_each_version_with_its_diff(client, org):
    slo = add_slo("pay", org["checkout"])
    update_spec(slo, openslo("pay", "shop", target=0.995), actor=org["admin"], reason="too strict")
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert 'data-version="2"' in html and 'data-version="1"' in html
    assert "too strict" in html
    # PostgreSQL's jsonb reorders keys, so match the changed lines, not their indentation.
    assert re.search(r'<span class="del">-[ -]*target: 0\.999</span>', html)
    assert re.search(r'<span class="add">\+[ -]*target: 0\.995</span>', html)
    assert "target: 0.995" in html[html.index('data-testid="spec"') :]


def test_it_explains_trial_operation(client, org):
    add_slo("pay", org["checkout"], lifecycle="trial")
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay").content.decode()
    assert "in trial operation" in html
    assert '<span class="life life-trial" data-testid="lifecycle">Trial</span>' in html


def test_it_points_its_charts_at_the_json_twin_and_the_packaged_plotly(client, org, pay):
    sign_in(client, org["viewer"])
    html = client.get("/slos/pay?days=30").content.decode()
    assert 'data-chart-url="/slos/pay/chart.json?days=30"' in html
    assert 'src="/static/vendor/plotly/plotly.min.js"' in html
    assert 'src="/static/web/slo.js"' in html
    assert 'hx-get="/slos/pay/chart-table?days=30"' in html


def test_it_marks_an_objective_it_cannot_evaluate(client, org):
    broken = openslo("odd", "shop")
    broken["spec"]["timeWindow"] = [{"duration": "1M", "isRolling": True}]
    add_slo("odd", org["checkout"])
    from ekkyo.catalog.models import SLO

    SLO.objects.filter(name="odd").update(spec=broken)
    sign_in(client, org["viewer"])
    assert "cannot be evaluated" in client.get("/slos/odd").content.decode()
    chart = client.get("/slos/odd/chart.json").json()["objectives"][0]
    assert chart["problem"]


def test_it_keeps_engine_arrays_free_of_nan_in_json(client, org, pay):
    sign_in(client, org["viewer"])
    body = client.get("/slos/pay/chart.json?days=90").content.decode()
    # Steps before the data have no SLI: null, never NaN (which is not JSON).
    assert "NaN" not in body and "Infinity" not in body and "null" in body

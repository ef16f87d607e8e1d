"""The monthly and quarterly reports from the database: numbers equal to the engine's,
incidents, policy actions, trials; the page, JSON, CSV and PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ekkyo.catalog.models import LifecycleTransition
from ekkyo.engine import CalendarWindow, Objective, Series, evaluate
from ekkyo.policies.models import Level, PolicyEvent
from ekkyo.reports.build import Scope, build
from tests.conftest import require_binary
from tests.policies.conftest import alert_episode, approved_policy
from tests.reports.conftest import FEB, JAN, add_slo, sign_in, two_months

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def engine_month(good, total, period, target=0.999):
    series = Series(JAN.start, good, total)
    objective = Objective(target, CalendarWindow("M", time_zone="Asia/Tokyo"))
    return evaluate(series, objective, period.end)


def test_it_reports_february_in_tokyo_with_the_engines_numbers(org):
    slo = add_slo("pay", org["checkout"])
    good, total = two_months(slo)
    report = build(FEB, Scope(), NOW)
    row = report["slos"][0]
    expected = engine_month(good, total, FEB)
    assert (row["sli"], row["good"], row["total"]) == (expected.sli, expected.good, expected.total)
    assert row["budget_used"] == expected.consumed_ratio
    assert row["met"] == (expected.sli >= 0.999)
    # The trend ends with February and has January before it, each the engine's month.
    trend = {p["period"]: p for p in row["trend"]}
    assert list(trend)[-2:] == ["2026-01", "2026-02"]
    assert trend["2026-01"]["sli"] == engine_month(good, total, JAN).sli
    assert trend["2025-12"]["sli"] is None  # no data before January
    assert report["start"] == "2026-01-31T15:00:00+00:00" and report["complete"] is True


def test_it_uses_the_month_boundaries_of_the_zone_asked_for(org):
    slo = add_slo("pay", org["checkout"])
    good, total = two_months(slo, bad_rate=0.002)
    from ekkyo.reports.periods import parse

    utc_feb = parse("2026-02", "UTC")
    tokyo = build(FEB, Scope(), NOW)["slos"][0]
    in_utc = build(utc_feb, Scope(), NOW)["slos"][0]
    # Nine hours of different minutes: different totals, each equal to the engine's.
    assert tokyo["total"] != in_utc["total"]
    series = Series(JAN.start, good, total)
    expected = evaluate(series, Objective(0.999, CalendarWindow("M", time_zone="UTC")), utc_feb.end)
    assert in_utc["total"] == expected.total


def test_it_reports_a_quarter_and_its_months(org):
    slo = add_slo("pay", org["checkout"])
    good, total = two_months(slo)
    from ekkyo.reports.periods import parse

    q1 = parse("2026-Q1", "Asia/Tokyo")
    row = build(q1, Scope(), NOW)["slos"][0]
    series = Series(JAN.start, good, total)
    expected = evaluate(
        series, Objective(0.999, CalendarWindow("Q", time_zone="Asia/Tokyo")), q1.end
    )
    assert row["total"] == expected.total == total.sum()
    assert [m["period"] for m in row["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert row["months"][2]["sli"] is None


def test_it_lists_the_incidents_that_used_the_most_budget(org):
    slo = add_slo("pay", org["checkout"])
    start = dt.datetime.fromtimestamp(FEB.start, dt.UTC) + dt.timedelta(days=3)
    first = (int(start.timestamp()) - JAN.start) // 60
    _good, total = two_months(slo, bad_rate=0.0, outage=(first, 30, 5))
    alert_episode(slo, start, start + dt.timedelta(minutes=30))
    report = build(FEB, Scope(), NOW)
    incident = report["incidents"][0]
    row = report["slos"][0]
    feb = slice((FEB.start - JAN.start) // 60, None)
    assert row["allowed_bad"] == pytest.approx(0.001 * total[feb].sum())
    assert incident["duration_s"] == 1800 and incident["start"] == start.isoformat()
    assert incident["budget_share"] == pytest.approx(150 / row["allowed_bad"])
    assert incident["budget_share"] == pytest.approx(row["budget_used"])  # the only bad events


def test_it_lists_policy_actions_and_trials_of_the_period(org):
    slo = add_slo("pay", org["checkout"])
    trial = add_slo("cart", org["checkout"], lifecycle="trial")
    policy = approved_policy(slo)
    inside = dt.datetime(2026, 2, 10, tzinfo=dt.UTC)
    rule = policy.rules.get(level=Level.FREEZE)
    PolicyEvent.objects.create(
        policy=policy,
        slo=slo,
        objective_index=0,
        objective="availability",
        at=inside,
        kind="entered",
        from_level=1,
        to_level=3,
        rule=rule,
    )
    PolicyEvent.objects.create(
        policy=policy,
        slo=slo,
        objective_index=0,
        objective="availability",
        at=inside.replace(month=3),
        kind="left",
        from_level=3,
        to_level=0,
    )
    LifecycleTransition.objects.create(slo=trial, from_state="draft", to_state="trial", at=inside)
    LifecycleTransition.objects.create(
        slo=slo, from_state="trial", to_state="active", at=inside + dt.timedelta(days=1)
    )
    report = build(FEB, Scope(), NOW)
    assert [(a["slo"], a["to_level"]) for a in report["policy_actions"]] == [("pay", 3)]
    assert report["policy_actions"][0]["action"].startswith("Change freeze")
    assert [t["slo"] for t in report["trials"]["started"]] == ["cart"]
    assert [(t["slo"], t["to"]) for t in report["trials"]["ended"]] == [("pay", "active")]


def test_it_limits_a_report_to_a_product(org):
    add_slo("pay", org["checkout"], "shop")
    add_slo("find", org["search"], "search-ui")
    assert [r["slo"] for r in build(FEB, Scope(product="search-ui"), NOW)["slos"]] == ["find"]
    assert [r["slo"] for r in build(FEB, Scope(team="checkout"), NOW)["slos"]] == ["pay"]


# --- pages ----------------------------------------------------------------------------------


def test_it_serves_the_page_and_its_json_twin_with_the_same_numbers(client, org):
    slo = add_slo("pay", org["checkout"])
    good, total = two_months(slo)
    sign_in(client, org["viewer"])
    data = client.get("/reports/monthly/2026-02.json").json()
    assert data["slos"][0]["sli"] == engine_month(good, total, FEB).sli
    html = client.get("/reports/monthly/2026-02/").content.decode()
    assert f"{data['slos'][0]['sli'] * 100:.3f}%" in html
    assert 'data-testid="report-title"' in html


def test_it_writes_each_table_as_csv_with_unrounded_numbers(client, org):
    slo = add_slo("pay", org["checkout"])
    good, total = two_months(slo)
    sign_in(client, org["viewer"])
    response = client.get("/reports/monthly/2026-02.csv?table=slos")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert float(rows[0]["sli"]) == engine_month(good, total, FEB).sli
    trend = client.get("/reports/monthly/2026-02.csv?table=trend").content.decode()
    assert "2026-01" in trend and "2025-09" in trend
    bad = client.get("/reports/monthly/2026-02.csv?table=nope")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_table"


def test_it_keeps_formulas_out_of_csv_cells(client, org):
    slo = add_slo("pay", org["checkout"])
    policy = approved_policy(slo)
    from ekkyo.policies.models import PolicyException

    PolicyException.objects.create(
        policy=policy,
        starts_at=dt.datetime(2026, 2, 3, tzinfo=dt.UTC),
        ends_at=dt.datetime(2026, 2, 4, tzinfo=dt.UTC),
        reason='=HYPERLINK("http://evil")',
    )
    sign_in(client, org["viewer"])
    text = client.get("/reports/monthly/2026-02.csv?table=exceptions").content.decode()
    assert "'=HYPERLINK" in text


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("/reports/monthly/2026-13.json", "invalid_period"),
        ("/reports/monthly/2026-Q1.json", "invalid_period"),
        ("/reports/monthly/2026-02.json?tz=Nowhere/City", "invalid_period"),
    ],
)
def test_it_answers_a_bad_period_or_zone_with_400(client, org, url, code):
    sign_in(client, org["viewer"])
    response = client.get(url)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_it_answers_an_unknown_report_kind_with_404(client, org):
    sign_in(client, org["viewer"])
    assert client.get("/reports/weekly/2026-02/").status_code == 404


def test_it_requires_sign_in(client, org):
    assert client.get("/reports/monthly/2026-02/").status_code == 302


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("language", ["ja", "en"])
def test_it_renders_a_pdf_whose_first_page_is_not_blank(client, org, tmp_path, language):
    pdftoppm = require_binary("pdftoppm", "apt-get install poppler-utils")
    slo = add_slo("pay", org["checkout"], display_name="決済 / Payments")
    two_months(slo)
    sign_in(client, org["viewer"])
    response = client.get(f"/reports/monthly/2026-02.pdf?lang={language}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    from PIL import Image

    image = np.asarray(Image.open(tmp_path / "page.png").convert("L"))
    ink = (image < 128).mean()
    assert 0.005 < ink < 0.5, f"page 1 is {ink:.2%} dark"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"report-pdf-{language}.png").write_bytes(png)

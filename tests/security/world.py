"""A small organisation with one of everything users type, for the security tests.

``build_world(text)`` puts ``text`` (an XSS payload, or plain words) in every place a user
types free text: the SLO's display name and description (through the OpenSLO import),
the team's description and team API, an error budget policy, a team interaction,
annotations, a review series with a dashboard link, a session's minutes and summary, an
action item, and a workshop with its journey, SLI, participant and parking item.  The
personas are those of the web tests: a viewer, a member of the owning team (checkout), a
member of another team (search) and an SRE admin.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ekkyo.accounts.models import ApiToken
from ekkyo.alerting.models import Annotation
from ekkyo.catalog.importer import import_paths
from ekkyo.catalog.models import SLO
from ekkyo.policies.services import create_policy
from ekkyo.reviews import services as reviews
from ekkyo.reviews.models import DashboardLink, ReviewSeries
from ekkyo.teams.models import Interaction
from ekkyo.workshops.models import SLI, Journey, ParkingItem, Participant, Workshop
from tests.factories import make_team, make_user
from tests.web.conftest import EVALUATED_AT, add_status, push_minutes

NOW = EVALUATED_AT
#: Script and HTML as a user might type them, breaking out of attributes too.
PAYLOAD = (
    '<script>alert("xss-1")</script><img src=x onerror="alert(\'xss-2\')">"\'><svg onload=alert(3)>'
)


def _yaml_string(text: str) -> str:
    # A double-quoted YAML scalar: payloads hold quotes, angle brackets and colons.
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _catalog(directory: Path, text: str) -> Path:
    path = directory / "shop.yaml"
    path.write_text(
        f"""\
apiVersion: openslo/v1
kind: Service
metadata:
  name: shop
  labels:
    team: checkout
spec:
  description: {_yaml_string("The shop " + text)}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: pay
  displayName: {_yaml_string("Payments " + text)}
  annotations:
    ekkyo.dev/lifecycle: active
spec:
  description: {_yaml_string("Payments succeed " + text)}
  service: shop
  indicator:
    metadata:
      name: pay-sli
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: push
            spec: {{}}
        total:
          metricSource:
            type: push
            spec: {{}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: availability
      target: 0.999
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: pay-trial
  displayName: {_yaml_string("Trial " + text)}
  annotations:
    ekkyo.dev/lifecycle: trial
spec:
  service: shop
  indicator:
    metadata:
      name: pay-trial-sli
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: push
            spec: {{}}
        total:
          metricSource:
            type: push
            spec: {{}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: availability
      target: 0.99
""",
        encoding="utf-8",
    )
    return path


def _result() -> dict[str, Any]:
    """A worker result as SLO_MATH.md has it (what /metrics and the pages read)."""
    return {
        "slo": "pay",
        "objective": "availability",
        "target": 0.999,
        "window": {
            "start": (NOW - dt.timedelta(days=28)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "length_s": 28 * 86400,
        },
        "sli": 0.9972,
        "good": 99720,
        "total": 100000,
        "error_budget": {"allowed_bad": 100.0, "consumed_ratio": 2.8, "remaining_ratio": -1.8},
        "burn_rates": {w: 9.5 for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")},
        "alerts": [],
        "time_to_exhaustion_s": None,
    }


def build_world(directory: Path, text: str = "", *, with_data: bool = False) -> dict[str, Any]:
    checkout = make_team(
        "checkout",
        name="Checkout",
        description="Pays " + text,
        focus="Fast checkout " + text,
        provides="Payments API " + text,
        channel="#checkout " + text,
    )
    search = make_team("search", name="Search", topology_type="platform")
    people = {
        "viewer": make_user("bea", "viewer"),
        "member": make_user("dev", "member", ("checkout",)),
        "outsider": make_user("oli", "member", ("search",)),
        "admin": make_user("sre", "admin"),
    }
    report = import_paths([_catalog(directory, text)])
    assert report.ok, report.problems
    pay = SLO.objects.get(name="pay")
    add_status(pay, "at_risk", sli=0.9972, remaining=0.31, burn=9.5, alerts=1, result=_result())
    if with_data:
        n = 3 * 1440
        total = np.full(n, 40.0)
        push_minutes(pay, NOW - dt.timedelta(days=3), total - 1.0, total)
    Annotation.objects.create(
        slo=pay,
        kind="note",
        at=NOW - dt.timedelta(hours=2),
        text="Deployed " + text,
        link="https://ci.example.com/run/7",
        author=people["member"],
        author_name="dev",
    )

    series = ReviewSeries.objects.create(
        slug="checkout-review",
        name="Checkout review " + text,
        description="We look at payments " + text,
        rrule="FREQ=WEEKLY;BYDAY=WE",
        first_starts_at=dt.datetime(2026, 3, 4, 7, 0, tzinfo=dt.UTC),
        time_zone="Asia/Tokyo",
        language="en",
        location="Room 3 " + text,
    )
    series.teams.set([checkout])
    series.slos.set([pay])
    DashboardLink.objects.create(
        series=series, title="Grafana " + text, url="https://grafana.example.com/d/pay", position=0
    )
    session = reviews.create_session(series, now=NOW, starts_at=NOW + dt.timedelta(days=1))
    session.summary = "We agreed " + text
    session.save(update_fields=["summary"])
    reviews.add_entry(
        session, kind="note", text="Latency rose " + text, actor=people["member"], now=NOW
    )
    item = reviews.open_item(
        title="Fix retries " + text,
        details="Details " + text,
        team=checkout,
        actor=people["member"],
        now=NOW,
        session=session,
    )

    workshop = Workshop.objects.create(
        service=pay.service,
        title="Checkout SLOs " + text,
        held_on=dt.date(2026, 3, 2),
        language="en",
        users="Shoppers " + text,
        impact="They leave " + text,
        agreement_notes="Agreed " + text,
    )
    journey = Journey.objects.create(
        workshop=workshop, name="Pay " + text, steps="Open cart\n" + text, words="Quick " + text
    )
    sli = SLI.objects.create(
        journey=journey,
        sli_type="availability",
        specification="Payments that succeed " + text,
        kind="ratio",
        source="push",
        target=0.999,
        window_days=28,
        in_agreement=True,
        slo_name="shop-pay-availability",
        reasoning="Customers retry " + text,
    )
    participant = Participant.objects.create(
        workshop=workshop, name="Hanako " + text, side="business", role="participant"
    )
    parking = ParkingItem.objects.create(workshop=workshop, question="Who pays? " + text)
    policy = create_policy(
        service=pay.service,
        team=None,
        title="Budget policy " + text,
        language="en",
        actor=people["member"],
        now=NOW,
        purpose="Keep promises " + text,
        exclusions="Provider outages " + text,
        escalation="Ask the CTO " + text,
    )
    interaction = Interaction.objects.create(
        from_team=search,
        to_team=checkout,
        mode="x-as-a-service",
        purpose="Search for products " + text,
        goal="Faster pages " + text,
        starts_on=dt.date(2026, 1, 5),
    )
    token, _ = ApiToken.issue(people["member"], label="laptop")
    return {
        **people,
        "checkout": checkout,
        "search": search,
        "slo": pay,
        "series": series,
        "session": session,
        "item": item,
        "workshop": workshop,
        "journey": journey,
        "sli": sli,
        "participant": participant,
        "parking": parking,
        "policy": policy,
        "interaction": interaction,
        "token": token,
    }

"""How each demo SLO's data behaves: traffic, errors, latencies and incidents.

Numbers are chosen against each SLO's objective (see ``specs/``) so that, at the end of the
generated data, the portfolio tells a story:

- ``payment-authorization`` has **exhausted** its budget: two payment incidents in the last
  four weeks (six and fifteen days ago) cost more than the 0.05 % it allows;
- ``inventory-sync-freshness`` is **burning fast** right now: the stock sync has been failing
  for the last 75 minutes (a page alert);
- ``storefront-latency`` is **at risk**: since a release three days ago pages have been
  getting slower, with more and more minutes of slow spikes (ticket alerts, often pages);
  over half of its budget is gone;
- ``shipment-tracking-freshness`` has **no recent data**: the carrier feed stopped 2.5 days ago;
- every other SLO is **healthy**, some with older incidents in their window.

Base error rates stay well under each budget; for 7-day windows (whose slowest alert fires
at a burn rate of 0.23, see SLO_MATH.md) under a tenth of it.  Incidents of healthy SLOs lie
more than three days back so that no burn-rate alert window sees them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Incident:
    """A period of extra errors or slowness.

    ``days_ago`` counts calendar days back from the day of the end of the data, in Tokyo
    time, and ``hour`` is the Tokyo time it starts at, so that an incident hits the same
    part of the day (and so the same traffic) whatever the time of the end.  ``days_ago``
    0 means an incident still going on: it began ``minutes`` before the end.
    """

    days_ago: int
    hour: float
    minutes: int
    error_rate: float = 0.0  # added to the bad fraction of a ratio SLI
    slowdown: float = 1.0  # multiplies a threshold SLI's values


@dataclass(frozen=True)
class Profile:
    slo: str
    kind: Literal["ratio", "value"]
    shape: str  # a daily/weekly traffic shape of ekkyo.demo.generate.SHAPES
    traffic: float  # events per minute at the busiest hour of a weekday
    error_rate: float = 0.0  # ratio SLIs: the usual bad fraction
    value: float = 0.0  # threshold SLIs: the usual value at the quietest hour
    load: float = 0.0  # threshold SLIs: how much busier hours raise the value
    noise: float = 0.12  # threshold SLIs: log-normal spread of a minute's value
    incidents: tuple[Incident, ...] = ()
    # A slow degradation over the last `degrade_days`: values drift up to `degrade_to` times
    # their usual level and a growing share of minutes (up to `spikes_to`) spike to
    # `spike` times it, as when a leak makes slow requests pile up.
    degrade_days: float = 0.0
    degrade_to: float = 1.0
    spikes_to: float = 0.0
    spike: float = 2.5
    silent_days: float = 0.0  # no data in the last days (a broken feed)


PAYMENT_INCIDENT = Incident(days_ago=6, hour=20.5, minutes=150, error_rate=0.06, slowdown=1.9)

PROFILES: tuple[Profile, ...] = (
    # --- EC storefront --------------------------------------------------------------------
    Profile(
        "storefront-availability",
        "ratio",
        "ec",
        traffic=3000,
        error_rate=0.00025,
        incidents=(Incident(9, 21.2, 25, error_rate=0.02),),
    ),
    Profile(
        "storefront-latency",
        "value",
        "ec",
        traffic=3000,
        value=380,
        load=0.5,
        noise=0.12,
        degrade_days=3,
        degrade_to=1.1,
        spikes_to=0.1,
    ),
    Profile(
        "search-availability",
        "ratio",
        "ec",
        traffic=800,
        error_rate=0.0004,
        incidents=(Incident(5, 13.0, 40, error_rate=0.05),),
    ),
    Profile("search-zero-results", "ratio", "ec", traffic=800, error_rate=0.012),
    Profile(
        "product-page-latency",
        "value",
        "ec",
        traffic=2500,
        value=220,
        load=0.4,
        incidents=(Incident(12, 20.0, 30, slowdown=2.2),),
    ),
    # --- mobile app -----------------------------------------------------------------------
    Profile(
        "app-api-availability",
        "ratio",
        "mobile",
        traffic=1500,
        error_rate=0.0012,
        incidents=(Incident(18, 8.0, 35, error_rate=0.04),),
    ),
    Profile(
        "app-crash-free-sessions",
        "ratio",
        "mobile",
        traffic=400,
        error_rate=0.0002,
        incidents=(Incident(5, 10.0, 240, error_rate=0.002),),
    ),
    Profile("app-launch-latency", "value", "mobile", traffic=400, value=1100, load=0.3, noise=0.1),
    Profile("push-notification-delivery", "ratio", "campaign", traffic=600, error_rate=0.003),
    # --- payments -------------------------------------------------------------------------
    Profile(
        "checkout-availability",
        "ratio",
        "ec",
        traffic=250,
        error_rate=0.0003,
        incidents=(Incident(6, 20.5, 150, error_rate=0.03),),
    ),
    Profile(
        "payment-authorization",
        "ratio",
        "ec",
        traffic=300,
        error_rate=0.0002,
        incidents=(PAYMENT_INCIDENT, Incident(15, 12.2, 50, error_rate=0.12)),
    ),
    Profile(
        "checkout-latency",
        "value",
        "ec",
        traffic=250,
        value=450,
        load=0.5,
        incidents=(PAYMENT_INCIDENT,),
    ),
    Profile(
        "payment-gateway-uptime",
        "ratio",
        "ec",
        traffic=400,
        error_rate=0.0005,
        incidents=(Incident(6, 20.5, 150, error_rate=0.055),),
    ),
    Profile("refund-processing", "ratio", "office", traffic=20, error_rate=0.002),
    # --- store inventory ------------------------------------------------------------------
    Profile(
        "inventory-sync-freshness",
        "ratio",
        "sync",
        traffic=150,
        error_rate=0.0008,
        incidents=(Incident(0, 0.0, 75, error_rate=0.4),),
    ),
    Profile(
        "inventory-api-availability",
        "ratio",
        "ec",
        traffic=1200,
        error_rate=0.0008,
        incidents=(Incident(21, 10.0, 20, error_rate=0.2),),
    ),
    Profile(
        "stock-lookup-latency",
        "value",
        "ec",
        traffic=1200,
        value=120,
        load=0.6,
        noise=0.15,
        incidents=(Incident(20, 19.0, 60, slowdown=3.0),),
    ),
    Profile(
        "pos-transaction-success",
        "ratio",
        "store",
        traffic=900,
        error_rate=0.0001,
        incidents=(Incident(8, 18.5, 20, error_rate=0.01),),
    ),
    # --- logistics ------------------------------------------------------------------------
    Profile("delivery-slot-booking", "ratio", "ec", traffic=120, error_rate=0.001),
    Profile(
        "shipment-tracking-freshness",
        "ratio",
        "logistics",
        traffic=300,
        error_rate=0.01,
        silent_days=2.5,
    ),
    Profile(
        "warehouse-picking-latency",
        "value",
        "logistics",
        traffic=60,
        value=18,
        load=0.6,
        noise=0.12,
    ),
    # --- platform -------------------------------------------------------------------------
    Profile(
        "k8s-api-availability",
        "ratio",
        "cluster",
        traffic=2000,
        error_rate=0.0002,
        incidents=(Incident(25, 14.0, 45, error_rate=0.03),),
    ),
    Profile("ci-pipeline-success", "ratio", "office", traffic=8, error_rate=0.0015),
    Profile("container-registry-availability", "ratio", "cluster", traffic=600, error_rate=2e-4),
    Profile(
        "log-pipeline-delay",
        "value",
        "cluster",
        traffic=1,
        value=12,
        load=0.8,
        noise=0.2,
        incidents=(Incident(5, 21.0, 30, slowdown=6.0),),
    ),
)

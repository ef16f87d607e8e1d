"""Representative rows for every table, written through a model registry of any state.

The registry is Django's *historical* one (``ProjectState.apps``), so the same code fills
a database migrated to an earlier state (the upgrade tests) and one at the current state
(the backup tests).  Only fields that exist since each app's ``0001_initial`` are named;
whatever a table has beyond that keeps its default.

Two layers:

- **domain rows**, written as ekkyo writes them: users, teams, SLOs with several
  versions and lifecycle moves, the bucket store (day chunks encoded with the store's
  codec, batches compacted, with a dropped payload, and pending), statuses, a silence.
  :func:`fill` returns what a reader must find in the bucket store afterwards, computed
  here from the minutes it wrote, not by the store.
- **one generated row in every table still empty** (:mod:`tests.upgrade.generated`):
  values are deterministic and differ from each field's default, so a migration that
  loses or resets a column shows up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import numpy as np

from ekkyo.series import codec

UTC = dt.UTC
# 2026-03-01T00:00:00Z: the bucket data covers this day and the next.
T0 = 1_772_323_200
DAYS = 2
NOW = dt.datetime.fromtimestamp(T0 + DAYS * 86_400, UTC)


def _digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _ratio_doc(name: str, target: float, service: str) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name, "displayName": name.replace("-", " ").title()},
        "spec": {
            "service": service,
            "budgetingMethod": "Occurrences",
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "good": {"metricSource": {"type": "push", "spec": {}}},
                        "total": {"metricSource": {"type": "push", "spec": {}}},
                    }
                },
            },
            "objectives": [{"displayName": "availability", "target": target}],
        },
    }


def _threshold_doc(name: str, service: str) -> dict[str, Any]:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": service,
            "budgetingMethod": "Occurrences",
            "timeWindow": [{"duration": "7d", "isRolling": True}],
            "indicator": {
                "metadata": {"name": f"{name}-sli"},
                "spec": {"thresholdMetric": {"metricSource": {"type": "push", "spec": {}}}},
            },
            "objectives": [{"displayName": "fast", "op": "lt", "value": 300, "target": 0.95}],
        },
    }


def _day_arrays(seed: int, kind: str) -> list[codec.DayArrays]:
    """``DAYS`` days of one series; every 7th minute has no data (a gap to keep)."""
    rng = np.random.default_rng(seed)
    days = []
    for _ in range(DAYS):
        day = codec.DayArrays.zeros()
        has = np.arange(codec.MINUTES_PER_DAY) % 7 != 3
        if kind == "counts":
            day.total = np.where(has, rng.integers(50, 400, codec.MINUTES_PER_DAY), 0)
            day.bad = np.where(has, rng.integers(0, 3, codec.MINUTES_PER_DAY), 0)
        else:
            day.value = np.where(
                has, np.round(rng.gamma(4.0, 40.0, codec.MINUTES_PER_DAY), 3), np.nan
            )
        days.append(day)
    return days


def _columns(series: tuple[int, str], t: list[int], kind: str, seed: int) -> codec.Columns:
    n = len(t)
    rng = np.random.default_rng(seed)
    total = rng.integers(10, 20, n).astype(np.float64)
    good = total - rng.integers(0, 2, n)
    value = np.round(rng.uniform(50, 500, n), 2)
    nan = np.full(n, np.nan)
    return codec.Columns(
        series=[series],
        index=np.zeros(n, np.uint32),
        t=np.array(t, np.int64),
        good=good if kind == "counts" else nan,
        total=total if kind == "counts" else nan,
        value=nan if kind == "counts" else value,
    )


class Expect:
    """What the bucket store must give back, per series: minute -> (good, total, value)."""

    def __init__(self) -> None:
        self.series: dict[str, dict[int, list[float | None]]] = {}

    def add_day(self, key: str, day_index: int, day: codec.DayArrays) -> None:
        minutes = self.series.setdefault(key, {})
        base = T0 + day_index * 86_400
        for m in range(codec.MINUTES_PER_DAY):
            total, bad, value = int(day.total[m]), int(day.bad[m]), float(day.value[m])
            if total or not np.isnan(value):
                minutes[base + m * 60] = [
                    float(total - bad) if total else None,
                    float(total) if total else None,
                    None if np.isnan(value) else value,
                ]

    def add_columns(self, key: str, cols: codec.Columns) -> None:
        minutes = self.series.setdefault(key, {})
        for i, t in enumerate(cols.t.tolist()):
            assert t not in minutes, "pending rows go to minutes the chunks leave empty"
            good, total, value = (float(cols.good[i]), float(cols.total[i]), float(cols.value[i]))
            minutes[t] = [
                None if np.isnan(good) else good,
                None if np.isnan(total) else total,
                None if np.isnan(value) else value,
            ]

    def as_json(self) -> dict[str, Any]:
        return {
            key: {str(t): row for t, row in sorted(minutes.items())}
            for key, minutes in sorted(self.series.items())
        }


def _domain_rows(apps: Any) -> dict[str, Any]:
    get = apps.get_model
    User = get("auth", "User")
    alice = User.objects.create(
        username="alice", email="alice@example.com", password="md5$x$y", is_staff=True
    )
    bob = User.objects.create(username="bob", email="bob@example.com", password="md5$x$z")
    Profile = get("accounts", "Profile")
    Profile.objects.create(user=alice, role="admin", time_zone="Asia/Tokyo")
    Profile.objects.create(user=bob, role="member")
    get("accounts", "ApiToken").objects.create(
        user=bob, label="ci", hint="ekk_abcdef", token_hash="a" * 64, created_at=NOW
    )
    Team = get("teams", "Team")
    checkout = Team.objects.create(
        slug="checkout", name="Checkout", name_ja="決済", topology_type="platform"
    )
    search = Team.objects.create(slug="search", name="Search", sre_engagement="embedded")
    get("teams", "Membership").objects.create(team=checkout, user=bob)

    Service = get("catalog", "Service")
    shop = Service.objects.create(name="shop", display_name="Shop", team=checkout, created_at=NOW)
    finder = Service.objects.create(name="finder", team=search, created_at=NOW)
    SLO, SLOVersion = get("catalog", "SLO"), get("catalog", "SLOVersion")
    Transition, Audit = get("catalog", "LifecycleTransition"), get("catalog", "AuditEvent")
    slos = {}
    specs = {
        "checkout-availability": (
            shop,
            [_ratio_doc("checkout-availability", t, "shop") for t in (0.99, 0.995, 0.999)],
        ),
        "checkout-latency": (shop, [_threshold_doc("checkout-latency", "shop")]),
        "search-availability": (finder, [_ratio_doc("search-availability", 0.98, "finder")]),
    }
    for name, (service, versions) in specs.items():
        last = versions[-1]
        slo = SLO.objects.create(
            name=name,
            display_name=last["metadata"].get("displayName", ""),
            service=service,
            lifecycle="active",
            spec=last,
            spec_hash=_digest(last),
            version=len(versions),
            source_type="push",
            created_at=NOW - dt.timedelta(days=30),
            updated_at=NOW,
            next_evaluation_at=NOW,
        )
        for number, doc in enumerate(versions, start=1):
            SLOVersion.objects.create(
                slo=slo,
                number=number,
                spec=doc,
                spec_hash=_digest(doc),
                created_by=alice if number > 1 else None,
                created_at=NOW - dt.timedelta(days=30 - number),
                reason=f"version {number}",
            )
            Audit.objects.create(
                at=NOW - dt.timedelta(days=30 - number),
                actor=alice,
                actor_name="alice",
                action="slo.created" if number == 1 else "slo.spec_changed",
                object_type="SLO",
                object_name=name,
                team=service.team,
                detail={"version": number},
            )
        Transition.objects.create(
            slo=slo, from_state="", to_state="draft", at=NOW - dt.timedelta(days=30)
        )
        Transition.objects.create(
            slo=slo,
            from_state="draft",
            to_state="active",
            actor=alice,
            at=NOW - dt.timedelta(days=29),
            reason="agreed",
        )
        slos[name] = slo
    get("catalog", "SpecObject").objects.create(
        kind="AlertPolicy",
        name="page-fast",
        spec={"kind": "AlertPolicy"},
        spec_hash="b" * 64,
        team=checkout,
    )

    expect = Expect()
    Chunk, Batch = get("series", "Chunk"), get("series", "IngestBatch")
    kinds = {
        "checkout-availability": "counts",
        "checkout-latency": "value",
        "search-availability": "counts",
    }
    seq = 0
    for n, (name, kind) in enumerate(kinds.items()):
        slo = slos[name]
        key = f"{name}/"
        # Two compacted batches per series (the first with its payload dropped after
        # retention), their minutes already folded into the day chunks.
        for b in range(2):
            seq += 1
            cols = _columns((slo.pk, ""), [T0 + 60 * (b + 1)], kind, seed=100 + seq)
            raw = codec.encode_columns(cols)
            Batch.objects.create(
                idempotency_key=f"{name}-{b}",
                body_hash=codec.payload_hash(raw),
                actor="bob",
                n_buckets=len(cols),
                t_min=int(cols.t.min()),
                t_max=int(cols.t.max()),
                payload=None if b == 0 else codec.compress_payload(raw),
                received_at=NOW - dt.timedelta(hours=3 - b),
                compacted_seq=seq,
                compacted_at=NOW - dt.timedelta(hours=2),
            )
        for d, day in enumerate(_day_arrays(seed=n, kind=kind)):
            Chunk.objects.create(
                slo=slo,
                objective_key="",
                day=dt.date(2026, 3, 1) + dt.timedelta(days=d),
                data=codec.encode_chunk(day),
                last_seq=seq,
                updated_at=NOW,
            )
            expect.add_day(key, d, day)
        # A pending batch (not compacted yet): minutes the chunks leave empty (m % 7 == 3).
        pending = _columns((slo.pk, ""), [T0 + 60 * 3, T0 + 60 * 10], kind, seed=200 + n)
        raw = codec.encode_columns(pending)
        Batch.objects.create(
            body_hash=codec.payload_hash(raw),
            actor="bob",
            n_buckets=len(pending),
            t_min=int(pending.t.min()),
            t_max=int(pending.t.max()),
            payload=codec.compress_payload(raw),
            received_at=NOW,
        )
        expect.add_columns(key, pending)
    get("series", "CompactionState").objects.create(pk=1, last_seq=seq, updated_at=NOW)

    Status = get("worker", "SLOStatus")
    for i, (name, slo) in enumerate(slos.items()):
        result = {"slo": name, "objective": "o", "sli": 0.99 - i / 100, "state": "healthy"}
        Status.objects.create(
            slo=slo,
            objective_index=0,
            objective="availability",
            computed_at=NOW,
            state=["healthy", "at_risk", "exhausted"][i],
            sli=result["sli"],
            remaining_ratio=0.5 - i / 10,
            fastest_burn_rate=1.5 + i,
            alerts_firing=i,
            result=result,
        )
    get("alerting", "Silence").objects.create(
        kind="maintenance",
        team=checkout,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=2),
        rrule="FREQ=WEEKLY;BYDAY=SU",
        time_zone="Asia/Tokyo",
        exclude_from_budget=True,
        reason="weekly maintenance",
        created_by=alice,
    )
    return expect.as_json()


def fill(apps: Any) -> dict[str, Any]:
    """Write the rows into the database ``apps`` is bound to; what the store must read back."""
    from tests.upgrade.generated import generated_rows

    series = _domain_rows(apps)
    generated = generated_rows(apps, now=NOW)
    return {"series": series, "generated": generated, "t0": T0, "days": DAYS}


def digest(series: dict[str, dict[str, list[float | None]]]) -> dict[str, Any]:
    """A short, exact summary of series rows (what a committed fixture keeps of them)."""
    out = {}
    for key, minutes in sorted(series.items()):
        canonical = json.dumps(sorted(minutes.items()), separators=(",", ":"))
        out[key] = {
            "minutes": len(minutes),
            "sha256": hashlib.sha256(canonical.encode()).hexdigest(),
            "sums": [sum(row[i] or 0 for row in minutes.values()) for i in range(3)],
        }
    return out

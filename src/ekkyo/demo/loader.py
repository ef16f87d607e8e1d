"""Load the demo organisation into the database: teams, people, SLOs and 90 days of data.

Running it again reuses what is there and only tops the data up to now, so the demo's
history stays put between runs. Uses Django; the rest of ``ekkyo.demo`` is pure data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.db import transaction

from ekkyo.catalog.importer import import_paths
from ekkyo.catalog.models import SLO, AuditEvent
from ekkyo.demo import generate, org, spec_paths
from ekkyo.engine.buckets import Buckets
from ekkyo.teams.models import Team

MINUTE = 60
DAY = 86400
LOADED_ACTION = "demo.loaded"


@dataclass
class DemoReport:
    teams: int = 0
    slos: int = 0
    buckets: int = 0
    since: int | None = None
    until: int = 0


def _teams_and_people() -> int:
    from ekkyo.accounts.services import upsert_user

    for team in org.TEAMS:
        Team.objects.update_or_create(
            slug=team.slug,
            defaults={
                "name": team.name,
                "name_ja": team.name_ja,
                "topology_type": team.topology,
                "sre_engagement": team.sre_engagement,
                "description": team.description,
            },
        )
    sign_ins = {s.username: s for s in org.SIGN_INS}
    for member in org.MEMBERS:
        teams = tuple(t.slug for t in org.TEAMS if member.username in t.members)
        sign_in = sign_ins.get(member.username)
        upsert_user(
            member.username,
            role=sign_in.role if sign_in else "member",
            teams=teams,
            password=sign_in.password if sign_in else None,
            email=member.email,
        )
    return len(org.TEAMS)


def _activate(created: list[str]) -> None:
    """The demo's SLOs were agreed long ago: those just created as drafts become active
    (the one annotated ``trial`` stays in trial)."""
    from ekkyo.catalog.services import transition

    names = [label.removeprefix("SLO ") for label in created if label.startswith("SLO ")]
    for slo in SLO.objects.filter(name__in=names, lifecycle="draft"):
        transition(slo, "active", actor_name="demo", reason="Agreed with the business (demo)")


def last_loaded_until() -> int | None:
    event = AuditEvent.objects.filter(action=LOADED_ACTION).order_by("-at", "-id").first()
    return int(event.detail["until"]) if event else None


def _append_data(
    data: dict[str, Buckets], since: int | None, progress: Callable[[int, int], None] | None
) -> int:
    from ekkyo.series import store

    ids = dict(SLO.objects.filter(name__in=list(data)).values_list("name", "id"))
    written = 0
    for i, (name, buckets) in enumerate(data.items()):
        if name not in ids:
            continue
        if since is not None:
            keep = buckets.t >= since
            buckets = Buckets(
                buckets.t[keep], buckets.good[keep], buckets.total[keep], buckets.value[keep]
            )
        if len(buckets):
            first, last = int(buckets.t.min()), int(buckets.t.max())
            # The key makes a crashed and restarted load count each range once.
            key = f"demo:{name}:{first}:{last}"
            body = hashlib.sha256(
                np.ascontiguousarray(buckets.t).tobytes() + buckets.total.tobytes()
            ).hexdigest()
            store.append(
                [(ids[name], "", buckets)], idempotency_key=key, body_hash=body, actor="demo"
            )
            written += len(buckets)
        if progress:
            progress(i + 1, len(data))
    return written


def load_demo(
    now: int, *, days: int = 90, progress: Callable[[int, int], None] | None = None
) -> DemoReport:
    """Teams, sign-ins and SLOs (idempotent), and data up to ``now`` (minute-aligned)."""
    report = DemoReport()
    with transaction.atomic():
        report.teams = _teams_and_people()
        imported = import_paths(spec_paths(), actor_name="demo", reason="demo organisation")
        if not imported.ok:
            raise RuntimeError("the demo specs do not import:\n" + "\n".join(imported.problems))
        _activate(imported.created)
    report.slos = SLO.objects.count()
    report.since, report.until, report.buckets = top_up(now, days=days, progress=progress)
    return report


def top_up(
    now: int, *, days: int = 90, progress: Callable[[int, int], None] | None = None
) -> tuple[int | None, int, int]:
    """Append generated data from where the last load ended (or ``days`` back) to ``now``;
    returns ``(since, until, buckets written)``."""
    now -= now % MINUTE
    since = last_loaded_until()
    if since is not None and since >= now:
        return since, now, 0
    span_days = days if since is None else min(days, -(-(now - since) // DAY))
    written = _append_data(generate(now, days=span_days), since, progress)
    AuditEvent.objects.create(
        actor_name="demo",
        action=LOADED_ACTION,
        object_type="Demo",
        object_name=org.COMPANY,
        detail={"until": now, "buckets": written},
    )
    return since, now, written

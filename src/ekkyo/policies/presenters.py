"""Policies as their pages and JSON twins show them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse

from ekkyo.policies.models import Level, Policy, PolicyStatus


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def policy_list(*, team: str = "", today: dt.date) -> list[dict[str, Any]]:
    rows = Policy.objects.select_related("service__team", "team").prefetch_related("states")
    if team:
        rows = rows.filter(Q(service__team__slug=team) | Q(team__slug=team))
    out = []
    for p in rows.order_by("status", "title", "id"):
        levels = [s.level for s in p.states.all()]
        worst = max(levels, default=Level.NORMAL)
        out.append(
            {
                "id": p.pk,
                "title": p.title,
                "product": p.service.name if p.service else None,
                "team": p.owner_team.slug,
                "scope": p.scope_name,
                "status": p.status,
                "approved_at": _iso(p.approved_at),
                "revisit_on": _iso(p.revisit_on),
                "revisit_overdue": p.status == PolicyStatus.APPROVED
                and (p.revisit_on is None or p.revisit_on < today),
                "level": worst,
                "level_label": str(Level(worst).label),
                "objectives_above_normal": sum(1 for lv in levels if lv > Level.NORMAL),
                "url": reverse("policies:detail", args=[p.pk]),
            }
        )
    return out


def policy_json(policy: Policy) -> dict[str, Any]:
    states = policy.states.select_related("slo", "rule").order_by("-level", "slo__name")
    return {
        "id": policy.pk,
        "title": policy.title,
        "product": policy.service.name if policy.service else None,
        "team": policy.owner_team.slug,
        "language": policy.language,
        "status": policy.status,
        "purpose": policy.purpose,
        "exclusions": policy.exclusions,
        "escalation": policy.escalation,
        "authors": policy.authors,
        "approved_at": _iso(policy.approved_at),
        "revisit_on": _iso(policy.revisit_on),
        "rules": [
            {
                "id": r.pk,
                "kind": r.kind,
                "threshold": r.threshold,
                "burn_window": r.burn_window,
                "level": r.level,
                "level_label": str(Level(r.level).label),
                "action": r.action,
                "who": r.who,
            }
            for r in policy.rules.all()
        ],
        "signers": [
            {"name": str(s), "side": s.side, "username": s.user.get_username() if s.user else ""}
            for s in policy.signers.select_related("user")
        ],
        "signoffs": [
            {
                "name": str(s.signer),
                "side": s.signer.side,
                "signed_at": _iso(s.signed_at),
                "comment": s.comment,
                "recorded_by": s.recorded_by.get_username() if s.recorded_by else "",
            }
            for s in policy.signoffs.select_related("signer__user", "recorded_by")
        ],
        "states": [
            {
                "slo": s.slo.name,
                "objective": s.objective,
                "objective_index": s.objective_index,
                "level": s.level,
                "level_label": str(Level(s.level).label),
                "rule": s.rule_id,
                "since": _iso(s.since),
                "evaluated_at": _iso(s.evaluated_at),
                "remaining_ratio": s.remaining_ratio,
                "adjusted_remaining_ratio": s.adjusted_remaining_ratio,
                "burn_rate": s.burn_rate,
            }
            for s in states
        ],
        "events": [
            {
                "at": _iso(e.at),
                "kind": e.kind,
                "slo": e.slo.name,
                "objective": e.objective,
                "from_level": e.from_level,
                "to_level": e.to_level,
                "rule": e.rule_id,
                "remaining_ratio": e.remaining_ratio,
                "detail": e.detail,
                "action_item": e.action_item_id,
            }
            for e in policy.events.select_related("slo")[:100]
        ],
        "exceptions": [
            {
                "slo": e.slo.name if e.slo else None,
                "starts_at": _iso(e.starts_at),
                "ends_at": _iso(e.ends_at),
                "caused_by": e.caused_by,
                "reason": e.reason,
                "recorded_by": e.recorded_by.get_username() if e.recorded_by else "",
                "recorded_at": _iso(e.recorded_at),
            }
            for e in policy.exceptions.select_related("slo", "recorded_by")
        ],
    }

"""A workshop as plain data: the JSON twin of its record page and the source of its exports."""

from __future__ import annotations

from typing import Any

from ekkyo.workshops.models import SLI, Workshop
from ekkyo.workshops.services import sides_signed


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def sli_dict(sli: SLI) -> dict[str, Any]:
    return {
        "id": sli.pk,
        "type": sli.sli_type,
        "type_label": str(sli.get_sli_type_display()),
        "specification": sli.specification,
        "implementation": {
            "kind": sli.kind,
            "source": sli.source,
            "data_source_ref": sli.data_source_ref,
            "good_query": sli.good_query,
            "total_query": sli.total_query,
            "threshold_query": sli.threshold_query,
            "op": sli.op,
            "value": sli.value,
        },
        "failure_modes": sli.failure_modes,
        "stand_in": sli.stand_in.name if sli.stand_in else None,
        "target": sli.target,
        "window_days": sli.window_days,
        "evidence": sli.evidence or None,
        "in_agreement": sli.in_agreement,
        "reasoning": sli.reasoning,
        "slo_name": sli.slo_name,
        "slo": sli.slo.name if sli.slo else None,
        "slo_lifecycle": sli.slo.lifecycle if sli.slo else None,
        "trial_ends_on": _iso(sli.slo.trial_ends_on) if sli.slo else None,
    }


def as_dict(workshop: Workshop) -> dict[str, Any]:
    participants = list(workshop.participants.select_related("user"))
    journeys = list(workshop.journeys.prefetch_related("slis__stand_in", "slis__slo"))
    return {
        "id": workshop.pk,
        "title": workshop.title,
        "product": workshop.service.name,
        "product_name": str(workshop.service),
        "team": workshop.service.team.slug,
        "held_on": _iso(workshop.held_on),
        "language": workshop.language,
        "participants": [
            {
                "name": str(p),
                "username": p.user.get_username() if p.user else None,
                "side": p.side,
                "side_label": str(p.get_side_display()),
                "role": p.role,
                "role_label": str(p.get_role_display()),
            }
            for p in participants
        ],
        "context": {
            "users": workshop.users,
            "impact": workshop.impact,
            "worth": workshop.worth,
            "promises": workshop.promises,
            "outages": workshop.outages,
        },
        "journeys": [
            {
                "id": j.pk,
                "name": j.name,
                "steps": j.step_list,
                "words": j.words,
                "slis": [sli_dict(s) for s in j.slis.all()],
            }
            for j in journeys
        ],
        "parking_lot": [
            {"question": p.question, "owner": p.owner, "resolved": p.resolved}
            for p in workshop.parking.all()
        ],
        "feedback": [
            {"rating": f.rating, "text": f.text, "author": f.author}
            for f in workshop.feedback.all()
        ],
        "agreement": {
            "revisit_on": _iso(workshop.revisit_on),
            "trial_days": workshop.trial_days,
            "notes": workshop.agreement_notes,
            "agreed_at": _iso(workshop.agreed_at),
            "sides_signed": sides_signed(workshop),
            "signoffs": [
                {
                    "name": str(s.participant),
                    "side": s.participant.side,
                    "side_label": str(s.participant.get_side_display()),
                    "signed_at": _iso(s.signed_at),
                    "comment": s.comment,
                    "recorded_by": s.recorded_by.get_username() if s.recorded_by else None,
                }
                for s in workshop.signoffs.select_related("participant__user", "recorded_by")
            ],
        },
    }

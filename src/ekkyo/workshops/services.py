"""Workshop changes that reach the catalog: signing the agreement and reviewing trials.

Every catalog write goes through :mod:`ekkyo.catalog.services` (``create_slo``,
``transition``, ``update_spec``, ``audit``), so workshop-made SLOs leave the same trail as
imported ones: a version, a lifecycle transition and audit events naming who and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ekkyo.catalog.models import SLO, Lifecycle, SpecObject
from ekkyo.catalog.services import audit, create_slo, transition, update_spec
from ekkyo.workshops import openslo
from ekkyo.workshops.models import (
    SLI,
    Decision,
    Participant,
    Side,
    SignOff,
    TrialReview,
    Workshop,
)
from ekkyo.workshops.sli_types import SliType


class AgreementError(ValueError):
    """The agreement cannot be signed or applied; ``problems`` say why, for people."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def agreed_slis(workshop: Workshop) -> list[SLI]:
    return list(
        SLI.objects.filter(journey__workshop=workshop, in_agreement=True)
        .select_related("journey", "slo")
        .order_by("journey_id", "id")
    )


def sides_signed(workshop: Workshop) -> dict[str, bool]:
    """Whether the business side and the engineering side have each signed."""
    sides = set(
        SignOff.objects.filter(workshop=workshop).values_list("participant__side", flat=True)
    )
    return {
        "business": Side.BUSINESS in sides,
        "engineering": bool(sides & {Side.DEVELOPMENT, Side.SRE}),
    }


def _data_source(name: str) -> dict[str, Any] | None:
    row = SpecObject.objects.filter(kind="DataSource", name=name).first()
    return row.spec if row is not None else None


def document_for(sli: SLI) -> tuple[dict[str, Any] | None, list[str]]:
    """The validated OpenSLO document of ``sli``'s SLO, or the problems with it."""
    workshop = sli.journey.workshop
    service = workshop.service
    label = f"{sli.journey.name} / {sli.get_sli_type_display()}"
    problems: list[str] = []
    if not sli.slo_name:
        problems.append(f"{label}: give the SLO a name")
    if sli.target is None:
        problems.append(f"{label}: choose a target")
    if not sli.implemented:
        problems.append(f"{label}: the implementation is incomplete")
    if problems:
        return None, problems
    assert sli.target is not None
    impl = openslo.Implementation(
        kind=sli.kind,
        source=sli.source,
        good_query=sli.good_query,
        total_query=sli.total_query,
        threshold_query=sli.threshold_query,
        op=sli.op,
        value=sli.value,
        data_source_ref=sli.data_source_ref,
    )
    document = openslo.build_document(
        name=sli.slo_name,
        display_name=f"{service} · {sli.journey.name} · {sli.get_sli_type_display()}",
        service=service.name,
        description=sli.specification,
        objective_name=SliType(sli.sli_type).value,
        implementation=impl,
        target=sli.target,
        window_days=sli.window_days,
        workshop_id=workshop.pk,
    )
    data_source = _data_source(sli.data_source_ref) if sli.data_source_ref else None
    valid, spec_problems = openslo.validate(document, service.name, data_source)
    return valid, [f"{label}: {p}" for p in spec_problems]


def agreement_problems(workshop: Workshop) -> list[str]:
    """Why the agreement cannot be signed yet; empty when it can."""
    slis = agreed_slis(workshop)
    problems: list[str] = []
    if not slis:
        problems.append("choose at least one SLI for the agreement")
    if workshop.revisit_on is None:
        problems.append("set a revisit date")
    names = [s.slo_name for s in slis if s.slo_name]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"two SLIs are both named {name!r}")
    taken = set(
        SLO.objects.filter(name__in=names)
        .exclude(workshop_slis__journey__workshop=workshop)
        .values_list("name", flat=True)
    )
    for name in sorted(taken):
        problems.append(f"an SLO named {name!r} already exists in the catalog")
    for sli in slis:
        if sli.slo_id is None:
            problems.extend(document_for(sli)[1])
    return problems


@dataclass(frozen=True)
class SignResult:
    signoff: SignOff
    created: tuple[SLO, ...]


@transaction.atomic
def sign(
    workshop: Workshop,
    participant: Participant,
    *,
    comment: str,
    actor: Any,
    today: dt.date,
) -> SignResult:
    """Record ``participant``'s sign-off; once both sides have signed, create the SLOs.

    All or nothing: a problem with the agreement (or with any SLO's spec) raises
    :class:`AgreementError` and nothing is written.
    """
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if participant.workshop_id != workshop.pk:
        raise AgreementError(["that person did not take part in this workshop"])
    if workshop.agreed_at is not None:
        raise AgreementError(["the agreement is already signed by both sides"])
    problems = agreement_problems(workshop)
    if problems:
        raise AgreementError(problems)
    if SignOff.objects.filter(workshop=workshop, participant=participant).exists():
        raise AgreementError([f"{participant} has already signed"])
    signoff = SignOff.objects.create(
        workshop=workshop,
        participant=participant,
        comment=comment,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        "workshop.signed",
        "Workshop",
        workshop.audit_name,
        actor=actor,
        team=workshop.service.team,
        reason=comment,
        detail={"participant": str(participant), "side": participant.side},
    )
    created: tuple[SLO, ...] = ()
    if all(sides_signed(workshop).values()):
        created = _create_trial_slos(workshop, actor, today)
    return SignResult(signoff, created)


def _create_trial_slos(workshop: Workshop, actor: Any, today: dt.date) -> tuple[SLO, ...]:
    signers = ", ".join(
        f"{s.participant} ({s.participant.get_side_display()})"
        for s in workshop.signoffs.select_related("participant__user")
    )
    reason = f"Agreed in workshop “{workshop.title}” ({workshop.held_on}), signed by {signers}"
    ends_on = today + dt.timedelta(days=workshop.trial_days)
    created = []
    for sli in agreed_slis(workshop):
        if sli.slo_id is not None:
            continue
        document, problems = document_for(sli)
        if document is None:  # checked before signing; a race with the catalog lands here
            raise AgreementError(problems)
        slo = create_slo(
            document, workshop.service, actor=actor, reason=reason, lifecycle=Lifecycle.TRIAL
        )
        _set_trial_end(slo, ends_on, actor=actor, reason="trial started by the workshop")
        sli.slo = slo
        sli.save(update_fields=["slo"])
        created.append(slo)
    workshop.agreed_at = timezone.now()
    workshop.save(update_fields=["agreed_at"])
    audit(
        "workshop.agreed",
        "Workshop",
        workshop.audit_name,
        actor=actor,
        team=workshop.service.team,
        reason=reason,
        detail={"slos": [s.name for s in created], "trial_ends_on": ends_on.isoformat()},
    )
    return tuple(created)


def _set_trial_end(slo: SLO, ends_on: dt.date, *, actor: Any, reason: str) -> None:
    # ekkyo.catalog.services has no function for this field yet; write it and audit it here.
    old = slo.trial_ends_on
    SLO.objects.filter(pk=slo.pk).update(trial_ends_on=ends_on, updated_at=timezone.now())
    slo.trial_ends_on = ends_on
    audit(
        "slo.trial_ends_on",
        "SLO",
        slo.name,
        actor=actor,
        team=slo.service.team,
        reason=reason,
        detail={"from": old.isoformat() if old else None, "to": ends_on.isoformat()},
    )


def current_target(slo: SLO) -> float | None:
    objectives = (slo.spec.get("spec") or {}).get("objectives") or []
    if not objectives:
        return None
    first = objectives[0]
    if "target" in first:
        return float(first["target"])
    if "targetPercent" in first:
        return float(first["targetPercent"]) / 100
    return None


@transaction.atomic
def review_trial(
    slo: SLO,
    decision: str,
    *,
    reason: str,
    actor: Any,
    today: dt.date,
    new_target: float | None = None,
    new_end_on: dt.date | None = None,
) -> TrialReview:
    """Decide a trial: promote, adjust the target (a new version), extend, or retire."""
    slo = SLO.objects.select_for_update().select_related("service__team").get(pk=slo.pk)
    if slo.lifecycle != Lifecycle.TRIAL:
        raise AgreementError([f"{slo.name} is not in trial"])
    if not reason.strip():
        raise AgreementError(["say why: the reason is kept in the audit trail"])
    old_target = current_target(slo)
    review = TrialReview(
        slo=slo,
        decision=decision,
        reason=reason,
        old_target=old_target,
        old_end_on=slo.trial_ends_on,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if decision == Decision.PROMOTE:
        transition(slo, Lifecycle.ACTIVE, actor=actor, reason=reason)
    elif decision == Decision.RETIRE:
        transition(slo, Lifecycle.RETIRED, actor=actor, reason=reason)
    elif decision == Decision.ADJUST:
        if new_target is None or not 0 < new_target < 1:
            raise AgreementError(["give the new target"])
        document = openslo.with_target(slo.spec, new_target)
        valid, problems = openslo.validate(document, slo.service.name, _ref_source(document))
        if valid is None:
            raise AgreementError(problems)
        update_spec(slo, valid, actor=actor, reason=reason)
        review.new_target = new_target
        if new_end_on is not None:
            _check_end(new_end_on, today)
            _set_trial_end(slo, new_end_on, actor=actor, reason=reason)
            review.new_end_on = new_end_on
    elif decision == Decision.EXTEND:
        if new_end_on is None:
            raise AgreementError(["give the new end date"])
        _check_end(new_end_on, today)
        _set_trial_end(slo, new_end_on, actor=actor, reason=reason)
        review.new_end_on = new_end_on
    else:
        raise AgreementError([f"unknown decision {decision!r}"])
    review.save()
    audit(
        "slo.trial_review",
        "SLO",
        slo.name,
        actor=actor,
        team=slo.service.team,
        reason=reason,
        detail={"decision": decision},
    )
    return review


def _check_end(new_end_on: dt.date, today: dt.date) -> None:
    if new_end_on <= today:
        raise AgreementError(["the new end date must be in the future"])


def _refs(node: Any) -> set[str]:
    """Every ``metricSourceRef`` in a document."""
    if isinstance(node, dict):
        found = {str(node["metricSourceRef"])} if "metricSourceRef" in node else set()
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


def _ref_source(document: dict[str, Any]) -> dict[str, Any] | None:
    names = sorted(_refs(document))
    return _data_source(names[0]) if names else None

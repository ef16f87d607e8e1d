"""Writing policies: drafts with starter rules, sign-off, exceptions; and the banner.

Sign-off follows the workshop agreement (``ekkyo.workshops.services.sign``): signers are
people from the business and from engineering (development or SRE), with or without an
account; a signature records who, when, a comment and who entered it; one business and
one engineering signature approve the policy (``approved_at``); any change of the document
or its rules withdraws the signatures and makes it a draft again.  Every step is an
``AuditEvent``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from ekkyo.catalog.models import Service
from ekkyo.catalog.services import audit
from ekkyo.policies.models import (
    Level,
    Policy,
    PolicyException,
    PolicyRule,
    PolicySignOff,
    PolicyState,
    PolicyStatus,
    RuleKind,
    Signer,
)
from ekkyo.teams.models import Team
from ekkyo.workshops.models import ENGINEERING_SIDES, Side


class SignOffError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def starter_rules() -> list[dict[str, Any]]:
    """The usual four rules, in the active language (the form pre-fills them)."""
    return [
        {
            "kind": RuleKind.REMAINING,
            "threshold": 0.5,
            "level": Level.CAUTION,
            "action": _("Review the recent changes and the alerts in the next viewing session."),
            "who": _("The product team"),
        },
        {
            "kind": RuleKind.REMAINING,
            "threshold": 0.25,
            "level": Level.RELIABILITY_FIRST,
            "action": _("Reliability work comes before new features until the budget recovers."),
            "who": _("Product owner and tech lead"),
        },
        {
            "kind": RuleKind.REMAINING,
            "threshold": 0.0,
            "level": Level.FREEZE,
            "action": _("Change freeze except fixes and security patches."),
            "who": _("Product owner, with the business owner's agreement"),
        },
        {
            "kind": RuleKind.INCIDENT,
            "threshold": 0.2,
            "level": Level.POSTMORTEM,
            "action": _("Write a postmortem with at least one top-priority action."),
            "who": _("The team on call, with the SRE team"),
        },
    ]


@transaction.atomic
def create_policy(
    *,
    service: Service | None,
    team: Team | None,
    title: str,
    language: str,
    actor: Any,
    now: dt.datetime,
    **fields: Any,
) -> Policy:
    policy = Policy.objects.create(
        service=service,
        team=team,
        title=title,
        language=language,
        created_by=actor,
        created_at=now,
        updated_at=now,
        **fields,
    )
    with translation.override(language):
        for position, rule in enumerate(starter_rules()):
            PolicyRule.objects.create(policy=policy, position=position, **rule)
    audit(
        "policy.create",
        "Policy",
        f"policy-{policy.pk}",
        actor=actor,
        team=policy.owner_team,
        detail={"title": title, "scope": policy.scope_name},
    )
    return policy


def sides_signed(policy: Policy) -> dict[str, bool]:
    sides = set(PolicySignOff.objects.filter(policy=policy).values_list("signer__side", flat=True))
    return {"business": Side.BUSINESS in sides, "engineering": bool(sides & ENGINEERING_SIDES)}


def problems(policy: Policy) -> list[str]:
    """What stops the policy from being signed."""
    out = []
    if not policy.rules.exists():
        out.append(_("The policy has no rules."))
    if policy.revisit_on is None:
        out.append(_("Set a revisit date."))
    if policy.status == PolicyStatus.RETIRED:
        out.append(_("The policy is retired."))
    return out


@transaction.atomic
def withdraw_signatures(policy: Policy, *, actor: Any, now: dt.datetime, why: str) -> int:
    """A change of the document: signatures were for it as it was."""
    dropped = policy.signoffs.all().delete()[0]
    was_approved = policy.status == PolicyStatus.APPROVED
    Policy.objects.filter(pk=policy.pk).update(
        status=PolicyStatus.DRAFT if policy.status != PolicyStatus.RETIRED else policy.status,
        approved_at=None,
        updated_at=now,
    )
    policy.refresh_from_db()
    audit(
        "policy.update",
        "Policy",
        f"policy-{policy.pk}",
        actor=actor,
        team=policy.owner_team,
        reason=why,
        detail={"signatures_withdrawn": dropped, "was_approved": was_approved},
    )
    return dropped


@dataclass(frozen=True)
class SignResult:
    signoff: PolicySignOff
    approved: bool


@transaction.atomic
def sign(
    policy: Policy, signer: Signer, *, comment: str, actor: Any, now: dt.datetime
) -> SignResult:
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if signer.policy_id != policy.pk:
        raise SignOffError([_("That person is not an approver of this policy.")])
    found = problems(policy)
    if policy.status == PolicyStatus.APPROVED:
        found.append(_("The policy is already approved."))
    if PolicySignOff.objects.filter(policy=policy, signer=signer).exists():
        found.append(_("%(name)s has already signed.") % {"name": signer})
    if found:
        raise SignOffError(found)
    signoff = PolicySignOff.objects.create(
        policy=policy,
        signer=signer,
        comment=comment,
        signed_at=now,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        "policy.signed",
        "Policy",
        f"policy-{policy.pk}",
        actor=actor,
        team=policy.owner_team,
        reason=comment,
        detail={"signer": str(signer), "side": signer.side},
    )
    approved = all(sides_signed(policy).values())
    if approved:
        Policy.objects.filter(pk=policy.pk).update(
            status=PolicyStatus.APPROVED, approved_at=now, updated_at=now
        )
        audit(
            "policy.approved",
            "Policy",
            f"policy-{policy.pk}",
            actor=actor,
            team=policy.owner_team,
            detail={"revisit_on": str(policy.revisit_on)},
        )
    return SignResult(signoff, approved)


@transaction.atomic
def retire(policy: Policy, *, actor: Any, now: dt.datetime, reason: str) -> None:
    Policy.objects.filter(pk=policy.pk).update(status=PolicyStatus.RETIRED, updated_at=now)
    PolicyState.objects.filter(policy=policy).delete()
    audit(
        "policy.retired",
        "Policy",
        f"policy-{policy.pk}",
        actor=actor,
        team=policy.owner_team,
        reason=reason,
    )


@transaction.atomic
def record_exception(
    policy: Policy, *, actor: Any, now: dt.datetime, **fields: Any
) -> PolicyException:
    exception = PolicyException.objects.create(
        policy=policy, recorded_by=actor, recorded_at=now, **fields
    )
    # The next evaluation recomputes every objective with the exception applied.
    PolicyState.objects.filter(policy=policy).update(
        evaluated_at=dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    )
    audit(
        "policy.exception",
        "Policy",
        f"policy-{policy.pk}",
        actor=actor,
        team=policy.owner_team,
        reason=fields.get("reason", ""),
        detail={
            "slo": exception.slo.name if exception.slo else "",
            "starts_at": exception.starts_at.isoformat(),
            "ends_at": exception.ends_at.isoformat(),
            "caused_by": exception.caused_by,
        },
    )
    return exception


def policies_for(service: Service) -> list[Policy]:
    """Approved policies covering ``service``: its own, else its team's."""
    rows = list(
        Policy.objects.filter(
            Q(service=service) | Q(team_id=service.team_id), status=PolicyStatus.APPROVED
        ).order_by("-approved_at", "-id")
    )
    own = [p for p in rows if p.service_id == service.pk]
    return own or rows


@dataclass(frozen=True)
class Banner:
    policy: Policy
    level: int
    states: list[PolicyState]

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)

    @property
    def rule(self) -> PolicyRule | None:
        return self.states[0].rule if self.states else None


def banner_for(service: Service | None) -> Banner | None:
    """The product's worst policy state above normal, for the banner on its pages."""
    if service is None:
        return None
    for policy in policies_for(service):
        states = list(
            PolicyState.objects.filter(policy=policy, slo__service=service, level__gt=0)
            .select_related("slo", "rule")
            .order_by("-level", "adjusted_remaining_ratio")
        )
        if states:
            return Banner(policy, states[0].level, states)
    return None

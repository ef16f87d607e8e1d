"""What ekkyo knows about a team, read from the other apps as the scorecard's plain facts.

The only module of ``ekkyo.teams`` that reads the catalog, workshops, reviews, alerting
and policies for the scorecard; :mod:`ekkyo.teams.scorecard` stays pure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from ekkyo.accounts.models import Role
from ekkyo.accounts.permissions import role_of
from ekkyo.catalog.models import SLO, Lifecycle, Service
from ekkyo.teams.models import Membership, ScorecardSettings, Team, TopologyType
from ekkyo.teams.scorecard import (
    ItemFact,
    PolicyFact,
    ProductFact,
    SessionCounts,
    SloFact,
    TeamFacts,
    Thresholds,
)

#: A slot counts as due a day after it starts, so a session held this morning and not
#: yet marked "held" is not counted as missed.
GRACE = timedelta(days=1)


def thresholds(row: ScorecardSettings | None = None) -> Thresholds:
    row = row or ScorecardSettings.current()
    return Thresholds(
        coverage_min=row.coverage_min,
        agreed_min=row.agreed_min,
        active_min=row.active_min,
        cadence_min=row.cadence_min,
        self_led_min=row.self_led_min,
        items_on_time_min=row.items_on_time_min,
        lookback_days=row.lookback_days,
        practising_min=row.practising_min,
        self_sufficient_min=row.self_sufficient_min,
    )


def _products_and_slos(team: Team) -> tuple[list[ProductFact], list[SloFact]]:
    from ekkyo.workshops.models import SLI

    services = list(
        Service.objects.filter(team=team)
        .annotate(live=Count("slos", filter=~Q(slos__lifecycle=Lifecycle.RETIRED)))
        .order_by("name")
    )
    slos = list(SLO.objects.filter(service__team=team).select_related("service").order_by("name"))
    agreed = set(
        SLI.objects.filter(slo__in=slos, journey__workshop__agreed_at__isnull=False).values_list(
            "slo_id", flat=True
        )
    )
    products = [ProductFact(s.name, s.live) for s in services]
    facts = [SloFact(s.name, s.service.name, s.lifecycle, s.pk in agreed) for s in slos]
    return products, facts


def _own_targets(team: Team) -> int:
    from ekkyo.alerting.models import NotificationTarget

    return NotificationTarget.objects.filter(team=team, enabled=True).count()


def _sre_users(user_ids: set[int]) -> set[int]:
    """Users who count as SRE: members of an enabling team, or SRE admins."""
    enabling = set(
        Membership.objects.filter(
            user_id__in=user_ids, team__topology_type=TopologyType.ENABLING
        ).values_list("user_id", flat=True)
    )
    from django.contrib.auth import get_user_model

    admins = {
        u.pk for u in get_user_model().objects.filter(pk__in=user_ids) if role_of(u) == Role.ADMIN
    }
    return enabling | admins


def session_counts(team: Team, start: datetime, end: datetime) -> SessionCounts:
    """Slots planned and sessions held in ``[start, end)`` by the team's review series."""
    from ekkyo.reviews.cadence import CadenceError, occurrences
    from ekkyo.reviews.models import ReviewSeries, ReviewSession, SessionStatus

    series = list(ReviewSeries.objects.filter(teams=team, archived=False).distinct())
    expected = 0
    for s in series:
        try:
            expected += len(occurrences(s.cadence(), max(start, s.first_starts_at), end))
        except CadenceError:
            continue  # an unusable cadence plans nothing; the series page says why
    held = list(
        ReviewSession.objects.filter(
            series__in=series, status=SessionStatus.HELD, starts_at__gte=start, starts_at__lt=end
        ).values_list("facilitator_id", flat=True)
    )
    facilitators = {f for f in held if f}
    members = set(
        Membership.objects.filter(team=team, user_id__in=facilitators).values_list(
            "user_id", flat=True
        )
    )
    # An embedded SRE who is also a member still counts as the SRE running the session
    # (as in ekkyo.reviews.signals): the point is the team running it on its own.
    sre = _sre_users(facilitators)
    self_led = sum(1 for f in held if f in members and f not in sre)
    return SessionCounts(series=len(series), expected=expected, held=len(held), self_led=self_led)


def _items(team: Team, since: datetime) -> list[ItemFact]:
    from ekkyo.reviews.models import ActionItem

    zone = timezone.get_default_timezone()
    rows = ActionItem.objects.filter(team=team, due_on__gte=since.date()).only(
        "title", "due_on", "status", "closed_at"
    )
    return [
        ItemFact(
            i.title,
            i.due_on,
            i.status,
            i.closed_at.astimezone(zone).date() if i.closed_at else None,
        )
        for i in rows
    ]


def _policies(team: Team, products: list[ProductFact]) -> list[PolicyFact]:
    from ekkyo.policies.models import Policy, PolicyStatus

    policies = list(
        Policy.objects.filter(Q(service__team=team) | Q(team=team))
        .exclude(status=PolicyStatus.RETIRED)
        .select_related("service")
        .order_by("-approved_at", "-id")
    )
    out = []
    for product in products:
        # A product's own policy wins over the team's.
        own = [p for p in policies if p.service is not None and p.service.name == product.name]
        general = [p for p in policies if p.service is None]
        chosen = sorted(own, key=_policy_rank) or sorted(general, key=_policy_rank)
        if chosen:
            p = chosen[0]
            out.append(PolicyFact(product.name, p.status == PolicyStatus.APPROVED, p.revisit_on))
    return out


def _policy_rank(policy: object) -> tuple[int, int]:
    from ekkyo.policies.models import PolicyStatus

    return (0 if policy.status == PolicyStatus.APPROVED else 1, -policy.pk)  # type: ignore[attr-defined]


def team_facts(team: Team, now: datetime, t: Thresholds | None = None) -> TeamFacts:
    t = t or thresholds()
    zone = timezone.get_default_timezone()
    today = now.astimezone(zone).date()
    start = now - timedelta(days=t.lookback_days)
    products, slos = _products_and_slos(team)
    return TeamFacts(
        team=team.slug,
        today=today,
        products=products,
        slos=slos,
        own_targets=_own_targets(team),
        sessions=session_counts(team, start, now - GRACE),
        items=_items(team, start - timedelta(days=1)),
        policies=_policies(team, products),
    )

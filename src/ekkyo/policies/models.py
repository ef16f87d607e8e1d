"""Error budget policies: what a product's teams do as its error budget runs down.

* :class:`Policy` — one per product (or per team, for all its products): a document with
  a status (draft → approved → retired), authors, approvers from business and
  engineering, an approval date and a revisit date.  It is signed off the way a workshop
  agreement is (:class:`Signer`, :class:`PolicySignOff`): one business and one
  engineering signature approve it, and any change withdraws the signatures.
* :class:`PolicyRule` — a threshold (budget remaining at most, burn rate at least, or one
  incident using more than a share of the budget) with the action and who must act.
* :class:`PolicyState` — where each SLO objective stands under its policy (written by
  the periodic step, ``ekkyo.policies.steps``); :class:`PolicyEvent` — each crossing, with
  the notice and action item it produced.
* :class:`PolicyException` — budget use the policy says does not count (an outage caused
  by another team), recorded with who and why.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO, Lifecycle, Service
from ekkyo.engine import BURN_WINDOW_NAMES
from ekkyo.teams.models import Team
from ekkyo.workshops.models import ENGINEERING_SIDES, Side

LANGUAGES = [("ja", "日本語"), ("en", "English")]


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class Policy(models.Model):
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget_policies",
        verbose_name=_("Product"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget_policies",
        verbose_name=_("Team (all its products)"),
    )
    title = models.CharField(_("Title"), max_length=200)
    language = models.CharField(_("Language of the document"), max_length=8, choices=LANGUAGES)
    purpose = models.TextField(_("Why this policy"), blank=True, default="")
    exclusions = models.TextField(
        _("What does not count against the budget"),
        blank=True,
        default="",
        help_text=_("For example: outages caused by another team, or by a provider we pay."),
    )
    escalation = models.TextField(_("When people disagree"), blank=True, default="")
    authors = models.CharField(_("Authors"), max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT, db_index=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    revisit_on = models.DateField(_("Revisit on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, team__isnull=True)
                | Q(service__isnull=True, team__isnull=False),
                name="policy_for_a_product_or_a_team",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_team(self) -> Team:
        return self.service.team if self.service is not None else self.team  # type: ignore[return-value]

    @property
    def scope_name(self) -> str:
        return str(self.service) if self.service is not None else str(self.team)

    def clean(self) -> None:
        if (self.service_id is None) == (self.team_id is None):
            raise ValidationError(_("A policy is for one product or for one team."))

    def slos(self) -> models.QuerySet[SLO]:
        """The active SLOs the policy covers (trial SLOs: no budget policy applies yet)."""
        scope = (
            Q(service_id=self.service_id)
            if self.service_id is not None
            else Q(service__team_id=self.team_id)
        )
        return SLO.objects.filter(scope, lifecycle=Lifecycle.ACTIVE)


class RuleKind(models.TextChoices):
    REMAINING = "remaining", _("Budget remaining at most")
    BURN_RATE = "burn_rate", _("Burn rate at least")
    INCIDENT = "incident", _("One incident uses more than")


class Level(models.IntegerChoices):
    """How far the budget has gone, in the order a team escalates."""

    NORMAL = 0, _("Normal")
    CAUTION = 1, _("Caution")
    RELIABILITY_FIRST = 2, _("Reliability work first")
    FREEZE = 3, _("Change freeze except fixes")
    POSTMORTEM = 4, _("Postmortem")


class PolicyRule(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("When"), max_length=16, choices=RuleKind.choices)
    # A ratio for "remaining" and "incident" (0.25 is 25 % of the budget), a multiple of
    # the even pace for "burn_rate".
    threshold = models.FloatField(_("Threshold"), validators=[MinValueValidator(0.0)])
    burn_window = models.CharField(
        _("Burn-rate window"),
        max_length=4,
        choices=[(w, w) for w in BURN_WINDOW_NAMES],
        default="1d",
        blank=True,
    )
    level = models.PositiveSmallIntegerField(
        _("Level"), choices=[c for c in Level.choices if c[0] != Level.NORMAL]
    )
    action = models.TextField(_("Action"))
    who = models.CharField(_("Who must act"), max_length=300)

    class Meta:
        ordering = ["policy", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.threshold:g}: {self.get_level_display()}"


class Signer(models.Model):
    """Someone who approves the policy: an account, or only a name (business people)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="signers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(_("Name"), max_length=150, blank=True, default="")
    side = models.CharField(_("Side"), max_length=16, choices=Side.choices)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return "?"

    @property
    def engineering(self) -> bool:
        return self.side in ENGINEERING_SIDES


class PolicySignOff(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="signoffs")
    signer = models.ForeignKey(Signer, on_delete=models.CASCADE, related_name="+")
    comment = models.TextField(blank=True, default="")
    signed_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "signer"], name="one_policy_signoff_each")
        ]


class PolicyState(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="states")
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="policy_states")
    objective_index = models.PositiveIntegerField()
    objective = models.CharField(max_length=253)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NORMAL)
    rule = models.ForeignKey(PolicyRule, null=True, blank=True, on_delete=models.SET_NULL)
    since = models.DateTimeField()
    # The status the state was last computed from (the worker's evaluation time).
    evaluated_at = models.DateTimeField()
    remaining_ratio = models.FloatField(null=True)
    # Budget remaining with the policy's exceptions excluded (= remaining without any).
    adjusted_remaining_ratio = models.FloatField(null=True)
    burn_rate = models.FloatField(null=True)

    class Meta:
        ordering = ["policy", "slo", "objective_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "slo", "objective_index"], name="one_policy_state"
            )
        ]


class EventKind(models.TextChoices):
    ENTERED = "entered", _("Entered")
    LEFT = "left", _("Eased")
    INCIDENT = "incident", _("Incident")


class PolicyEvent(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="events")
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="policy_events")
    objective_index = models.PositiveIntegerField()
    objective = models.CharField(max_length=253)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_level = models.PositiveSmallIntegerField(choices=Level.choices)
    to_level = models.PositiveSmallIntegerField(choices=Level.choices)
    rule = models.ForeignKey(PolicyRule, null=True, blank=True, on_delete=models.SET_NULL)
    remaining_ratio = models.FloatField(null=True)
    # Incident events: {"start", "end", "budget_share"}; used to record each incident once.
    key = models.CharField(max_length=200, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    action_item = models.ForeignKey(
        "reviews.ActionItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notice = models.ForeignKey(
        "teams.Notice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "key"], condition=~Q(key=""), name="one_policy_event_per_key"
            )
        ]


class PolicyException(models.Model):
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="exceptions")
    # Empty: every SLO the policy covers.
    slo = models.ForeignKey(
        SLO, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="SLO"
    )
    starts_at = models.DateTimeField(_("From"))
    ends_at = models.DateTimeField(_("Until"))
    reason = models.TextField(_("Why it does not count"))
    caused_by = models.CharField(_("Caused by"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end comes after the start.")})

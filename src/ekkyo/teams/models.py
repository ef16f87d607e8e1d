"""Teams as Team Topologies describes them: their Team API, interactions, SRE adoption.

* :class:`Team` — type, SRE engagement, and the rest of its **Team API** (focus, what it
  provides besides its catalog products, where to reach it); :class:`Membership`.
* :class:`Interaction` — how two teams work together (collaboration, X-as-a-Service,
  facilitating), with a purpose, a start and an expected end.  An **embedded SRE**
  engagement is a collaboration with an end date and a goal.
* :class:`ScorecardSettings`, :class:`ScorecardSnapshot` — the SRE-practice scorecard's
  thresholds (editable by SRE admins) and its weekly history (``ekkyo.teams.scorecard``).
* :class:`MaturityLevel`, :class:`MaturityItem`, :class:`MaturityAssessment`,
  :class:`MaturityRating` — an optional, manual, CMMI-like assessment.
* :class:`Notice`, :class:`NoticeDelivery` — in-app notices to teams and their outbox
  rows (``ekkyo.teams.notices``).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopologyType(models.TextChoices):
    STREAM_ALIGNED = "stream-aligned", _("Stream-aligned")
    PLATFORM = "platform", _("Platform")
    ENABLING = "enabling", _("Enabling")
    COMPLICATED_SUBSYSTEM = "complicated-subsystem", _("Complicated subsystem")


class SreEngagement(models.TextChoices):
    EMBEDDED = "embedded", _("Embedded SRE")
    ENABLING = "enabling", _("Enabling")
    SELF_SERVICE = "self-service", _("Self-service")


class Team(models.Model):
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    name_ja = models.CharField(max_length=200, blank=True, default="")
    topology_type = models.CharField(
        max_length=32, choices=TopologyType.choices, default=TopologyType.STREAM_ALIGNED
    )
    sre_engagement = models.CharField(
        max_length=32, choices=SreEngagement.choices, default=SreEngagement.SELF_SERVICE
    )
    description = models.TextField(blank=True, default="")
    # The rest of the Team API (Team Topologies): what the team is for, what it offers
    # besides its catalog products (one per line), and how to reach it.
    focus = models.TextField(_("Focus"), blank=True, default="")
    provides = models.TextField(_("Services it provides"), blank=True, default="")
    channel = models.CharField(_("Where to reach the team"), max_length=200, blank=True, default="")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def provided(self) -> list[str]:
        return [line.strip() for line in self.provides.splitlines() if line.strip()]


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


# --- interactions ---------------------------------------------------------------------------


class InteractionMode(models.TextChoices):
    COLLABORATION = "collaboration", _("Collaboration")
    X_AS_A_SERVICE = "x-as-a-service", _("X-as-a-Service")
    FACILITATING = "facilitating", _("Facilitating")


class Interaction(models.Model):
    """Two teams working together.  Direction matters for two modes: ``from_team``
    provides to ``to_team`` (X-as-a-Service) or facilitates it (facilitating);
    collaboration is mutual."""

    from_team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="interactions_out", verbose_name=_("Team")
    )
    to_team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="interactions_in", verbose_name=_("With")
    )
    mode = models.CharField(_("Mode"), max_length=32, choices=InteractionMode.choices)
    purpose = models.TextField(_("Purpose"))
    starts_on = models.DateField(_("Starts on"))
    expected_end_on = models.DateField(_("Expected to end on"), null=True, blank=True)
    ended_on = models.DateField(_("Ended on"), null=True, blank=True)
    embedded_sre = models.BooleanField(_("Embedded SRE engagement"), default=False)
    goal = models.TextField(_("Goal"), blank=True, default="")
    remind_days_before = models.PositiveSmallIntegerField(
        _("Remind both teams this many days before the end"),
        default=14,
        validators=[MaxValueValidator(365)],
    )
    # Set when the reminder notice was written: one reminder per interaction.
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["starts_on", "id"]
        indexes = [models.Index(fields=["ended_on", "reminded_at"], name="interaction_reminder")]

    def __str__(self) -> str:
        return f"{self.from_team} {self.mode} {self.to_team}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.from_team_id and self.from_team_id == self.to_team_id:
            errors["to_team"] = _("A team interacts with another team, not with itself.")
        end = self.expected_end_on
        if end is not None and self.starts_on is not None and end < self.starts_on:
            errors["expected_end_on"] = _("The end comes after the start.")
        if self.embedded_sre:
            if self.mode != InteractionMode.COLLABORATION:
                errors["mode"] = _("An embedded SRE engagement is a collaboration.")
            if end is None:
                errors["expected_end_on"] = _("An embedded SRE engagement has an end date.")
            if not self.goal.strip():
                errors["goal"] = _("An embedded SRE engagement has a goal.")
        if errors:
            raise ValidationError(errors)

    def is_current(self, today: date) -> bool:
        return self.starts_on <= today and (self.ended_on is None or self.ended_on > today)


# --- scorecard ------------------------------------------------------------------------------


def _share(default: float) -> models.FloatField:
    return models.FloatField(
        default=default, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )


class ScorecardSettings(models.Model):
    """The scorecard's thresholds: one row, edited by SRE admins (``/org/settings``)."""

    coverage_min = _share(1.0)
    agreed_min = _share(0.5)
    active_min = _share(0.5)
    cadence_min = _share(0.75)
    self_led_min = _share(0.5)
    items_on_time_min = _share(0.7)
    lookback_days = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(7), MaxValueValidator(365)]
    )
    practising_min = _share(0.5)
    self_sufficient_min = _share(0.85)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name_plural = "scorecard settings"

    def clean(self) -> None:
        if self.practising_min > self.self_sufficient_min:
            raise ValidationError(
                {"self_sufficient_min": _("Self-sufficient needs at least the practising score.")}
            )

    @classmethod
    def current(cls) -> ScorecardSettings:
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls()


class ScorecardSnapshot(models.Model):
    """A team's scorecard as computed in one week (the periodic step stores one a week)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="scorecard_snapshots")
    # The Monday the week starts on, in the site's zone.
    week_start = models.DateField()
    taken_at = models.DateTimeField()
    score = models.FloatField(null=True)
    level = models.CharField(max_length=32)
    passed = models.PositiveSmallIntegerField()
    applicable = models.PositiveSmallIntegerField()
    # ``Scorecard.as_dict()["checks"]``: status, value and reason per check.
    checks = models.JSONField(default=list)

    class Meta:
        ordering = ["team", "week_start"]
        constraints = [
            models.UniqueConstraint(fields=["team", "week_start"], name="one_snapshot_a_week")
        ]


# --- maturity assessment --------------------------------------------------------------------


class MaturityLevel(models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100)
    name_ja = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class MaturityItem(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    title = models.CharField(max_length=200)
    title_ja = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return self.title


class MaturityAssessment(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="maturity_assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "-assessed_on", "-id"]


class MaturityRating(models.Model):
    assessment = models.ForeignKey(
        MaturityAssessment, on_delete=models.CASCADE, related_name="ratings"
    )
    item = models.ForeignKey(MaturityItem, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["assessment", "item__position", "item__key"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="one_rating_per_item")
        ]


# --- notices ------------------------------------------------------------------------------


class Notice(models.Model):
    """Something a team should know (an interaction ending, an error budget policy state).

    Shown in the app on the team's pages; its :class:`NoticeDelivery` rows are the outbox
    that carries it to the teams' Slack and webhook targets.  ``key`` makes writing it
    idempotent: one notice per occasion, however often a step runs.
    """

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32)
    teams = models.ManyToManyField(Team, related_name="notices")
    created_at = models.DateTimeField(db_index=True)
    # The text in both of ekkyo's languages, written when the notice is (each reader and
    # target gets its own language).
    text_en = models.TextField()
    text_ja = models.TextField()
    link = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def text(self, language: str) -> str:
        return self.text_ja if (language or "").startswith("ja") else self.text_en


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NoticeDelivery(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    target = models.ForeignKey(
        "alerting.NotificationTarget", null=True, blank=True, on_delete=models.SET_NULL
    )
    target_name = models.CharField(max_length=200)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "target"], name="one_delivery_per_target")
        ]

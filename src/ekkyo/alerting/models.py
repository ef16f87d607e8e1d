"""Alert state, its history, notification targets, the outbox, silences and annotations.

* :class:`AlertState` — one row per SLO objective and alert rule that has ever been
  active: the state of :mod:`ekkyo.engine.alertstate` (absent means ``inactive``).
* :class:`AlertTransition` — one row per change of state: the history, with the burn
  rates that caused it.
* :class:`NotificationTarget` — a Slack webhook, PagerDuty integration or webhook of a
  team; its secrets are :class:`~ekkyo.alerting.secrets.SecretField` s or environment
  variable names.
* :class:`DataMissingAlert` — an SLO whose source has failed for a while (its team is
  told once per episode, and again when data arrives).
* :class:`Notification` / :class:`DeliveryAttempt` — the durable outbox: one row per
  transition (or data-missing change) and target, written in the same transaction, and
  every attempt.
* :class:`Silence` — silences and maintenance windows, one-off or recurring (RRULE).
* :class:`Annotation` — notes, deploys and alerts drawn on an SLO's charts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ekkyo.alerting.secrets import SecretField
from ekkyo.alerting.windows import WindowError, WindowSpec
from ekkyo.catalog.models import SLO, Service
from ekkyo.teams.models import Team

SEVERITIES = ("page", "ticket")


class Status(models.TextChoices):
    INACTIVE = "inactive", _("Inactive")
    PENDING = "pending", _("Pending")
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class TransitionKind(models.TextChoices):
    PENDING = "pending", _("Pending")
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class AlertState(models.Model):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="alert_states")
    objective_index = models.PositiveIntegerField()
    objective = models.CharField(max_length=253)
    severity = models.CharField(max_length=16)
    long_window = models.CharField(max_length=8)
    short_window = models.CharField(max_length=8)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INACTIVE)
    # Counts episodes (pending/firing … resolved), so an episode's rows can be found.
    episode = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    firing_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    announced = models.BooleanField(default=False)
    firing_announced = models.BooleanField(default=False)
    peak_long_burn_rate = models.FloatField(null=True, blank=True)
    peak_short_burn_rate = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["slo", "objective_index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slo", "objective_index", "long_window", "short_window"],
                name="unique_alert_state",
            )
        ]
        indexes = [models.Index(fields=["status"], name="alert_state_status")]

    def __str__(self) -> str:
        rule = f"{self.long_window}+{self.short_window}"
        return f"{self.slo_id}/{self.objective} {rule}: {self.status}"


class AlertTransition(models.Model):
    state = models.ForeignKey(AlertState, on_delete=models.CASCADE, related_name="transitions")
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="alert_transitions")
    episode = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=TransitionKind.choices)
    at = models.DateTimeField()
    started_at = models.DateTimeField()
    objective = models.CharField(max_length=253)
    severity = models.CharField(max_length=16)  # the rule's
    effective_severity = models.CharField(max_length=16)  # after the trial downgrade
    long_window = models.CharField(max_length=8)
    short_window = models.CharField(max_length=8)
    factor = models.FloatField()
    burn_rates = models.JSONField(default=dict)
    sli = models.FloatField(null=True, blank=True)
    budget_remaining = models.FloatField(null=True, blank=True)
    trial = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    notify = models.BooleanField(default=False)
    unmuted = models.BooleanField(default=False)
    was_firing = models.BooleanField(default=False)
    dedup_key = models.CharField(max_length=80)
    # `ekkyo.notify.AlertEvent.to_dict()` of the change, in English.
    event = models.JSONField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["slo", "at"], name="alert_transition_slo_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedup_key[:20]}… at {self.at:%Y-%m-%d %H:%M}"


class TargetKind(models.TextChoices):
    SLACK = "slack", "Slack"
    PAGERDUTY = "pagerduty", "PagerDuty"
    WEBHOOK = "webhook", _("Webhook")


class TargetSource(models.TextChoices):
    MANUAL = "manual", _("Set up in ekkyo")
    OPENSLO = "openslo", _("OpenSLO AlertNotificationTarget")


def _check_severities(value: Any) -> None:
    if not isinstance(value, list) or not set(value) <= set(SEVERITIES):
        raise ValidationError(_("Severities must be a list of page and ticket."))


class NotificationTarget(models.Model):
    """Where alerts go.  A target without a team receives every team's alerts."""

    name = models.CharField(max_length=200, unique=True)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_targets",
    )
    kind = models.CharField(max_length=16, choices=TargetKind.choices)
    severities = models.JSONField(default=list, validators=[_check_severities])
    notify_pending = models.BooleanField(
        default=False, help_text=_("Also tell about pending alerts (never on PagerDuty).")
    )
    for_trial = models.BooleanField(
        default=False,
        help_text=_("The channel for alerts of SLOs in trial operation, and only those."),
    )
    enabled = models.BooleanField(default=True)
    language = models.CharField(
        max_length=2, choices=[("en", "English"), ("ja", "日本語")], default="en"
    )
    source = models.CharField(
        max_length=16, choices=TargetSource.choices, default=TargetSource.MANUAL
    )
    # Credentials: stored values, or the names of environment variables that hold them.
    url = SecretField(blank=True, default="", help_text=_("Slack or webhook URL."))
    routing_key = SecretField(blank=True, default="", help_text=_("PagerDuty routing key."))
    hmac_secret = SecretField(blank=True, default="", help_text=_("Webhook signing secret."))
    url_env = models.CharField(max_length=128, blank=True, default="")
    routing_key_env = models.CharField(max_length=128, blank=True, default="")
    hmac_secret_env = models.CharField(max_length=128, blank=True, default="")
    endpoint = models.CharField(
        max_length=500,
        blank=True,
        default="",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("PagerDuty endpoint override."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<NotificationTarget {self.name!r} {self.kind}>"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


UNFINISHED = (NotificationStatus.QUEUED, NotificationStatus.SENDING)


class DataMissingAlert(models.Model):
    """An SLO whose pulled source has failed for a while: one row per episode, from the
    message to its team until the source answers again (``resolved_at``)."""

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="data_missing_alerts")
    # When the source started failing (PullState.failing_since) and the message went out.
    failing_since = models.DateTimeField()
    fired_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The source's message when it fired (sources never put credentials in it).
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["fired_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slo"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_data_missing_alert_per_slo",
            )
        ]

    def __str__(self) -> str:
        return f"data missing on {self.slo_id} since {self.failing_since:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """One message to one target: of an alert transition or of a data-missing alert."""

    transition = models.ForeignKey(
        AlertTransition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    data_alert = models.ForeignKey(
        DataMissingAlert,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    target = models.ForeignKey(
        NotificationTarget,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    target_name = models.CharField(max_length=200)
    dedup_key = models.CharField(max_length=80)
    state = models.CharField(max_length=16, choices=TransitionKind.choices)
    event = models.JSONField()
    status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    give_up_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=128, blank=True, default="")
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["transition", "target"], name="one_notification_per_transition_target"
            ),
            models.UniqueConstraint(
                fields=["data_alert", "target", "state"],
                name="one_notification_per_data_alert_target_state",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["target", "dedup_key", "id"], name="notification_order"),
        ]

    def __str__(self) -> str:
        return f"{self.state} to {self.target_name}: {self.status}"


class DeliveryAttempt(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField()
    worker = models.CharField(max_length=128, blank=True, default="")
    ok = models.BooleanField()
    retryable = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    # Redacted by ekkyo.notify.send and again by the outbox: never holds a secret.
    error = models.TextField(blank=True, default="")
    elapsed_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["notification", "at", "id"]


class SilenceKind(models.TextChoices):
    SILENCE = "silence", _("Silence")
    MAINTENANCE = "maintenance", _("Maintenance window")


class Silence(models.Model):
    """Mutes alerts of one SLO, service or team (state is still tracked).

    The first occurrence is ``[starts_at, ends_at)``; with an ``rrule`` it recurs, each
    occurrence as long as the first, in wall-clock time of ``time_zone``.  A maintenance
    window with ``exclude_from_budget`` also turns its minutes into "no data".
    """

    kind = models.CharField(max_length=16, choices=SilenceKind.choices)
    slo = models.ForeignKey(SLO, null=True, blank=True, on_delete=models.CASCADE)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    rrule = models.CharField(
        max_length=500, blank=True, default="", help_text="RFC 5545, e.g. FREQ=WEEKLY;BYDAY=SU"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    exclude_from_budget = models.BooleanField(default=False)
    reason = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(slo__isnull=False, service__isnull=True, team__isnull=True)
                    | models.Q(slo__isnull=True, service__isnull=False, team__isnull=True)
                    | models.Q(slo__isnull=True, service__isnull=True, team__isnull=False)
                ),
                name="silence_has_one_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(exclude_from_budget=False) | models.Q(kind="maintenance"),
                name="only_maintenance_leaves_the_budget",
            ),
        ]

    def __str__(self) -> str:
        scope = self.slo or self.service or self.team
        return f"{self.get_kind_display()} of {scope} from {self.starts_at:%Y-%m-%d %H:%M}"

    def window(self) -> WindowSpec:
        return WindowSpec(self.starts_at, self.ends_at, self.rrule, self.time_zone)

    def clean(self) -> None:
        scopes = [x for x in (self.slo_id, self.service_id, self.team_id) if x is not None]
        if len(scopes) != 1:
            raise ValidationError(_("Choose exactly one of SLO, service or team."))
        if self.exclude_from_budget and self.kind != SilenceKind.MAINTENANCE:
            raise ValidationError(
                {"exclude_from_budget": _("Only a maintenance window leaves the budget.")}
            )
        if isinstance(self.starts_at, datetime) and isinstance(self.ends_at, datetime):
            try:
                self.window()
            except WindowError as exc:
                field, _sep, message = str(exc).partition(": ")
                key = field if field in {"rrule", "time_zone", "ends_at"} else None
                raise ValidationError({key: message} if key else str(exc)) from None


class AnnotationKind(models.TextChoices):
    NOTE = "note", _("Note")
    DEPLOY = "deploy", _("Deploy")
    ALERT = "alert", _("Alert")
    LIFECYCLE = "lifecycle", _("Lifecycle change")
    MAINTENANCE = "maintenance", _("Maintenance window")


#: Kinds people post through the API; the others are written by ekkyo itself.
USER_KINDS = (AnnotationKind.NOTE, AnnotationKind.DEPLOY)


class Annotation(models.Model):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="annotations")
    kind = models.CharField(max_length=16, choices=AnnotationKind.choices)
    at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(max_length=2000)
    link = models.URLField(max_length=500, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_name = models.CharField(max_length=150, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["slo", "at"], name="annotation_slo_at")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.slo_id} at {self.at:%Y-%m-%d %H:%M}"

"""Dashboard viewing sessions (だっしゅぼーどを眺める会) and their action items.

* :class:`ReviewSeries` — a team's (or several teams') recurring session: an RFC 5545
  cadence in a time zone, the SLOs and dashboards it looks at, a rotating facilitator.
* :class:`ReviewSession` — one meeting, with its generated agenda (JSON, see
  :mod:`ekkyo.reviews.agenda`), attendance and what was captured in it (:class:`Entry`).
* :class:`ActionItem` — a finding turned into work, with owner, team, due date, status
  and where it came from; :class:`ActionItemChange` is its history.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO
from ekkyo.reviews.cadence import Cadence, CadenceError
from ekkyo.teams.models import Team

LANGUAGES = [("en", "English"), ("ja", "日本語")]
web_url = URLValidator(schemes=["http", "https"], message=_("Enter an http or https address."))


def new_feed_key() -> str:
    return secrets.token_urlsafe(24)


class ReviewSeries(models.Model):
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    teams = models.ManyToManyField(Team, related_name="review_series")
    description = models.TextField(blank=True, default="")
    # The cadence: DTSTART is `first_starts_at` read as wall-clock time in `time_zone`.
    rrule = models.CharField(max_length=500, blank=True, default="FREQ=WEEKLY")
    first_starts_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="Asia/Tokyo")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    language = models.CharField(max_length=2, choices=LANGUAGES, default="ja")
    location = models.CharField(max_length=500, blank=True, default="")
    # Empty means every SLO of the series' teams.
    slos = models.ManyToManyField(SLO, related_name="review_series", blank=True)
    rotate_facilitator = models.BooleanField(default=True)
    # The name of an alerting NotificationTarget that receives the agenda (docs/reviews.md).
    notification_target = models.CharField(max_length=200, blank=True, default="")
    # The secret of the calendar feed's address, for calendar apps that cannot sign in.
    feed_key = models.CharField(max_length=64, default=new_feed_key)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "review series"

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def cadence(self) -> Cadence:
        return Cadence(self.rrule, self.first_starts_at, self.time_zone, self.duration)

    def clean(self) -> None:
        if self.first_starts_at is None:
            return
        try:
            self.cadence()
        except CadenceError as exc:
            field, _sep, message = str(exc).partition(": ")
            key = field if field in {"rrule", "time_zone"} else None
            raise ValidationError({key: message} if key else str(exc)) from None


class DashboardLink(models.Model):
    """A dashboard the series looks at: New Relic, Grafana or any http(s) page."""

    series = models.ForeignKey(ReviewSeries, on_delete=models.CASCADE, related_name="links")
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=1000, validators=[web_url])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["series", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def kind(self) -> str:
        host = self.url.split("//", 1)[-1].split("/", 1)[0].lower()
        if "newrelic" in host:
            return "newrelic"
        if "grafana" in host:
            return "grafana"
        return "web"


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewSession(models.Model):
    series = models.ForeignKey(ReviewSeries, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    # The cadence's slot this session is for; empty for an extra session.
    occurrence_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    language = models.CharField(max_length=2, choices=LANGUAGES, default="ja")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilitated_reviews",
    )
    ice_break = models.CharField(max_length=500, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    # `ekkyo.reviews.agenda.Agenda.as_dict()`; empty until generated.
    agenda = models.JSONField(default=dict, blank=True)
    agenda_generated_at = models.DateTimeField(null=True, blank=True)
    agenda_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["series", "starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_at"], name="one_session_per_occurrence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.starts_at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_attendance"
    )
    # The team they came for; empty for guests (an SRE, a business reader).
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["session", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_attendance_per_user")
        ]


class EntryKind(models.TextChoices):
    NOTE = "note", _("Note")
    FINDING = "finding", _("Finding")
    TASK = "task", _("Recent task")
    RELEASE = "release", _("Release")
    SHARE = "share", _("Something to share")


#: Kinds that make up the session's topics list (the rest are notes on the agenda).
TOPIC_KINDS = (EntryKind.TASK, EntryKind.RELEASE, EntryKind.SHARE)


class Entry(models.Model):
    """A note, finding or shared topic captured in a session."""

    session = models.ForeignKey(ReviewSession, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    # The agenda topic it was captured on (e.g. "burned", "at_risk"), when any.
    topic = models.CharField(max_length=32, blank=True, default="")
    slo = models.ForeignKey(SLO, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField(max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_name = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "created_at", "id"]
        verbose_name_plural = "entries"


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.IN_PROGRESS)
CLOSED_STATUSES = (ItemStatus.DONE, ItemStatus.DROPPED)


class ActionItem(models.Model):
    title = models.CharField(max_length=300)
    details = models.TextField(blank=True, default="", max_length=4000)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="action_items")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN, db_index=True
    )
    # Where it came from: a session, an SLO, an alert (its agenda reference).
    session = models.ForeignKey(
        ReviewSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_items",
    )
    slo = models.ForeignKey(
        SLO, null=True, blank=True, on_delete=models.SET_NULL, related_name="action_items"
    )
    alert_ref = models.CharField(max_length=200, blank=True, default="")
    external_url = models.CharField(max_length=1000, blank=True, default="", validators=[web_url])
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_in = models.ForeignKey(
        ReviewSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="closed_items",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["team", "status"], name="action_item_team_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ActionItemChange(models.Model):
    """One change of an item: who, when, in which session, what changed (field → [old, new])."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="changes")
    session = models.ForeignKey(
        ReviewSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="item_changes",
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(max_length=150, blank=True, default="")
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["item", "at", "id"]

"""What the worker computed and what it pulled.

:class:`SLOStatus` is the latest engine result per SLO objective — the snapshot that pages,
the API and ``/metrics`` read, so none of them evaluates on a request. :class:`StateChange`
records each change of an objective's state (the outbox an alert step reads).
:class:`PullState` remembers how far each SLO's source has been pulled and since when it
fails. :class:`WorkerHeartbeat` tells workers how many of them share the SLOs.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO


class State(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    AT_RISK = "at_risk", _("At risk")
    EXHAUSTED = "exhausted", _("Exhausted")
    NO_DATA = "no_data", _("No data")


class SLOStatus(models.Model):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="statuses")
    objective_index = models.PositiveIntegerField()
    objective = models.CharField(max_length=253)
    computed_at = models.DateTimeField()
    # No index on the columns the worker rewrites each minute (state, remaining_ratio):
    # updates that change no indexed column stay on their page (PostgreSQL "HOT"
    # updates, with the table's fillfactor at 50), several times cheaper for 10,000
    # rows a minute; lists of a few thousand SLOs filter and sort in Python anyway.
    state = models.CharField(max_length=16, choices=State.choices)
    # Why the state is what it is, for people ("source unreachable since …").
    reason = models.CharField(max_length=500, blank=True, default="")
    # Copies of result fields that lists filter and sort on.
    sli = models.FloatField(null=True)
    remaining_ratio = models.FloatField(null=True)
    fastest_burn_rate = models.FloatField(null=True)
    alerts_firing = models.PositiveSmallIntegerField(default=0)
    # The result object of SLO_MATH.md ("ekkyo evaluate --json"), as the API returns it.
    result = models.JSONField()

    class Meta:
        ordering = ["slo", "objective_index"]
        constraints = [
            models.UniqueConstraint(fields=["slo", "objective_index"], name="unique_slo_status")
        ]


class StateChange(models.Model):
    """One objective's state changed at an evaluation (written with the new status)."""

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="state_changes")
    objective_index = models.PositiveIntegerField()
    objective = models.CharField(max_length=253)
    # The evaluation time (the minute boundary the result describes).
    at = models.DateTimeField(db_index=True)
    from_state = models.CharField(max_length=16, choices=State.choices, blank=True, default="")
    to_state = models.CharField(max_length=16, choices=State.choices)
    reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]


class PullState(models.Model):
    slo = models.OneToOneField(SLO, on_delete=models.CASCADE, related_name="pull_state")
    pulled_until = models.DateTimeField(null=True, blank=True)
    next_pull_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # Failed pulls in a row: the retry waits twice as long after each one.
    consecutive_failures = models.PositiveIntegerField(default=0)
    # The source's message (sources never put credentials in it).
    last_error = models.TextField(blank=True, default="")


class WorkerHeartbeat(models.Model):
    """A running worker; its share of the SLOs is their number over the live workers."""

    name = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)
    slos = models.PositiveIntegerField(default=0)

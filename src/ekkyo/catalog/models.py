"""Services, SLOs, their versions and lifecycle, and the audit log of the catalog.

An SLO's spec is kept as the OpenSLO v1 document (a JSON object, indicator inlined) so
that `ekkyo export` writes back what was imported. Every change of the spec makes a new
:class:`SLOVersion`; every lifecycle change a :class:`LifecycleTransition`; both, and
every other change in the catalog, an :class:`AuditEvent`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ekkyo.teams.models import Team


class Lifecycle(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


# Allowed lifecycle moves. Retired SLOs can be brought back as drafts, nothing else.
TRANSITIONS: dict[str, frozenset[str]] = {
    Lifecycle.DRAFT: frozenset({Lifecycle.TRIAL, Lifecycle.ACTIVE, Lifecycle.RETIRED}),
    Lifecycle.TRIAL: frozenset({Lifecycle.ACTIVE, Lifecycle.DRAFT, Lifecycle.RETIRED}),
    Lifecycle.ACTIVE: frozenset({Lifecycle.TRIAL, Lifecycle.RETIRED}),
    Lifecycle.RETIRED: frozenset({Lifecycle.DRAFT}),
}


class Service(models.Model):
    name = models.CharField(max_length=253, unique=True)
    display_name = models.CharField(max_length=253, blank=True, default="")
    description = models.TextField(blank=True, default="")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="services")
    # The OpenSLO `Service` document, when one was imported.
    spec = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name or self.name


class SLO(models.Model):
    name = models.CharField(max_length=253, unique=True)
    display_name = models.CharField(max_length=253, blank=True, default="")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="slos")
    lifecycle = models.CharField(
        max_length=16, choices=Lifecycle.choices, default=Lifecycle.DRAFT, db_index=True
    )
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=1)
    source_type = models.CharField(max_length=64, blank=True, default="")
    trial_ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    # Worker scheduling: when the SLO is next due, and who holds it (see ekkyo.worker).
    next_evaluation_at = models.DateTimeField(default=timezone.now, db_index=True)
    lease_owner = models.CharField(max_length=64, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SLO"

    def __str__(self) -> str:
        return self.display_name or self.name

    @property
    def team(self) -> Team:
        return self.service.team


class SLOVersion(models.Model):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["slo", "number"]
        constraints = [models.UniqueConstraint(fields=["slo", "number"], name="unique_slo_version")]

    def __str__(self) -> str:
        return f"{self.slo.name} v{self.number}"


class LifecycleTransition(models.Model):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=Lifecycle.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=Lifecycle.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["slo", "at"]


class SpecObject(models.Model):
    """Other OpenSLO objects (SLI, DataSource, AlertPolicy, …), kept for export and lookup."""

    kind = models.CharField(max_length=64)
    name = models.CharField(max_length=253)
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="unique_spec_object")]


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept even if the user is deleted later, and for actions by the system ("worker").
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_name = models.CharField(max_length=253)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.TextField(blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

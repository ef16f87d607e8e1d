"""Teams as Team Topologies describes them, with the SRE engagement each has."""

from __future__ import annotations

from django.conf import settings
from django.db import models
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
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="teams", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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

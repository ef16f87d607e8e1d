"""SLI/SLO workshops: who took part, what the business said, the journeys, SLIs, targets,
the agreement they signed, and the reviews of the trial SLOs it created.

A workshop belongs to one product (a catalog :class:`~ekkyo.catalog.models.Service`) and so
to its team: members of that team and admins edit it, everyone signed in reads it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO, Service
from ekkyo.workshops.sli_types import SliType

LANGUAGES = [("ja", "日本語"), ("en", "English")]


class Side(models.TextChoices):
    BUSINESS = "business", _("Business")
    DEVELOPMENT = "development", _("Development")
    SRE = "sre", _("SRE")


# Sign-off needs one person from each: business, and engineering (development or SRE).
ENGINEERING_SIDES = frozenset({Side.DEVELOPMENT, Side.SRE})


class ParticipantRole(models.TextChoices):
    FACILITATOR = "facilitator", _("Facilitator")
    HELPER = "helper", _("Helper")
    PARTICIPANT = "participant", _("Participant")


class SliKind(models.TextChoices):
    RATIO = "ratio", _("Ratio of good to total events")
    THRESHOLD = "threshold", _("Value against a threshold, each minute")


class DataSourceType(models.TextChoices):
    PROMETHEUS = "prometheus", _("Prometheus (PromQL)")
    NEWRELIC = "newrelic", _("New Relic (NRQL)")
    PUSH = "push", _("Push API")


class Operator(models.TextChoices):
    LT = "lt", "<"
    LTE = "lte", "≤"
    GT = "gt", ">"
    GTE = "gte", "≥"


class Workshop(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="workshops")
    title = models.CharField(_("Title"), max_length=200)
    held_on = models.DateField(_("Date"))
    language = models.CharField(_("Language of the record"), max_length=8, choices=LANGUAGES)

    # Business context: short guided questions, all optional.
    users = models.TextField(_("Who uses the service?"), blank=True, default="")
    impact = models.TextField(_("What happens when they cannot?"), blank=True, default="")
    worth = models.TextField(_("What is it worth?"), blank=True, default="")
    promises = models.TextField(
        _("What has been promised already (SLAs, informal expectations)?"), blank=True, default=""
    )
    outages = models.TextField(_("Past outages and their business impact"), blank=True, default="")

    # The agreement.
    revisit_on = models.DateField(_("Revisit on"), null=True, blank=True)
    trial_days = models.PositiveSmallIntegerField(
        _("Trial length (days)"),
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    agreement_notes = models.TextField(_("Notes on the agreement"), blank=True, default="")
    agreed_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def team(self):  # type: ignore[no-untyped-def]
        return self.service.team

    @property
    def audit_name(self) -> str:
        return f"workshop-{self.pk}"


class Participant(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    # An account, or only a name: business people often have none.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    name = models.CharField(_("Name"), max_length=150, blank=True, default="")
    side = models.CharField(_("Side"), max_length=16, choices=Side.choices)
    role = models.CharField(
        _("Role"),
        max_length=16,
        choices=ParticipantRole.choices,
        default=ParticipantRole.PARTICIPANT,
    )

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


class Journey(models.Model):
    """A critical user journey, in the business people's own words."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="journeys")
    name = models.CharField(_("Journey"), max_length=200)
    steps = models.TextField(_("Steps (one per line)"), blank=True, default="")
    words = models.TextField(_("In their own words"), blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class SLI(models.Model):
    """One SLI of a journey: its plain-language specification, its implementation, the
    target explored for it, and — once agreed — the catalog SLO it became."""

    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="slis")
    sli_type = models.CharField(_("SLI type"), max_length=16, choices=SliType.choices)
    specification = models.TextField(_("Specification in plain words"))

    kind = models.CharField(_("Kind"), max_length=16, choices=SliKind.choices, default="ratio")
    source = models.CharField(
        _("Data source"), max_length=16, choices=DataSourceType.choices, default="push"
    )
    data_source_ref = models.CharField(
        _("DataSource name (optional)"), max_length=253, blank=True, default=""
    )
    good_query = models.TextField(_("Good events query"), blank=True, default="")
    total_query = models.TextField(_("Total events query"), blank=True, default="")
    threshold_query = models.TextField(_("Value query"), blank=True, default="")
    op = models.CharField(
        _("Good when the value is"), max_length=4, choices=Operator.choices, blank=True, default=""
    )
    value = models.FloatField(_("Threshold"), null=True, blank=True)
    failure_modes = models.TextField(
        _("Failure modes this implementation would miss"), blank=True, default=""
    )

    # History for exploring targets: a catalog SLO standing in until this one has data.
    stand_in = models.ForeignKey(
        SLO,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Stand-in SLO for history"),
    )
    target = models.FloatField(null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(default=28)
    # The exploration's numbers when the target was chosen, kept for the record.
    evidence = models.JSONField(default=dict, blank=True)

    in_agreement = models.BooleanField(default=False)
    reasoning = models.TextField(_("Why this target"), blank=True, default="")
    slo_name = models.CharField(_("SLO name"), max_length=253, blank=True, default="")
    slo = models.ForeignKey(
        SLO, null=True, blank=True, on_delete=models.SET_NULL, related_name="workshop_slis"
    )

    class Meta:
        ordering = ["journey_id", "id"]
        verbose_name = "SLI"

    def __str__(self) -> str:
        return f"{self.journey.name}: {self.get_sli_type_display()}"

    @property
    def workshop(self) -> Workshop:
        return self.journey.workshop

    @property
    def implemented(self) -> bool:
        if self.source == DataSourceType.PUSH:
            return self.kind != SliKind.THRESHOLD or (bool(self.op) and self.value is not None)
        if self.kind == SliKind.THRESHOLD:
            return bool(self.threshold_query and self.op) and self.value is not None
        return bool(self.good_query and self.total_query)


class SignOff(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="signoffs")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    comment = models.TextField(blank=True, default="")
    signed_at = models.DateTimeField(default=timezone.now)
    # Who entered it (the facilitator often records it for someone without an account).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant"], name="one_signoff_each")
        ]


class ParkingItem(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="parking")
    question = models.TextField(_("Open question"))
    owner = models.CharField(_("Who follows up"), max_length=150, blank=True, default="")
    resolved = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resolved", "id"]


class Feedback(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="feedback")
    author = models.CharField(_("From (optional)"), max_length=150, blank=True, default="")
    rating = models.PositiveSmallIntegerField(
        _("Rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    text = models.TextField(_("Feedback"), blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class Decision(models.TextChoices):
    PROMOTE = "promote", _("Promote to active")
    ADJUST = "adjust", _("Adjust the target")
    EXTEND = "extend", _("Extend the trial")
    RETIRE = "retire", _("Retire")


class TrialReview(models.Model):
    """The decision at the end of a trial: who decided what, and why."""

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="trial_reviews")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.TextField()
    old_target = models.FloatField(null=True, blank=True)
    new_target = models.FloatField(null=True, blank=True)
    old_end_on = models.DateField(null=True, blank=True)
    new_end_on = models.DateField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

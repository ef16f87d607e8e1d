"""Forms of the workshop pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO, Service
from ekkyo.workshops.exploration import MAX_DAYS, MAX_WINDOW_DAYS, MIN_DAYS, MIN_WINDOW_DAYS
from ekkyo.workshops.models import (
    SLI,
    DataSourceType,
    Decision,
    Feedback,
    Journey,
    ParkingItem,
    Participant,
    SliKind,
    Workshop,
)
from ekkyo.workshops.sli_types import TEMPLATES, Category, SliType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def ratio_of(percent: Decimal) -> float:
    # Through decimals: 99.9 / 100 in floats is 0.9990000000000001.
    return float(percent / 100)


class TargetField(forms.DecimalField):
    """A target typed as a percentage (``99.9``), cleaned to a ratio (``0.999``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Target (%)"))
        super().__init__(
            max_digits=9,
            decimal_places=6,
            min_value=Decimal("50"),
            max_value=Decimal("99.9999"),
            **kwargs,
        )
        self.widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def clean(self, value: Any) -> float | None:  # type: ignore[override]
        cleaned = super().clean(value)
        return None if cleaned is None else ratio_of(cleaned)


class WorkshopForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["service", "title", "held_on", "language"]
        widgets = {"held_on": DATE}
        labels = {"service": _("Product")}

    def __init__(self, *args: Any, team_ids: set[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = Service.objects.select_related("team").order_by("name")
        if team_ids is not None:
            services = services.filter(team_id__in=team_ids)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class BasicsForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["title", "held_on", "language"]
        widgets = {"held_on": DATE}


class ContextForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["users", "impact", "worth", "promises", "outages"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}
        help_texts = {
            "users": _("Customers, shop staff, partners… and when they use it."),
            "impact": _("What do they do instead? Do they call, wait, or leave?"),
            "worth": _("Sales per hour, orders per day, contracts, reputation."),
            "promises": _("Contracts, status pages, what the sales team says."),
            "outages": _("What broke, for how long, and what it cost."),
        }


class ParticipantForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        label=_("Account (optional)"),
    )

    class Meta:
        model = Participant
        fields = ["user", "name", "side", "role"]
        labels = {"name": _("Name (if no account)")}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("user") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose an account or write a name."))
        return data


class JourneyForm(forms.ModelForm):
    class Meta:
        model = Journey
        fields = ["name", "steps", "words"]
        widgets = {
            "steps": forms.Textarea(attrs={"rows": 4}),
            "words": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "steps": _("For example: search a product, put it in the basket, pay."),
            "words": _("What the business people said, as they said it."),
        }


class SliMenuForm(forms.Form):
    """Pick SLI types for a journey, each with its specification in plain words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in SliType.choices:
            self.fields[f"pick_{value}"] = forms.BooleanField(required=False, label=label)
            self.fields[f"spec_{value}"] = forms.CharField(
                required=False,
                max_length=1000,
                initial=str(TEMPLATES[value].specification),
                widget=forms.Textarea(attrs={"rows": 2}),
                label=_("Specification"),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.picked():
            raise forms.ValidationError(_("Pick at least one SLI type."))
        for value in self.picked_types():
            if not (data.get(f"spec_{value}") or "").strip():
                self.add_error(f"spec_{value}", _("Say in plain words what it measures."))
        return data

    def picked_types(self) -> list[str]:
        return [v for v, _label in SliType.choices if self.cleaned_data.get(f"pick_{v}")]

    def picked(self) -> list[tuple[str, str]]:
        return [(v, self.cleaned_data.get(f"spec_{v}", "").strip()) for v in self.picked_types()]

    def rows(self) -> list[dict[str, Any]]:
        """Fields grouped by category, for the template."""
        return [
            {
                "type": value,
                "label": label,
                "template": TEMPLATES[value],
                "category": Category(TEMPLATES[value].category).label,
                "pick": self[f"pick_{value}"],
                "spec": self[f"spec_{value}"],
            }
            for value, label in SliType.choices
        ]


class ImplementationForm(forms.ModelForm):
    class Meta:
        model = SLI
        fields = [
            "specification",
            "kind",
            "source",
            "data_source_ref",
            "good_query",
            "total_query",
            "threshold_query",
            "op",
            "value",
            "failure_modes",
            "stand_in",
        ]
        widgets = {
            "specification": forms.Textarea(attrs={"rows": 2}),
            "good_query": forms.Textarea(attrs={"rows": 2, "class": "code"}),
            "total_query": forms.Textarea(attrs={"rows": 2, "class": "code"}),
            "threshold_query": forms.Textarea(attrs={"rows": 2, "class": "code"}),
            "failure_modes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "data_source_ref": _("The OpenSLO DataSource with the server's address, if any."),
            "stand_in": _("An existing SLO whose data stands in until this SLI has its own."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stand_in"].queryset = SLO.objects.select_related(  # type: ignore[attr-defined]
            "service"
        ).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, source = data.get("kind"), data.get("source")
        if kind == SliKind.THRESHOLD:
            if not data.get("op"):
                self.add_error("op", _("Say when a value is good."))
            if data.get("value") is None:
                self.add_error("value", _("Give the threshold."))
            if source != DataSourceType.PUSH and not (data.get("threshold_query") or "").strip():
                self.add_error("threshold_query", _("Write the query."))
        elif source != DataSourceType.PUSH:
            for name in ("good_query", "total_query"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("Write the query."))
        return data


class ExploreForm(forms.Form):
    target = TargetField()
    window_days = forms.IntegerField(
        label=_("Window (days)"), min_value=MIN_WINDOW_DAYS, max_value=MAX_WINDOW_DAYS
    )
    days = forms.IntegerField(label=_("History (days)"), min_value=MIN_DAYS, max_value=MAX_DAYS)


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["revisit_on", "trial_days", "agreement_notes"]
        widgets = {"revisit_on": DATE, "agreement_notes": forms.Textarea(attrs={"rows": 3})}


AgreedSliFormSet = modelformset_factory(
    SLI,
    fields=["in_agreement", "slo_name", "reasoning"],
    extra=0,
    widgets={"reasoning": forms.Textarea(attrs={"rows": 2})},
    labels={"in_agreement": _("In the agreement")},
)


class SignForm(forms.Form):
    participant = forms.ModelChoiceField(queryset=Participant.objects.none(), label=_("Who signs"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, workshop: Workshop, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signed = workshop.signoffs.values_list("participant_id", flat=True)
        self.fields["participant"].queryset = (  # type: ignore[attr-defined]
            workshop.participants.exclude(pk__in=signed).select_related("user")
        )
        self.fields["participant"].label_from_instance = (  # type: ignore[attr-defined]
            lambda p: f"{p} ({p.get_side_display()})"
        )


class ParkingForm(forms.ModelForm):
    class Meta:
        model = ParkingItem
        fields = ["question", "owner"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2})}


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Feedback
        fields = ["rating", "text", "author"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class TrialReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why: the reason is kept in the audit trail.")},
    )
    new_target = TargetField(label=_("New target (%)"), required=False)
    new_end_on = forms.DateField(label=_("New end date"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if decision == Decision.ADJUST and data.get("new_target") is None:
            self.add_error("new_target", _("Give the new target."))
        if decision == Decision.EXTEND and data.get("new_end_on") is None:
            self.add_error("new_end_on", _("Give the new end date."))
        return data

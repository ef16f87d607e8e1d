"""Forms of the policy pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import Service
from ekkyo.policies.models import Policy, PolicyException, PolicyRule, RuleKind, Signer
from ekkyo.teams.models import Team

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NewPolicyForm(forms.ModelForm):
    """A new policy for one product, or for one team (all its products)."""

    class Meta:
        model = Policy
        fields = ["service", "team", "title", "language"]

    def __init__(self, *args: Any, editable_teams: set[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = Service.objects.select_related("team").order_by("name")
        teams = Team.objects.order_by("name")
        if editable_teams is not None:
            services = services.filter(team_id__in=editable_teams)
            teams = teams.filter(pk__in=editable_teams)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["service"].help_text = _("A policy for one product…")
        self.fields["team"].help_text = _("…or for every product of a team.")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("service")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose a product or a team, not both."))
        return data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "title",
            "language",
            "purpose",
            "exclusions",
            "escalation",
            "authors",
            "revisit_on",
        ]
        widgets = {
            "revisit_on": DATE,
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "exclusions": forms.Textarea(attrs={"rows": 3}),
            "escalation": forms.Textarea(attrs={"rows": 2}),
        }


class RuleForm(forms.ModelForm):
    class Meta:
        model = PolicyRule
        fields = ["kind", "threshold", "burn_window", "level", "action", "who"]
        widgets = {
            "action": forms.Textarea(attrs={"rows": 2}),
            "threshold": forms.NumberInput(attrs={"step": "any", "min": "0"}),
        }
        help_texts = {
            "threshold": _(
                "Budget shares as ratios (0.25 is 25%, 0 is an exhausted budget); burn rates "
                "as multiples of the even pace (2 spends the budget in half the window)."
            ),
            "burn_window": _("Only for burn-rate rules."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, threshold = data.get("kind"), data.get("threshold")
        share = kind in (RuleKind.REMAINING, RuleKind.INCIDENT)
        if share and threshold is not None and threshold > 1:
            self.add_error("threshold", _("A share of the budget is at most 1 (100%)."))
        return data


RuleFormSet = inlineformset_factory(
    Policy, PolicyRule, form=RuleForm, extra=1, can_delete=True, min_num=1, validate_min=True
)


class SignerForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("Account"),
    )

    class Meta:
        model = Signer
        fields = ["user", "name", "side"]
        help_texts = {"name": _("Or just a name, for people without an account.")}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("user") and not (data.get("name") or "").strip():
            raise forms.ValidationError(_("Choose an account or give a name."))
        return data


class SignForm(forms.Form):
    signer = forms.ModelChoiceField(queryset=Signer.objects.none(), label=_("Who signs"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        signed = policy.signoffs.values_list("signer_id", flat=True)
        field = self.fields["signer"]
        field.queryset = policy.signers.exclude(pk__in=signed).select_related("user")  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s} ({s.get_side_display()})"  # type: ignore[attr-defined]


class ExceptionForm(forms.ModelForm):
    class Meta:
        model = PolicyException
        fields = ["slo", "starts_at", "ends_at", "caused_by", "reason"]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"slo": _("Empty: every SLO of the policy.")}

    def __init__(self, policy: Policy, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slo"].queryset = policy.slos().order_by("name")  # type: ignore[attr-defined]
        self.fields["slo"].required = False
        self.fields["starts_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        self.fields["ends_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=2000)

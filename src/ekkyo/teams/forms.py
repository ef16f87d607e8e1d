"""Forms of the team pages: the Team API, interactions, thresholds, maturity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ekkyo.teams.models import (
    Interaction,
    MaturityItem,
    MaturityLevel,
    ScorecardSettings,
    Team,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TeamApiForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["focus", "provides", "channel", "topology_type", "sre_engagement"]
        labels = {"topology_type": _("Team type"), "sre_engagement": _("SRE engagement")}
        help_texts = {
            "provides": _("One per line: what other teams can use besides the products below."),
            "channel": _("A chat channel, mailing list or page."),
        }
        widgets = {
            "focus": forms.Textarea(attrs={"rows": 3}),
            "provides": forms.Textarea(attrs={"rows": 3}),
        }


class InteractionForm(forms.ModelForm):
    """An interaction of ``team`` with another team; ``team`` is on one of its ends."""

    class Meta:
        model = Interaction
        fields = [
            "from_team",
            "to_team",
            "mode",
            "purpose",
            "starts_on",
            "expected_end_on",
            "embedded_sre",
            "goal",
            "remind_days_before",
        ]
        widgets = {
            "starts_on": DATE,
            "expected_end_on": DATE,
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "goal": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "from_team": _(
                "For X-as-a-Service, the team that provides; for facilitating, the team that helps."
            ),
            "embedded_sre": _(
                "An SRE working inside the team for a while: a collaboration with an end "
                "date and a goal."
            ),
        }

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        if not self.instance.pk:
            self.fields["from_team"].initial = team.pk

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ends = {data.get("from_team"), data.get("to_team")}
        if self.team not in ends:
            raise forms.ValidationError(_("One of the two teams must be this team."))
        return data


class EndInteractionForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=DATE)


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = ScorecardSettings
        fields = [
            "coverage_min",
            "agreed_min",
            "active_min",
            "cadence_min",
            "self_led_min",
            "items_on_time_min",
            "lookback_days",
            "practising_min",
            "self_sufficient_min",
        ]
        labels = {
            "coverage_min": _("Share of products with SLOs"),
            "agreed_min": _("Share of SLOs agreed in a workshop"),
            "active_min": _("Share of SLOs active"),
            "cadence_min": _("Share of planned sessions held"),
            "self_led_min": _("Share of sessions led by the team"),
            "items_on_time_min": _("Share of action items closed on time"),
            "lookback_days": _("Look-back period (days)"),
            "practising_min": _("Score for “practising”"),
            "self_sufficient_min": _("Score for “self-sufficient”"),
        }
        help_texts = {
            name: _("A share from 0 to 1 (0.75 is 75%).")
            for name in (
                "coverage_min",
                "agreed_min",
                "active_min",
                "cadence_min",
                "self_led_min",
                "items_on_time_min",
                "practising_min",
                "self_sufficient_min",
            )
        }
        widgets = {
            name: forms.NumberInput(attrs={"step": "0.05", "min": "0", "max": "1"})
            for name in (
                "coverage_min",
                "agreed_min",
                "active_min",
                "cadence_min",
                "self_led_min",
                "items_on_time_min",
                "practising_min",
                "self_sufficient_min",
            )
        }


class MaturityForm(forms.Form):
    """One level per active item, plus the date and notes of the assessment."""

    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        items: list[MaturityItem],
        levels: list[MaturityLevel],
        language: str = "en",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        choices = [
            (
                lv.number,
                f"{lv.number}. {lv.name_ja if language == 'ja' and lv.name_ja else lv.name}",
            )
            for lv in levels
        ]
        for item in items:
            title = item.title_ja if language == "ja" and item.title_ja else item.title
            self.fields[f"item_{item.key}"] = forms.TypedChoiceField(
                label=title, choices=choices, coerce=int, help_text=item.description
            )

    def ratings(self) -> list[tuple[MaturityItem, int]]:
        return [(item, self.cleaned_data[f"item_{item.key}"]) for item in self.items]

"""Forms of the review pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import SLO
from ekkyo.reviews.cadence import Cadence, CadenceError, zone
from ekkyo.reviews.models import (
    LANGUAGES,
    ActionItem,
    EntryKind,
    ItemStatus,
    ReviewSeries,
    web_url,
)
from ekkyo.teams.models import Team

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
ACTION = "action"
CAPTURE_KINDS = [
    (EntryKind.NOTE, _("Note")),
    (EntryKind.FINDING, _("Finding")),
    (ACTION, _("Action item")),
    (EntryKind.TASK, _("Recent task")),
    (EntryKind.RELEASE, _("Release")),
    (EntryKind.SHARE, _("Something to share")),
]


class DateInput(forms.DateInput):
    input_type = "date"


def parse_links(text: str) -> list[tuple[str, str]]:
    """``Title https://…`` (or a bare address) per line → ``[(title, url)]``."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        title, _sep, url = line.rpartition(" ")
        try:
            web_url(url)
        except ValidationError:
            raise ValidationError(
                _("Line %(line)s: end the line with an http or https address."),
                params={"line": number},
            ) from None
        out.append((title.strip() or url, url))
    return out


class SeriesForm(forms.ModelForm):
    """A series; its first start is wall-clock time in the series' own time zone."""

    first_start = forms.CharField(
        label=_("First session"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Local time in the series' time zone."),
    )
    dashboards = forms.CharField(
        label=_("Dashboards"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: a title, then its http(s) address (New Relic, Grafana, …)."),
    )

    class Meta:
        model = ReviewSeries
        fields = [
            "name",
            "slug",
            "teams",
            "description",
            "rrule",
            "time_zone",
            "duration_minutes",
            "language",
            "location",
            "slos",
            "rotate_facilitator",
            "notification_target",
        ]
        labels = {
            "name": _("Name"),
            "slug": _("Short name (in addresses)"),
            "teams": _("Teams"),
            "description": _("Description"),
            "rrule": _("Cadence (RRULE)"),
            "time_zone": _("Time zone"),
            "duration_minutes": _("Length in minutes"),
            "language": _("Language of agenda and minutes"),
            "location": _("Where (room or meeting link)"),
            "slos": _("SLOs to look at"),
            "rotate_facilitator": _("Rotate the facilitator among the team members"),
            "notification_target": _("Send the agenda to (notification target name)"),
        }
        help_texts = {
            "rrule": _("RFC 5545, e.g. FREQ=WEEKLY;BYDAY=WE or FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"),
            "slos": _("Leave empty to look at every SLO of the teams."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, editable_teams: set[int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.editable_teams = editable_teams
        self.fields["teams"].queryset = Team.objects.order_by("name")
        self.fields["slos"].queryset = SLO.objects.order_by("name")
        self.fields["slos"].required = False
        self.fields["language"].choices = LANGUAGES
        if self.instance.pk:
            tz = zone(self.instance.time_zone)
            local = self.instance.first_starts_at.astimezone(tz)
            self.initial["first_start"] = local.strftime(LOCAL_FORMAT)
            self.initial["dashboards"] = "\n".join(
                f"{link.title} {link.url}" for link in self.instance.links.all()
            )

    def clean_teams(self) -> Any:
        teams = self.cleaned_data["teams"]
        if self.editable_teams is not None and not {t.pk for t in teams} <= self.editable_teams:
            raise ValidationError(_("Choose only teams you are a member of."))
        return teams

    def clean_dashboards(self) -> list[tuple[str, str]]:
        return parse_links(self.cleaned_data.get("dashboards") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text, name = data.get("first_start"), data.get("time_zone")
        if not text or not name:
            return data
        try:
            wall = datetime.strptime(text, LOCAL_FORMAT)
        except ValueError:
            self.add_error("first_start", _("Enter a date and time."))
            return data
        try:
            starts = wall.replace(tzinfo=ZoneInfo(name))
            Cadence(data.get("rrule") or "", starts, name)
        except CadenceError as exc:
            field, _sep, message = str(exc).partition(": ")
            self.add_error(field if field in {"rrule", "time_zone"} else None, message)
            return data
        except (ValueError, KeyError):
            self.add_error("time_zone", _("Unknown time zone."))
            return data
        self.instance.first_starts_at = starts
        return data


class CaptureForm(forms.Form):
    """A note, finding, topic or action item captured in a session without leaving it."""

    kind = forms.ChoiceField(label=_("What"), choices=CAPTURE_KINDS)
    text = forms.CharField(label=_("Text"), max_length=4000, strip=True)
    topic = forms.CharField(required=False, max_length=32)
    slo = forms.ModelChoiceField(
        label=_("SLO"), queryset=SLO.objects.none(), required=False, to_field_name="name"
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, to_field_name="slug"
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.none(),
        required=False,
        to_field_name="username",
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    external_url = forms.CharField(
        label=_("Issue link"), required=False, max_length=1000, validators=[web_url]
    )
    alert_ref = forms.CharField(required=False, max_length=200)

    def __init__(self, series: ReviewSeries, *args: Any, slos: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        teams = series.teams.order_by("name")
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(memberships__team__in=teams).distinct()
        ).order_by("username")
        self.fields["slo"].queryset = slos if slos is not None else SLO.objects.all()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == ACTION and not data.get("team"):
            teams = list(self.fields["team"].queryset[:2])
            if len(teams) == 1:
                data["team"] = teams[0]
            else:
                self.add_error("team", _("Choose the team that owns the action item."))
        return data


class ItemForm(forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["title", "details", "team", "owner", "due_on", "status", "external_url"]
        labels = {
            "title": _("Title"),
            "details": _("Details"),
            "team": _("Team"),
            "owner": _("Owner"),
            "due_on": _("Due"),
            "status": _("Status"),
            "external_url": _("Issue link (GitHub, Jira, Backlog…)"),
        }
        widgets = {"due_on": DateInput, "details": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, editable_teams: set[int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        teams = Team.objects.order_by("name")
        if editable_teams is not None:
            teams = teams.filter(pk__in=editable_teams)
        self.fields["team"].queryset = teams
        self.fields["owner"].queryset = get_user_model().objects.order_by("username")
        self.fields["owner"].label_from_instance = lambda u: u.get_username()
        self.fields["status"].choices = ItemStatus.choices


TRIAGE_KEEP = ""


class TriageForm(forms.Form):
    """Several items at once: a new status, owner or due date for each one chosen."""

    items = forms.ModelMultipleChoiceField(
        queryset=ActionItem.objects.all(),
        error_messages={"required": _("Choose at least one action item.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(TRIAGE_KEEP, _("(keep)")), *ItemStatus.choices],
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        to_field_name="username",
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    session = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {}
        if data.get("status"):
            out["status"] = data["status"]
        if data.get("owner") is not None:
            out["owner"] = data["owner"]
        if data.get("due_on") is not None:
            out["due_on"] = data["due_on"]
        return out


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Who came"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        to_field_name="username",
        widget=forms.CheckboxSelectMultiple,
    )


class FacilitatorForm(forms.Form):
    facilitator = forms.ModelChoiceField(
        label=_("Facilitator"),
        queryset=get_user_model().objects.order_by("username"),
        required=False,
        to_field_name="username",
    )

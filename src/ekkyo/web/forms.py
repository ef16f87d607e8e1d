"""Forms of the web pages."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ekkyo.catalog.models import TRANSITIONS, Lifecycle


class LifecycleForm(forms.Form):
    """Move an SLO to one of the lifecycle states its current state allows, with a reason."""

    to_state = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the audit trail: who, when and why."),
        error_messages={"required": _("Say why: the reason is kept in the audit trail.")},
    )

    def __init__(self, current: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Lifecycle.choices)
        allowed = sorted(TRANSITIONS.get(current, frozenset()), key=Lifecycle.values.index)
        self.fields["to_state"].choices = [(state, labels[state]) for state in allowed]


@functools.cache
def zone_names() -> tuple[str, ...]:
    # Sorted IANA names; "Factory" and the legacy aliases without a slash are left out
    # because nobody picks them on purpose.  Cached: listing them walks the tz database's
    # files, some 40 ms each time.
    return tuple(sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"))


def time_zone_choices() -> list[tuple[str, str]]:
    return [("", _("Default"))] + [(n, n) for n in zone_names()]


class ProfileForm(forms.Form):
    """The reader's time zone (stored on the profile) and language (a cookie, as the switcher)."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_(
            "Dates and charts are shown in this zone. Default: Asia/Tokyo when the pages are "
            "in Japanese, else the site's zone."
        ),
    )
    language = forms.ChoiceField(label=_("Language"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["language"].choices = [
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ]

    def clean_time_zone(self) -> str:
        name = str(self.cleaned_data.get("time_zone") or "")
        if not name:
            return ""
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError(
                _("%(zone)s is not a known time zone."), params={"zone": name}
            ) from None
        return name


class TokenForm(forms.Form):
    label = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        strip=True,
        help_text=_("What the token is for, e.g. “CI pushes” or “Grafana”."),
    )

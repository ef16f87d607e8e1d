"""Forms of the web pages."""

from __future__ import annotations

from typing import Any

from django import forms
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

"""The scorecard in words: what each check asks, why it passes or fails, what fixes it.

:mod:`ekkyo.teams.scorecard` returns codes and numbers; this module words them in the
active language and turns each ``fix`` code into a link to the page that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ekkyo.teams.scorecard import FAIL, NOT_APPLICABLE, PASS, Check

TITLES = {
    "slo_coverage": gettext_lazy("Products with SLOs"),
    "agreed": gettext_lazy("SLOs agreed with the business"),
    "active": gettext_lazy("SLOs in active operation"),
    "alert_routing": gettext_lazy("Alerts reach the team"),
    "cadence": gettext_lazy("Viewing sessions on cadence"),
    "self_led": gettext_lazy("Sessions led by the team itself"),
    "items_on_time": gettext_lazy("Action items closed on time"),
    "policy_in_place": gettext_lazy("Error budget policy in place"),
    "policy_revisited": gettext_lazy("Error budget policy revisited on time"),
}

LEVELS = {
    "foundation": gettext_lazy("Foundation"),
    "practising": gettext_lazy("Practising"),
    "self-sufficient": gettext_lazy("Self-sufficient"),
}

STATUS = {
    PASS: gettext_lazy("Passes"),
    FAIL: gettext_lazy("Fails"),
    NOT_APPLICABLE: gettext_lazy("Does not apply"),
}


@dataclass(frozen=True)
class Fix:
    url: str
    label: str


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _list(names: Any) -> str:
    return ", ".join(str(n) for n in names or [])


def reason(check: Check) -> str:
    """One sentence: what was counted and against which threshold."""
    d = dict(check.detail)
    need = pct(check.threshold)
    r = check.reason
    if r == "no_products":
        return _("The team owns no product in the catalog yet.")
    if r == "coverage":
        text = _("%(covered)s of %(total)s products have an SLO (%(share)s; needed: %(need)s).") % {
            "covered": d["covered"],
            "total": d["total"],
            "share": pct(check.value),
            "need": need,
        }
        if d.get("missing"):
            text += " " + _("Without: %(names)s.") % {"names": _list(d["missing"])}
        return text
    if r == "no_slos":
        return _("The team has no SLOs yet.")
    if r == "agreed":
        text = _(
            "%(agreed)s of %(total)s SLOs were signed off in a workshop (%(share)s; needed: "
            "%(need)s)."
        ) % {"agreed": d["agreed"], "total": d["total"], "share": pct(check.value), "need": need}
        if d.get("not_agreed") and check.status == FAIL:
            text += " " + _("Not agreed: %(names)s.") % {"names": _list(d["not_agreed"])}
        return text
    if r == "active":
        text = _("%(active)s of %(total)s SLOs are active (%(share)s; needed: %(need)s).") % {
            "active": d["active"],
            "total": d["total"],
            "share": pct(check.value),
            "need": need,
        }
        if d.get("trial"):
            text += " " + _("In trial: %(names)s.") % {"names": _list(d["trial"])}
        if d.get("draft"):
            text += " " + _("Draft: %(names)s.") % {"names": _list(d["draft"])}
        return text
    if r == "own_targets":
        return (
            ngettext(
                "%(count)s notification target of the team's own receives its alerts.",
                "%(count)s notification targets of the team's own receive its alerts.",
                d["count"],
            )
            % d
        )
    if r == "no_own_targets":
        return _(
            "The team has no notification target of its own: its alerts reach only the SRE "
            "catch-all, if anyone."
        )
    if r == "no_series":
        return _("The team has no dashboard viewing session series.")
    if r == "no_slots_yet":
        return _("The team's series has planned no session yet in the period.")
    if r == "cadence":
        return _(
            "%(held)s of %(expected)s planned sessions were held in the last %(days)s days "
            "(%(share)s; needed: %(need)s)."
        ) % {**d, "share": pct(check.value), "need": need}
    if r == "none_held":
        return _("No viewing session was held in the period.")
    if r == "self_led":
        return _(
            "%(self_led)s of %(held)s sessions were facilitated by the team itself "
            "(%(share)s; needed: %(need)s)."
        ) % {**d, "share": pct(check.value), "need": need}
    if r == "none_due":
        return _("No action item fell due in the last %(days)s days.") % d
    if r == "items_on_time":
        text = _(
            "%(on_time)s of %(due)s action items due were closed by their due date "
            "(%(share)s; needed: %(need)s)."
        ) % {**d, "share": pct(check.value), "need": need}
        if d.get("late") and check.status == FAIL:
            text += " " + _("Late: %(names)s.") % {"names": _list(d["late"])}
        return text
    if r == "no_active_slos":
        return _("No active SLO yet: a policy applies once SLOs leave their trial.")
    if r == "policies":
        if not d.get("missing"):
            return _("Every product with active SLOs has an approved policy.")
        return _("No approved error budget policy for: %(names)s.") % {"names": _list(d["missing"])}
    if r == "no_policy":
        return _("No approved policy to revisit yet.")
    if r == "revisits":
        if not d.get("overdue"):
            return _("Every approved policy has a revisit date still ahead.")
        parts = [
            f"{o['product']} ({o['revisit_on'] or _('no date')})" for o in d.get("overdue", [])
        ]
        return _("Revisit overdue: %(names)s.") % {"names": ", ".join(parts)}
    return r


def fix(check: Check, team_slug: str) -> Fix | None:
    """The page that makes a failing check pass, or ``None`` when it passes."""
    if not check.fix:
        return None
    d = dict(check.detail)
    if check.fix == "add_product":
        # Products come from OpenSLO files (`ekkyo import`); the team page says how.
        return Fix(reverse("team", args=[team_slug]), _("Add a product to the catalog"))
    if check.fix == "run_workshop":
        return Fix(reverse("workshops:new"), _("Hold an SLI/SLO workshop"))
    if check.fix == "review_trials":
        return Fix(reverse("workshops:trials"), _("Review the trial SLOs"))
    if check.fix == "add_target":
        return Fix(
            reverse("admin:alerting_notificationtarget_add"),
            _("Add a notification target for the team"),
        )
    if check.fix == "start_series":
        return Fix(reverse("reviews:series-new"), _("Start a viewing session series"))
    if check.fix == "hold_sessions":
        return Fix(reverse("reviews:index"), _("Plan the next sessions"))
    if check.fix == "rotate_facilitator":
        return Fix(reverse("reviews:index"), _("Let team members facilitate (rotation)"))
    if check.fix == "triage_items":
        query = urlencode({"team": team_slug, "show": "open", "overdue": "1"})
        return Fix(reverse("reviews:inventory") + "?" + query, _("Triage the overdue items"))
    if check.fix == "write_policy":
        missing = d.get("missing") or []
        query = "?" + urlencode({"product": missing[0]}) if missing else ""
        return Fix(reverse("policies:new") + query, _("Write an error budget policy"))
    if check.fix == "revisit_policy":
        return Fix(
            reverse("policies:list") + "?" + urlencode({"team": team_slug}),
            _("Revisit the policy with the business"),
        )
    return None


def describe(check: Check, team_slug: str) -> dict[str, Any]:
    """A check as pages and JSON show it: the pure fields, title, words and fix link."""
    link = fix(check, team_slug)
    return {
        **check.as_dict(),
        "title": str(TITLES.get(check.key, check.key)),
        "status_label": str(STATUS.get(check.status, check.status)),
        "text": reason(check),
        "fix_url": link.url if link else "",
        "fix_label": link.label if link else "",
    }

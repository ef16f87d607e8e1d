"""``/reviews/items/``: the inventory (棚卸し) of action items, one item, bulk triage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import editable_team_ids
from ekkyo.reviews import services
from ekkyo.reviews.forms import ItemForm, TriageForm
from ekkyo.reviews.models import CLOSED_STATUSES, OPEN_STATUSES, ActionItem, ReviewSession
from ekkyo.reviews.permissions import can_edit_item
from ekkyo.reviews.presenters import item_json, session_items
from ekkyo.reviews.views.common import forbidden, safe_next
from ekkyo.teams.models import Team
from ekkyo.web.views.common import json_twin, page, wants_json

SHOW = ("open", "closed", "all")


@dataclass(frozen=True)
class Filters:
    team: str = ""
    show: str = "open"
    no_owner: bool = False
    overdue: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        show = query.get("show", "open")
        return cls(
            team=query.get("team", "").strip(),
            show=show if show in SHOW else "open",
            no_owner=query.get("no_owner") == "1",
            overdue=query.get("overdue") == "1",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "show": self.show,
            "no_owner": self.no_owner,
            "overdue": self.overdue,
        }


def _today(request: HttpRequest) -> date:
    return timezone.localdate(timezone.now(), request.zone)  # type: ignore[attr-defined]


def _age(item: ActionItem, request: HttpRequest) -> int:
    """Whole days since the item was opened, in the reader's calendar."""
    opened = timezone.localdate(item.created_at, request.zone)  # type: ignore[attr-defined]
    return max(0, (_today(request) - opened).days)


def _filtered(filters: Filters, today: date) -> QuerySet[ActionItem]:
    rows = ActionItem.objects.select_related("team", "owner", "slo", "session__series")
    if filters.show == "open":
        rows = rows.filter(status__in=OPEN_STATUSES)
    elif filters.show == "closed":
        rows = rows.filter(status__in=CLOSED_STATUSES)
    if filters.team:
        rows = rows.filter(team__slug=filters.team)
    if filters.no_owner:
        rows = rows.filter(owner__isnull=True)
    if filters.overdue:
        rows = rows.filter(due_on__lt=today, status__in=OPEN_STATUSES)
    return rows.order_by("team__name", "created_at", "id")


def _summary(today: date) -> list[dict[str, Any]]:
    """Per team: open items, overdue ones, ones without owner, and the oldest's age."""
    out: dict[str, dict[str, Any]] = {}
    for item in ActionItem.objects.filter(status__in=OPEN_STATUSES).select_related("team"):
        row = out.setdefault(
            item.team.slug,
            {"team": item.team, "open": 0, "overdue": 0, "no_owner": 0, "oldest_days": 0},
        )
        row["open"] += 1
        row["overdue"] += int(item.due_on is not None and item.due_on < today)
        row["no_owner"] += int(item.owner_id is None)
        row["oldest_days"] = max(row["oldest_days"], (today - item.created_at.date()).days)
    return sorted(out.values(), key=lambda r: r["team"].name)


@page
def inventory(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    filters = Filters.from_query(request.GET)
    today = _today(request)
    items = list(_filtered(filters, today))
    for item in items:
        item.age_days = _age(item, request)  # type: ignore[attr-defined]
    summary = _summary(today)
    if as_json or wants_json(request):
        return json_twin(
            {
                "filters": filters.as_dict(),
                "today": today.isoformat(),
                "summary": [
                    {k: (v.slug if k == "team" else v) for k, v in row.items()} for row in summary
                ],
                "items": [
                    {
                        **item_json(i),
                        "age_days": i.age_days,  # type: ignore[attr-defined]
                        "overdue": i.is_open and i.due_on is not None and i.due_on < today,
                    }
                    for i in items
                ],
            }
        )
    editable = editable_team_ids(request.user)
    return render(
        request,
        "reviews/inventory.html",
        {
            "items": items,
            "summary": summary,
            "filters": filters,
            "teams": Team.objects.order_by("name"),
            "today": today,
            "can_triage": editable is None or bool(editable),
            "triage": TriageForm(),
        },
    )


@page
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        ActionItem.objects.select_related("team", "owner", "slo", "session__series"), pk=pk
    )
    can_edit = can_edit_item(request.user, item)
    form = None
    status = 200
    if request.method == "POST":
        if not can_edit:
            return forbidden(request)
        form = ItemForm(request.POST, instance=item, editable_teams=editable_team_ids(request.user))
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            fresh = ActionItem.objects.get(pk=item.pk)
            services.change_item(fresh, actor=request.user, now=timezone.now(), **fields)
            messages.success(request, _("Saved."))
            return redirect("reviews:item", pk=item.pk)
        status = 400
    elif can_edit:
        form = ItemForm(instance=item, editable_teams=editable_team_ids(request.user))
    changes = list(item.changes.select_related("session", "actor").order_by("-at", "-id"))
    return render(
        request,
        "reviews/item.html",
        {"item": item, "form": form, "can_edit": can_edit, "changes": changes},
        status=status,
    )


@require_POST
@page
def triage(request: HttpRequest) -> HttpResponse:
    """Bulk triage: the chosen items get the new status, owner or due date.

    Items the user may not change refuse the whole request (403): nothing is half-done.
    """
    form = TriageForm(request.POST)
    fallback = reverse("reviews:inventory")
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(safe_next(request, fallback))
    items = list(form.cleaned_data["items"].select_related("team"))
    if not all(can_edit_item(request.user, item) for item in items):
        return forbidden(request)
    session = None
    if form.cleaned_data.get("session"):
        session = ReviewSession.objects.filter(pk=form.cleaned_data["session"]).first()
    changes = form.changes()
    now = timezone.now()
    changed = 0
    for item in items:
        if services.change_item(item, actor=request.user, now=now, session=session, **changes):
            changed += 1
    if request.htmx and session is not None:
        return render(
            request,
            "reviews/_session_items.html",
            {"items": list(session_items(session)), "session": session, "can_edit": True},
        )
    text = ngettext("%(count)s action item changed.", "%(count)s action items changed.", changed)
    messages.success(request, text % {"count": changed})
    return redirect(safe_next(request, fallback))

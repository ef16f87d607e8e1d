"""``/slos/<name>``: one SLO's numbers, charts, spec, versions and lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import can_edit_team
from ekkyo.catalog.models import SLO
from ekkyo.catalog.services import CatalogError, diff_versions, to_yaml, transition
from ekkyo.engine import ALERT_RULES, BURN_WINDOW_NAMES
from ekkyo.engine import slo_window as engine_slo_window
from ekkyo.web.alert_history import alert_episodes, backtest_slo, chart_annotations
from ekkyo.web.charts import DEFAULT_DAYS, as_tables, chart_data, parse_days
from ekkyo.web.forms import LifecycleForm
from ekkyo.web.objectives import SpecObjective, objectives_of
from ekkyo.web.plain import plain_line
from ekkyo.web.views.common import json_twin, page
from ekkyo.worker.models import SLOStatus

DAY_CHOICES = (7, 30, 90)


@dataclass
class BurnCheck:
    window: str
    rate: float | None
    factor: float

    @property
    def over(self) -> bool:
        return self.rate is not None and self.rate > self.factor


@dataclass
class RuleRow:
    severity: str
    long: BurnCheck
    short: BurnCheck

    @property
    def firing(self) -> bool:
        return self.long.over and self.short.over


@dataclass
class ObjectiveView:
    spec: SpecObjective
    status: SLOStatus | None
    length_s: int | None
    plain: str = ""
    rules: list[RuleRow] = field(default_factory=list)
    burn_rates: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def result(self) -> dict[str, Any]:
        return self.status.result if self.status else {}


def _slo_or_404(name: str) -> SLO:
    return get_object_or_404(SLO.objects.select_related("service__team"), name=name)


def _objective_views(slo: SLO, now_s: int) -> list[ObjectiveView]:
    statuses = {s.objective_index: s for s in slo.statuses.all()}
    views = []
    for spec in objectives_of(slo.spec):
        status = statuses.get(spec.index)
        result = status.result if status else {}
        length = (result.get("window") or {}).get("length_s")
        if length is None and spec.objective is not None:
            length = engine_slo_window(spec.objective.window, now_s // 60 * 60).length_s
        view = ObjectiveView(spec, status, length)
        if spec.target is not None and length:
            view.plain = plain_line(
                spec.target, int(length), spec.window_text, spec.rolling, spec.event_kind
            )
        rates = result.get("burn_rates") or {}
        view.burn_rates = [(name, rates.get(name)) for name in BURN_WINDOW_NAMES]
        if length:
            for rule in ALERT_RULES:
                factor = rule.factor(int(length))
                view.rules.append(
                    RuleRow(
                        rule.severity,
                        BurnCheck(rule.long_window, rates.get(rule.long_window), factor),
                        BurnCheck(rule.short_window, rates.get(rule.short_window), factor),
                    )
                )
        views.append(view)
    return views


def chart_labels() -> dict[str, str]:
    """Words the chart script shows, in the reader's language."""
    return {
        "sli": _("SLI"),
        "target": _("Target"),
        "remaining": _("Budget remaining"),
        "even": _("Even spending"),
        "burn": _("Burn rate"),
        "page": _("Page"),
        "ticket": _("Ticket"),
        "failed": _("The charts could not be loaded. The numbers are still in the tables below."),
        "drawn": _("Times are in %(zone)s."),
    }


def _days(request: HttpRequest) -> int:
    try:
        return parse_days(request.GET.get("days"))
    except ValueError:
        return DEFAULT_DAYS


def _render(
    request: HttpRequest, slo: SLO, form: LifecycleForm | None = None, status: int = 200
) -> HttpResponse:
    now_s = int(timezone.now().timestamp())
    can_edit = can_edit_team(request.user, slo.service.team)
    versions = list(slo.versions.select_related("slo", "created_by").order_by("-number"))
    history = [
        {"version": v, "diff": diff_versions(versions[i + 1], v) if i + 1 < len(versions) else ""}
        for i, v in enumerate(versions)
    ]
    if can_edit and form is None:
        form = LifecycleForm(slo.lifecycle)
    context = {
        "slo": slo,
        "team": slo.service.team,
        "objectives": _objective_views(slo, now_s),
        "spec_yaml": to_yaml(slo.spec),
        "history": history,
        "transitions": list(slo.transitions.select_related("actor").order_by("-at", "-id")),
        "can_edit": can_edit,
        "form": form if can_edit else None,
        "days": _days(request),
        "day_choices": DAY_CHOICES,
        "chart_labels": chart_labels(),
        "alert_history": alert_episodes(slo, request.zone),  # type: ignore[attr-defined]
    }
    return render(request, "web/slo.html", context, status=status)


@page
def slo_page(request: HttpRequest, name: str) -> HttpResponse:
    return _render(request, _slo_or_404(name))


@require_POST
@page
def slo_lifecycle(request: HttpRequest, name: str) -> HttpResponse:
    slo = _slo_or_404(name)
    if not can_edit_team(request.user, slo.service.team):
        raise PermissionDenied(_("Only members of the owning team and admins can do this."))
    form = LifecycleForm(slo.lifecycle, request.POST)
    if not form.is_valid():
        return _render(request, slo, form, status=400)
    try:
        transition(
            slo,
            form.cleaned_data["to_state"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except CatalogError as exc:
        form.add_error("to_state", str(exc))
        return _render(request, slo, form, status=409)
    messages.success(request, _("The SLO is now %(state)s.") % {"state": _state_label(form)})
    return redirect("slo", name=slo.name)


def _state_label(form: LifecycleForm) -> str:
    return str(dict(form.fields["to_state"].choices)[form.cleaned_data["to_state"]])


def _chart(request: HttpRequest, name: str) -> tuple[SLO, dict[str, Any] | None, str]:
    slo = _slo_or_404(name)
    try:
        days = parse_days(request.GET.get("days"))
    except ValueError as exc:
        return slo, None, str(exc)
    results = {s.objective_index: s.result for s in slo.statuses.all()}
    now_s = int(timezone.now().timestamp())
    zone = request.zone  # type: ignore[attr-defined]
    data = chart_data(slo.pk, slo.name, slo.spec, results, days, now_s, zone)
    # Marks over the charts' span, ending where the latest chart ends.
    ends = [o["evaluated_at"] for o in data["objectives"] if "evaluated_at" in o]
    end = max((datetime.fromisoformat(e) for e in ends), default=None)
    end = end or datetime.fromtimestamp(now_s // 60 * 60, UTC)
    data["annotations"] = chart_annotations(slo, end - timedelta(days=days), end, zone)
    data["alert_history"] = alert_episodes(slo, zone)
    return slo, data, ""


@page
def slo_chart(request: HttpRequest, name: str) -> HttpResponse:
    _slo, data, error = _chart(request, name)
    if data is None:
        return json_twin({"error": {"code": "invalid_days", "message": error}}, status=400)
    return json_twin(data)


@page
def slo_chart_table(request: HttpRequest, name: str) -> HttpResponse:
    """The chart data as tables (an htmx fragment): every chart readable as numbers."""
    slo, data, error = _chart(request, name)
    if data is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    chart = {
        "time_zone": data["time_zone"],
        "objectives": as_tables(data),
        "annotations": data["annotations"],
    }
    return render(request, "web/_chart_tables.html", {"slo": slo, "chart": chart})


@page
def slo_backtest(request: HttpRequest, name: str) -> HttpResponse:
    """Which alerts the stored history would have raised (an htmx fragment; ``?format=json``)."""
    slo = _slo_or_404(name)
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 0
    if days not in DAY_CHOICES:
        message = _("Choose a period of 7, 30 or 90 days.")
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    results = {s.objective_index: s.result for s in slo.statuses.all()}
    found = backtest_slo(slo, days, results, int(timezone.now().timestamp()))
    if request.GET.get("format") == "json":
        return json_twin({"slo": slo.name, "days": days, "results": found})
    return render(request, "web/_backtest.html", {"slo": slo, "days": days, "results": found})

"""Target exploration for one SLI: history, attainment, budget, alerts, business terms.

The page's form asks for the results again with htmx whenever the candidate changes; the
same numbers are the JSON twin ``explore.json``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.web.plain import format_target
from ekkyo.web.views.common import json_twin, page
from ekkyo.workshops.exploration import Exploration
from ekkyo.workshops.forms import ExploreForm
from ekkyo.workshops.history import Source, explore_sli, source_of
from ekkyo.workshops.models import SLI, Workshop
from ekkyo.workshops.svg import line_chart
from ekkyo.workshops.views.common import (
    can_edit,
    require_edit,
    sli_or_404,
    step_page,
    workshop_or_404,
)

DEFAULT_TARGET = 0.999
DEFAULT_DAYS = 90


def _initial(sli: SLI) -> dict[str, Any]:
    target = sli.target if sli.target is not None else DEFAULT_TARGET
    return {
        "target": format_target(target).rstrip("%"),
        "window_days": sli.window_days,
        "days": DEFAULT_DAYS,
    }


def _form(request: HttpRequest, sli: SLI) -> ExploreForm:
    data = {**_initial(sli), **{k: v for k, v in request.GET.items() if k in _initial(sli)}}
    return ExploreForm(data)


def _run(
    request: HttpRequest, sli: SLI
) -> tuple[ExploreForm, Source | None, str, Exploration | None]:
    form = _form(request, sli)
    source, problem = source_of(sli)
    if source is None or not form.is_valid():
        return form, source, problem, None
    now_s = int(timezone.now().timestamp())
    result = explore_sli(
        source,
        target=form.cleaned_data["target"],
        window_days=form.cleaned_data["window_days"],
        days=form.cleaned_data["days"],
        now_s=now_s,
    )
    return form, source, "", result


def _charts(result: Exploration) -> dict[str, Any]:
    target = format_target(result.target)
    return {
        "sli": line_chart(
            result.daily_sli,
            reference=result.target,
            reference_label=_("Target %(target)s") % {"target": target},
            label=_("SLI per day against the target"),
            percent_digits=3,
        ),
        "remaining": line_chart(
            result.daily_remaining,
            reference=0.0,
            reference_label=_("Budget spent"),
            label=_("Error budget left at the end of each day"),
            percent_digits=0,
            floor=-1.0,
        ),
    }


def _days_table(result: Exploration) -> list[dict[str, Any]]:
    return [
        {
            "day": dt.datetime.fromtimestamp(t - 60, dt.UTC),
            "sli": s,
            "remaining": r,
        }
        for t, s, r in zip(result.daily_ends, result.daily_sli, result.daily_remaining, strict=True)
    ]


def _context(workshop: Workshop, sli: SLI, request: HttpRequest) -> dict[str, Any]:
    form, source, problem, result = _run(request, sli)
    return {
        "sli": sli,
        "form": form,
        "source": source,
        "problem": problem,
        "result": result,
        "charts": _charts(result) if result else None,
        "days_table": _days_table(result) if result else [],
        "starts": _alert_starts(result) if result else [],
    }


def _alert_starts(result: Exploration) -> list[dict[str, Any]]:
    rows = []
    for rule in result.rules:
        for start in rule.starts[:20]:
            rows.append(
                {
                    "severity": rule.severity,
                    "windows": f"{rule.long_window} / {rule.short_window}",
                    "at": dt.datetime.fromtimestamp(start, dt.UTC),
                }
            )
    return sorted(rows, key=lambda r: r["at"])[:40]


@page
def explore(request: HttpRequest, pk: int, sli_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    sli = sli_or_404(workshop, sli_id)
    context = _context(workshop, sli, request)
    if request.htmx:
        return render(
            request,
            "workshops/_explore_results.html",
            {"workshop": workshop, "can_edit": can_edit(request, workshop), **context},
        )
    return step_page(request, workshop, "slis", "workshops/explore.html", context)


@page
def explore_json(request: HttpRequest, pk: int, sli_id: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    sli = sli_or_404(workshop, sli_id)
    form, source, problem, result = _run(request, sli)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return json_twin({"error": {"code": "invalid_candidate", "fields": errors}}, status=400)
    body: dict[str, Any] = {
        "sli": sli.pk,
        "source": source.slo.name if source else None,
        "problem": problem or None,
        "exploration": result.as_dict() if result else None,
    }
    return json_twin(body)


@require_POST
@page
def choose_target(request: HttpRequest, pk: int, sli_id: int) -> HttpResponse:
    """Keep the candidate as the SLI's target, with the numbers that supported it."""
    workshop = workshop_or_404(pk)
    require_edit(request, workshop)
    sli = sli_or_404(workshop, sli_id)
    form = ExploreForm(request.POST)
    if sli.slo_id is not None or not form.is_valid():
        messages.error(request, _("The target could not be kept."))
        return redirect("workshops:explore", pk=workshop.pk, sli_id=sli.pk)
    sli.target = form.cleaned_data["target"]
    sli.window_days = form.cleaned_data["window_days"]
    source, _problem = source_of(sli)
    evidence: dict[str, Any] = {}
    if source is not None:
        result = explore_sli(
            source,
            target=sli.target,
            window_days=sli.window_days,
            days=form.cleaned_data["days"],
            now_s=int(timezone.now().timestamp()),
        )
        evidence = {"source": source.slo.name, **result.as_dict()}
        evidence.pop("daily", None)  # the record keeps the summary, not every day
    sli.evidence = evidence
    sli.save(update_fields=["target", "window_days", "evidence"])
    messages.success(
        request,
        _("Target %(target)s over %(days)s days kept for the agreement.")
        % {"target": format_target(sli.target), "days": sli.window_days},
    )
    return redirect("workshops:slis", pk=workshop.pk)

"""``/reports/``: monthly and quarterly SLO reports (page, JSON, PDF, CSV) and the system
health overview."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from ekkyo.catalog.models import Service
from ekkyo.reports import export, health, periods, tables
from ekkyo.reports.build import Scope, build
from ekkyo.teams.models import Team
from ekkyo.web.views.common import json_twin, page

KINDS = {"monthly": "month", "quarterly": "quarter"}


def _zone(request: HttpRequest) -> str:
    return request.GET.get("tz", "").strip() or periods.DEFAULT_TIME_ZONE


def _error(request: HttpRequest, fmt: str, code: str, message: str) -> HttpResponse:
    if fmt in ("json", "csv"):
        return json_twin({"error": {"code": code, "message": message}}, status=400)
    return render(request, "reports/error.html", {"message": message}, status=400)


def _filename(report: dict[str, Any], suffix: str) -> str:
    scope = report["scope"]["product"] or report["scope"]["team"] or "all"
    return f'attachment; filename="slo-report-{report["period"]}-{scope}.{suffix}"'


@page
def index(request: HttpRequest) -> HttpResponse:
    try:
        zone = periods.check_zone(_zone(request))
    except periods.PeriodError as exc:
        return _error(request, "html", "invalid_time_zone", str(exc))
    now = int(timezone.now().timestamp())
    this_month = periods.containing("month", now, zone)
    this_quarter = periods.containing("quarter", now, zone)
    return render(
        request,
        "reports/index.html",
        {
            "zone": zone,
            "months": [periods.shift(this_month, -k) for k in range(0, 12)],
            "quarters": [periods.shift(this_quarter, -k) for k in range(0, 4)],
            "products": Service.objects.select_related("team").order_by("name"),
            "teams": Team.objects.order_by("name"),
        },
    )


@page
def report(request: HttpRequest, kind: str, period: str, fmt: str = "html") -> HttpResponse:
    if kind not in KINDS:
        raise Http404
    try:
        p = periods.parse(period, _zone(request))
    except periods.PeriodError as exc:
        return _error(request, fmt, "invalid_period", str(exc))
    if p.kind != KINDS[kind]:
        return _error(
            request,
            fmt,
            "invalid_period",
            _("period: %(p)s is not a %(kind)s") % {"p": period, "kind": KINDS[kind]},
        )
    scope = Scope(
        product=request.GET.get("product", "").strip(), team=request.GET.get("team", "").strip()
    )
    data = build(p, scope, timezone.now())
    if fmt == "json" or request.GET.get("format") == "json":
        return json_twin(data)
    if fmt == "csv":
        name = request.GET.get("table", "slos")
        if name not in tables.REPORT_TABLES:
            return _error(
                request, fmt, "invalid_table", "table: one of " + ", ".join(tables.REPORT_TABLES)
            )
        response = HttpResponse(
            tables.to_csv(tables.REPORT_TABLES[name](data)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = _filename(data, f"{name}.csv")
        return response
    if fmt == "pdf":
        language = request.GET.get("lang") or request.LANGUAGE_CODE
        language = language if language in ("ja", "en") else "en"
        response = HttpResponse(export.pdf(data, language), content_type="application/pdf")
        response["Content-Disposition"] = _filename(data, "pdf")
        return response
    return render(
        request,
        "reports/report.html",
        {
            **export.context(data),
            "kind": kind,
            "query": request.GET.urlencode(),
            "tables": list(tables.REPORT_TABLES),
            "period_obj": p,
            "previous": periods.shift(p, -1),
            "next": periods.shift(p, 1),
        },
    )


@page
def health_overview(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    group = request.GET.get("group", "team")
    if group not in health.GROUPS:
        return _error(request, fmt, "invalid_group", "group: one of team, product, label")
    data = health.overview(
        group, request.GET.get("label", "").strip(), request.GET.get("lifecycle", "").strip()
    )
    if fmt == "json" or request.GET.get("format") == "json":
        return json_twin(data)
    if fmt == "csv":
        response = HttpResponse(
            tables.to_csv(tables.health_table(data)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="system-health.csv"'
        return response
    return render(
        request,
        "reports/health.html",
        {
            "data": data,
            "states": health.STATES,
            "label_keys": health.label_keys(),
            "query": request.GET.urlencode(),
        },
    )

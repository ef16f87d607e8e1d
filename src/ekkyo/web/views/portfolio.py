"""``/``: the portfolio, its htmx partial and its JSON twin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ekkyo.catalog.models import Lifecycle
from ekkyo.web import portfolio as data
from ekkyo.web.views.common import json_twin, page, wants_json
from ekkyo.worker.models import State


@page
def portfolio(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    filters = data.Filters.from_query(request.GET)
    result = data.build(filters)
    if as_json or wants_json(request):
        return json_twin(result.as_json())
    context = {
        "portfolio": result,
        "filters": filters,
        "lifecycles": Lifecycle.choices,
        "states": State.choices,
    }
    # htmx asks for the results only when a filter changes (see hx-target in the page).
    template = "web/_portfolio_region.html" if request.htmx else "web/portfolio.html"
    return render(request, template, context)

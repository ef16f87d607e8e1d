"""``/``: the portfolio, its htmx partial and its JSON twin."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from ekkyo.catalog.models import Lifecycle
from ekkyo.web import portfolio as data
from ekkyo.web.render_cache import RenderCache, data_version
from ekkyo.web.views.common import page, wants_json
from ekkyo.worker.models import State

# The filters and results as rendered, per data version, language, zone and query string
# (the results' links repeat the query string as given, so it is part of the key).
CACHE = RenderCache(size=16, ttl_s=30.0)
# Safe markup that escaping leaves alone and no user name can contain (no "<" or spaces).
_MARK = mark_safe("<!-- ekkyo: the portfolio region -->")


def _region(request: HttpRequest, filters: data.Filters) -> bytes:
    context = {
        "portfolio": data.build(filters),
        "filters": filters,
        "lifecycles": Lifecycle.choices,
        "states": State.choices,
    }
    return render_to_string("web/_portfolio_region.html", context, request).encode("utf-8")


def _json(filters: data.Filters) -> bytes:
    body = data.build(filters).as_json()
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


@page
def portfolio(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    filters = data.Filters.from_query(request.GET)
    version = data_version()
    query = tuple(sorted((k, tuple(v)) for k, v in request.GET.lists()))
    if as_json or wants_json(request):
        body = CACHE.get_or_render(("json", version, query), lambda: _json(filters))
        return HttpResponse(body, content_type="application/json")
    zone = str(request.zone)  # type: ignore[attr-defined]
    key = ("html", version, translation.get_language(), zone, query)
    region = CACHE.get_or_render(key, lambda: _region(request, filters))
    # htmx asks for the results only when a filter changes (see hx-target in the page).
    if request.htmx:
        return HttpResponse(region)
    # The page around the region is the reader's own (name, role, CSRF token); the region,
    # most of the bytes, is spliced in as encoded rather than rendered into the template.
    page_html = render_to_string("web/portfolio.html", {"region": _MARK}, request)
    head, tail = page_html.split(_MARK, 1)
    return HttpResponse(b"".join((head.encode("utf-8"), region, tail.encode("utf-8"))))

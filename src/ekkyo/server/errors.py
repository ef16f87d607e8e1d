"""Django's ``handler500``: a database that cannot be reached is a 503, not a crash.

While PostgreSQL restarts or fails over (or a SQLite write lock outlasts its busy
timeout) every query raises ``OperationalError`` or ``InterfaceError``, wherever it runs:
in a view, in an API's token check, in a middleware.  Django sends every uncaught
exception here, so one place answers all of them with a ``503 Service Unavailable`` and
``Retry-After``: the API's error format (``{"error": {"code": "database_unavailable",
…}}``) for API and JSON requests, a short plain page for people.  Neither touches the
database (no template, no session).  Connections reconnect by themselves at the next
request (``CONN_HEALTH_CHECKS``).  Any other exception gets Django's usual 500.
"""

from __future__ import annotations

import json
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from ekkyo.api.errors import error_body

log = logging.getLogger("ekkyo.server")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_S = 5
MESSAGE = "The database cannot be reached right now. Try again in a few seconds."
PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Service unavailable · ekkyo</title></head><body>"
    f"<h1>Service unavailable</h1><p>{MESSAGE}</p></body></html>"
)


def wants_json(request: HttpRequest) -> bool:
    path = request.path
    if path.startswith("/api/") or path == "/metrics" or path.endswith(".json"):
        return True
    if request.GET.get("format") == "json":
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "html" not in accept


def database_unavailable(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        body = json.dumps(error_body("database_unavailable", MESSAGE))
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``; Django calls it while handling the exception (``sys.exc_info``)."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, DATABASE_ERRORS):
        return defaults.server_error(request)
    response = database_unavailable(request)
    # One line per request instead of Django's traceback: an outage would otherwise
    # flood the log with thousands of identical tracebacks.
    first = (str(exc).strip().splitlines() or [""])[0]
    log.warning(
        "database unavailable: %s %s (%s: %s)",
        request.method,
        request.path,
        type(exc).__name__,
        first[:200],
    )
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by log_response
    return response

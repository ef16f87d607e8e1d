"""Refuse NUL characters in a request before any view sees them.

PostgreSQL text cannot hold U+0000, so a NUL in a path, a query parameter or a body value
that reaches a query fails with ``DataError`` (a 500) there, while SQLite quietly accepts
it.  No name, label or text in ekkyo has a use for it, so one check here answers 400 for
every page and API call alike instead of a guard in each view.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

# A JSON escape of U+0000 that is not itself an escaped backslash followed by "u0000".
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")
MESSAGE = "The request contains a NUL character (U+0000), which no value may hold."


def _has_nul(request: HttpRequest) -> bool:
    raw_path = request.META.get("PATH_INFO", "")
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in raw_path or "\x00" in query or b"\x00" in unquote_to_bytes(query):
        return True
    if request.method not in {"POST", "PUT", "PATCH"}:
        return False
    if not (request.content_type or "").startswith(_BODY_TYPES):
        return False  # uploads are files, not values
    try:
        body = request.body
    except RequestDataTooBig:
        return False  # the view answers that in its own words
    if b"\x00" in body:
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        return b"%00" in body
    # JSON writes the escape with a lower-case "u" only, and "0000" has no case.
    return b"\\u0000" in body and _JSON_NUL.search(body) is not None


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _has_nul(request):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            body = {"error": {"code": "invalid_request", "message": MESSAGE, "details": []}}
            return JsonResponse(body, status=400)
        return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")

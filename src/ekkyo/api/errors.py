"""The API's one error format: ``{"error": {"code", "message", "details"}}`` (API.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def _loc(loc: Any) -> str:
    # Ninja prefixes locations with the parameter source ("body", "query"…); drop the
    # wrapper names so people read "buckets.3.good" rather than "body.payload.buckets.3.good".
    parts = [str(p) for p in loc]
    while parts and parts[0] in {"body", "query", "path", "payload"}:
        parts.pop(0)
    return ".".join(parts)


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(
            request, error_body(exc.code, exc.message, exc.details), status=exc.status
        )

    @api.exception_handler(ValidationError)
    def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [
            {"field": _loc(err.get("loc", ())), "message": err.get("msg", "invalid")}
            for err in exc.errors
        ]
        return api.create_response(
            request,
            error_body("invalid_request", "The request is not valid.", details),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "unauthenticated",
                "Send a valid API token as 'Authorization: Bearer <token>'.",
            ),
            status=401,
        )

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, error_body(f"http_{exc.status_code}", str(exc)), status=exc.status_code
        )

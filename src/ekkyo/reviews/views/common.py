"""What the review views share: lookups and the refusal page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme

from ekkyo.reviews.models import ReviewSeries, ReviewSession


def forbidden(request: HttpRequest) -> HttpResponse:
    """403 with a page that says who may do this (members of the teams, SRE admins)."""
    return render(request, "reviews/403.html", status=403)


def series_or_404(slug: str) -> ReviewSeries:
    return get_object_or_404(ReviewSeries.objects.prefetch_related("teams"), slug=slug)


def session_or_404(pk: int) -> ReviewSession:
    return get_object_or_404(
        ReviewSession.objects.select_related("series", "facilitator").prefetch_related(
            "series__teams"
        ),
        pk=pk,
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def team_slugs(obj: Any) -> list[str]:
    return [t.slug for t in obj.teams.all()]

"""Downloads of a workshop's record: Markdown and PDF, in the workshop's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ekkyo.web.views.common import page
from ekkyo.workshops import export
from ekkyo.workshops.views.common import workshop_or_404


def _filename(workshop_id: int, suffix: str) -> str:
    return f'attachment; filename="workshop-{workshop_id}.{suffix}"'


@page
def markdown(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    response = HttpResponse(export.markdown(workshop), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = _filename(workshop.pk, "md")
    return response


@page
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    workshop = workshop_or_404(pk)
    response = HttpResponse(export.pdf(workshop), content_type="application/pdf")
    response["Content-Disposition"] = _filename(workshop.pk, "pdf")
    return response

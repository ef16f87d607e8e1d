"""Pages of the business reports, under ``/reports/`` (see docs/reports.md)."""

from django.urls import path

from ekkyo.reports.views import pages

app_name = "reports"

urlpatterns = [
    path("", pages.index, name="index"),
    path("health", pages.health_overview, name="health"),
    path("health.json", pages.health_overview, {"fmt": "json"}, name="health-json"),
    path("health.csv", pages.health_overview, {"fmt": "csv"}, name="health-csv"),
    path("<str:kind>/<str:period>/", pages.report, name="report"),
    path("<str:kind>/<str:period>.json", pages.report, {"fmt": "json"}, name="report-json"),
    path("<str:kind>/<str:period>.pdf", pages.report, {"fmt": "pdf"}, name="report-pdf"),
    path("<str:kind>/<str:period>.csv", pages.report, {"fmt": "csv"}, name="report-csv"),
]

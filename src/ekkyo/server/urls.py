from django.contrib import admin
from django.urls import include, path

from ekkyo.api.main import api
from ekkyo.server import health
from ekkyo.worker.metrics import metrics as prometheus_metrics

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", prometheus_metrics, name="metrics"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("workshops/", include("ekkyo.workshops.urls")),
    path("reviews/", include("ekkyo.reviews.urls")),
    path("org/", include("ekkyo.teams.urls")),
    path("policies/", include("ekkyo.policies.urls")),
    path("reports/", include("ekkyo.reports.urls")),
    path("", include("ekkyo.web.urls")),
]

# A database that cannot be reached answers 503 (API error format for API calls), not 500.
handler500 = "ekkyo.server.errors.server_error"

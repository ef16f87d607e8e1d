from django.contrib import admin
from django.urls import include, path

from ekkyo.api.main import api
from ekkyo.server import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("ekkyo.web.urls")),
]

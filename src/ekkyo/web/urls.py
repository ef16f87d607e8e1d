"""Page URLs. Each page that shows numbers has a JSON twin (see docs/web.md)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

"""The JSON API, version 1, under ``/api/v1/`` (API.md)."""

from __future__ import annotations

import importlib

from ninja import NinjaAPI

from ekkyo.api import errors
from ekkyo.api.auth import TokenAuth

api = NinjaAPI(
    title="ekkyo API",
    version="1",
    description=(
        "SLOs, their status and SLI data. Authenticate with 'Authorization: Bearer <token>'."
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)

# Each domain app owns its routes in an `api.py` module that exposes `router`.
ROUTERS = [
    ("slos", "ekkyo.catalog.api"),
    ("slos", "ekkyo.worker.api"),
    ("buckets", "ekkyo.series.api"),
    ("annotations", "ekkyo.alerting.api"),
]
for _prefix, _module in ROUTERS:
    try:
        _router = importlib.import_module(_module).router
    except ModuleNotFoundError as exc:  # an app that has no routes yet
        if exc.name != _module:
            raise
        continue
    api.add_router(f"/{_prefix}", _router)

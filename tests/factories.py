"""Personas and small builders for database tests (objects built inline, no fixtures files)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth import get_user_model

from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.services import upsert_user
from ekkyo.catalog.models import SLO, Service
from ekkyo.teams.models import Team


def make_team(slug: str = "checkout", **fields: Any) -> Team:
    return Team.objects.create(slug=slug, name=fields.pop("name", slug.title()), **fields)


def make_user(name: str, role: str, teams: tuple[str, ...] = ()) -> Any:
    user, _ = upsert_user(name, role=role, teams=list(teams), password="pw-" + name)
    return user


def token_for(user: Any) -> str:
    return ApiToken.issue(user, label="test")[1]


def make_slo(name: str, team: Team, *, service: str = "shop", **fields: Any) -> SLO:
    svc, _ = Service.objects.get_or_create(name=service, defaults={"team": team})
    spec = fields.pop(
        "spec",
        {
            "apiVersion": "openslo/v1",
            "kind": "SLO",
            "metadata": {"name": name},
            "spec": {"service": service},
        },
    )
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
    return SLO.objects.create(name=name, service=svc, spec=spec, spec_hash=digest, **fields)


def user_model() -> Any:
    return get_user_model()

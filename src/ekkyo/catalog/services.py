"""Catalog changes: every write to services and SLOs goes through here.

Each function records what it changed — a new :class:`SLOVersion` for a spec change, a
:class:`LifecycleTransition` for a lifecycle change, and an :class:`AuditEvent` for
both and everything else — so that pages, the API, the importer and the workshop flow
all leave the same trail.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
from typing import Any

from django.db import transaction
from django.utils import timezone
from ruamel.yaml import YAML

from ekkyo.catalog.models import (
    SLO,
    TRANSITIONS,
    AuditEvent,
    Lifecycle,
    LifecycleTransition,
    Service,
    SLOVersion,
)
from ekkyo.teams.models import Team

LIFECYCLE_ANNOTATION = "ekkyo.dev/lifecycle"


class CatalogError(ValueError):
    """A change the catalog refuses, with a message for people."""


def spec_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _actor_name(actor: Any, fallback: str) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return fallback


def audit(
    action: str,
    object_type: str,
    object_name: str,
    *,
    actor: Any = None,
    actor_name: str = "",
    team: Team | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=_actor_name(actor, actor_name or "system"),
        action=action,
        object_type=object_type,
        object_name=object_name,
        team=team,
        reason=reason,
        detail=detail or {},
    )


def source_type_of(document: dict[str, Any]) -> str:
    """The SLO's `metricSource.type`, lower-cased (API.md: matched without regard to case)."""
    spec = document.get("spec", {})
    indicator = spec.get("indicator") or {}
    ind_spec = indicator.get("spec", {})
    for metric in (ind_spec.get("ratioMetric") or {}, ind_spec.get("thresholdMetric") or {}):
        for part in ("good", "bad", "total"):
            source = (metric.get(part) or {}).get("metricSource") or {}
            if source.get("type"):
                return str(source["type"]).lower()
        source = metric.get("metricSource") or {}
        if source.get("type"):
            return str(source["type"]).lower()
    return ""


@transaction.atomic
def create_slo(
    document: dict[str, Any],
    service: Service,
    *,
    actor: Any = None,
    actor_name: str = "",
    reason: str = "",
    lifecycle: str = Lifecycle.DRAFT,
) -> SLO:
    name = document["metadata"]["name"]
    now = timezone.now()
    slo = SLO.objects.create(
        name=name,
        display_name=document["metadata"].get("displayName", ""),
        service=service,
        lifecycle=lifecycle,
        spec=document,
        spec_hash=spec_hash(document),
        version=1,
        source_type=source_type_of(document),
        created_at=now,
        updated_at=now,
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    SLOVersion.objects.create(
        slo=slo, number=1, spec=document, spec_hash=slo.spec_hash, created_by=user, reason=reason
    )
    LifecycleTransition.objects.create(
        slo=slo, from_state="", to_state=lifecycle, actor=user, reason=reason
    )
    audit(
        "slo.created",
        "SLO",
        name,
        actor=actor,
        actor_name=actor_name,
        team=service.team,
        reason=reason,
        detail={"lifecycle": lifecycle, "version": 1},
    )
    return slo


@transaction.atomic
def update_spec(
    slo: SLO, document: dict[str, Any], *, actor: Any = None, actor_name: str = "", reason: str = ""
) -> bool:
    """Store ``document`` as a new version of ``slo``; False when nothing changed."""
    digest = spec_hash(document)
    if digest == slo.spec_hash:
        return False
    slo = SLO.objects.select_for_update().get(pk=slo.pk)
    slo.version += 1
    slo.spec = document
    slo.spec_hash = digest
    slo.display_name = document["metadata"].get("displayName", "")
    slo.source_type = source_type_of(document)
    slo.updated_at = timezone.now()
    slo.save()
    user = actor if getattr(actor, "is_authenticated", False) else None
    SLOVersion.objects.create(
        slo=slo, number=slo.version, spec=document, spec_hash=digest, created_by=user, reason=reason
    )
    audit(
        "slo.spec_changed",
        "SLO",
        slo.name,
        actor=actor,
        actor_name=actor_name,
        team=slo.service.team,
        reason=reason,
        detail={"version": slo.version},
    )
    return True


@transaction.atomic
def transition(
    slo: SLO, to_state: str, *, actor: Any = None, actor_name: str = "", reason: str = ""
) -> LifecycleTransition:
    """Move ``slo`` to ``to_state`` if the lifecycle allows it, recording who and why."""
    if to_state not in Lifecycle.values:
        raise CatalogError(f"unknown lifecycle state {to_state!r}")
    slo = SLO.objects.select_for_update().get(pk=slo.pk)
    allowed = TRANSITIONS[slo.lifecycle]
    if to_state not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        raise CatalogError(
            f"{slo.name} is {slo.lifecycle}; it can move to {options}, not {to_state}"
        )
    from_state = slo.lifecycle
    slo.lifecycle = to_state
    slo.updated_at = timezone.now()
    slo.save(update_fields=["lifecycle", "updated_at"])
    user = actor if getattr(actor, "is_authenticated", False) else None
    row = LifecycleTransition.objects.create(
        slo=slo, from_state=from_state, to_state=to_state, actor=user, reason=reason
    )
    audit(
        "slo.lifecycle",
        "SLO",
        slo.name,
        actor=actor,
        actor_name=actor_name,
        team=slo.service.team,
        reason=reason,
        detail={"from": from_state, "to": to_state},
    )
    return row


def canonical(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with its keys in the order OpenSLO files use (apiVersion, kind,
    metadata, spec, then model order). PostgreSQL's jsonb does not keep key order, so
    everything people read (YAML, diffs, exports) goes through here."""
    from pydantic import ValidationError

    from ekkyo import specs

    model = specs.KINDS.get(str(document.get("kind", "")))
    if model is not None:
        try:
            return specs.to_document(model.model_validate(document))
        except ValidationError:
            pass  # stored before a stricter validator; keep its content, fix the top
    first = [key for key in ("apiVersion", "kind", "metadata", "spec") if key in document]
    return {**{key: document[key] for key in first}, **document}


def to_yaml(document: dict[str, Any]) -> str:
    document = canonical(document)
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump(document, buf)
    return buf.getvalue()


def diff_versions(old: SLOVersion, new: SLOVersion) -> str:
    """A unified diff of two versions' specs as YAML, for people to read."""
    return "".join(
        difflib.unified_diff(
            to_yaml(old.spec).splitlines(keepends=True),
            to_yaml(new.spec).splitlines(keepends=True),
            fromfile=f"{old.slo.name} v{old.number}",
            tofile=f"{new.slo.name} v{new.number}",
        )
    )

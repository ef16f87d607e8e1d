"""`ekkyo import` / `ekkyo export`: the catalog in and out as OpenSLO files.

Import is one transaction: every file is validated first, and a problem anywhere (a bad
spec, a service without an owning team) imports nothing. Importing the same files twice
changes nothing, because an SLO's version only moves when its document changes.

Which team owns a service: ``metadata.labels.team`` (or the annotation
``ekkyo.dev/owner-team``) on its ``Service``, else the ``--team`` given to the import.
A team named there that does not exist yet is created (stream-aligned), so a first
import of a whole organisation needs no set-up; its type is edited later.
An SLO's lifecycle on creation comes from the annotation ``ekkyo.dev/lifecycle``
(default ``draft``); the annotation is not part of the stored spec, so moving an SLO
through its lifecycle in ekkyo does not make the next import see a change.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from ekkyo import specs
from ekkyo.catalog.models import SLO, Lifecycle, Service, SpecObject
from ekkyo.catalog.services import (
    LIFECYCLE_ANNOTATION,
    audit,
    create_slo,
    spec_hash,
    to_yaml,
    update_spec,
)
from ekkyo.teams.models import Team

OWNER_ANNOTATION = "ekkyo.dev/owner-team"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    teams_created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rollback(Exception):
    """Raised inside the import transaction to undo it when problems turn up late."""


def import_paths(
    paths: Sequence[str | os.PathLike[str]],
    *,
    actor: Any = None,
    actor_name: str = "",
    reason: str = "",
    default_team: str | None = None,
) -> ImportReport:
    loaded = specs.load_paths([os.fspath(p) for p in paths])
    if not loaded.ok:
        return ImportReport(problems=[str(p) for p in loaded.problems])
    if not loaded.objects:
        return ImportReport(problems=[f"{', '.join(map(str, paths))}: no OpenSLO objects found"])
    return import_loaded(
        loaded, actor=actor, actor_name=actor_name, reason=reason, default_team=default_team
    )


def _team_slug(obj: Any) -> str | None:
    labels = obj.metadata.labels or {}
    team = labels.get("team")
    if isinstance(team, list):
        team = team[0] if team else None
    return team or (obj.metadata.annotations or {}).get(OWNER_ANNOTATION)


def _without_lifecycle(document: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    document = copy.deepcopy(document)
    annotations = document.get("metadata", {}).get("annotations", {})
    lifecycle = annotations.pop(LIFECYCLE_ANNOTATION, None)
    if not annotations and "annotations" in document.get("metadata", {}):
        del document["metadata"]["annotations"]
    return document, lifecycle


def import_loaded(
    loaded: specs.LoadResult,
    *,
    actor: Any = None,
    actor_name: str = "",
    reason: str = "",
    default_team: str | None = None,
) -> ImportReport:
    report = ImportReport()
    try:
        with transaction.atomic():
            _import(loaded, report, actor, actor_name or "import", reason, default_team)
            if report.problems:
                raise _Rollback
    except _Rollback:
        return ImportReport(problems=report.problems)
    return report


def _import(
    loaded: specs.LoadResult,
    report: ImportReport,
    actor: Any,
    actor_name: str,
    reason: str,
    default_team: str | None,
) -> None:
    who = {"actor": actor, "actor_name": actor_name, "reason": reason}
    services: dict[str, Service] = {}
    teamless: set[str] = set()
    for obj in loaded.objects:
        if isinstance(obj, specs.Service):
            slug = _team_slug(obj) or default_team
            if not slug:
                report.problems.append(
                    f"Service {obj.metadata.name!r}: no owning team; add metadata.labels.team "
                    "to it or pass --team"
                )
                teamless.add(obj.metadata.name)
                continue
            services[obj.metadata.name] = _upsert_service(obj, slug, report, who)

    lifecycles = {lc.value for lc in Lifecycle}
    for slo_obj in loaded.slos:
        if slo_obj.spec.service in teamless:
            continue  # already reported on its service
        document, lifecycle = _without_lifecycle(specs.to_document(slo_obj))
        if lifecycle is not None and lifecycle not in lifecycles:
            report.problems.append(
                f"SLO {slo_obj.name!r}: annotation {LIFECYCLE_ANNOTATION} must be one of "
                f"{', '.join(sorted(lifecycles))}, not {lifecycle!r}"
            )
            continue
        service = (
            services.get(slo_obj.spec.service)
            or Service.objects.filter(name=slo_obj.spec.service).first()
        )
        if service is None:  # the validator checks references; this guards the catalog
            report.problems.append(f"SLO {slo_obj.name!r}: unknown service")
            continue
        existing = SLO.objects.filter(name=slo_obj.name).first()
        if existing is None:
            create_slo(document, service, lifecycle=lifecycle or Lifecycle.DRAFT, **who)
            report.created.append(f"SLO {slo_obj.name}")
            continue
        if existing.service_id != service.id:
            existing.service = service
            existing.save(update_fields=["service"])
            audit("slo.moved", "SLO", existing.name, team=service.team, **who)
        if update_spec(existing, document, **who):
            report.updated.append(f"SLO {slo_obj.name}")
        else:
            report.unchanged.append(f"SLO {slo_obj.name}")

    for obj in loaded.objects:
        if not isinstance(obj, specs.SLO | specs.Service):
            _upsert_object(obj, report, who)


def _upsert_service(
    obj: specs.Service, slug: str, report: ImportReport, who: dict[str, Any]
) -> Service:
    team, team_created = Team.objects.get_or_create(slug=slug, defaults={"name": slug})
    if team_created:
        report.teams_created.append(slug)
        audit("team.created", "Team", slug, team=team, **who)
    document = specs.to_document(obj)
    fields = {
        "display_name": obj.metadata.display_name or "",
        "description": obj.spec.description or "",
        "team": team,
        "spec": document,
    }
    service = Service.objects.filter(name=obj.metadata.name).first()
    label = f"Service {obj.metadata.name}"
    if service is None:
        service = Service.objects.create(name=obj.metadata.name, **fields)
        audit("service.created", "Service", service.name, team=team, **who)
        report.created.append(label)
        return service
    changed = {k: v for k, v in fields.items() if getattr(service, k) != v}
    if not changed:
        report.unchanged.append(label)
        return service
    for key, value in changed.items():
        setattr(service, key, value)
    service.save()
    audit(
        "service.updated",
        "Service",
        service.name,
        team=team,
        detail={"fields": sorted(changed)},
        **who,
    )
    report.updated.append(label)
    return service


def _upsert_object(obj: Any, report: ImportReport, who: dict[str, Any]) -> None:
    document = specs.to_document(obj)
    digest = spec_hash(document)
    kind, name = document["kind"], obj.metadata.name
    label = f"{kind} {name}"
    row = SpecObject.objects.filter(kind=kind, name=name).first()
    if row is None:
        SpecObject.objects.create(kind=kind, name=name, spec=document, spec_hash=digest)
        audit(f"{kind.lower()}.created", kind, name, **who)
        report.created.append(label)
    elif row.spec_hash != digest:
        row.spec, row.spec_hash = document, digest
        row.save(update_fields=["spec", "spec_hash"])
        audit(f"{kind.lower()}.updated", kind, name, **who)
        report.updated.append(label)
    else:
        report.unchanged.append(label)


def export_catalog(directory: str | os.PathLike[str]) -> list[Path]:
    """Write the catalog as OpenSLO files: one file per service (its Service and SLOs, with
    their lifecycle annotated), and ``_shared.yaml`` for the other objects."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for service in Service.objects.select_related("team").prefetch_related("slos"):
        documents = [_service_document(service)]
        for slo in service.slos.all():
            document = copy.deepcopy(slo.spec)
            annotations = document.setdefault("metadata", {}).setdefault("annotations", {})
            annotations[LIFECYCLE_ANNOTATION] = slo.lifecycle
            documents.append(document)
        written.append(_write(out / f"{service.name}.yaml", documents))
    shared = [row.spec for row in SpecObject.objects.order_by("kind", "name")]
    if shared:
        written.append(_write(out / "_shared.yaml", shared))
    return written


def _service_document(service: Service) -> dict[str, Any]:
    document = copy.deepcopy(service.spec) or {
        "apiVersion": "openslo/v1",
        "kind": "Service",
        "metadata": {"name": service.name},
        "spec": {},
    }
    labels = document.setdefault("metadata", {}).setdefault("labels", {})
    labels["team"] = service.team.slug
    return document


def _write(path: Path, documents: list[dict[str, Any]]) -> Path:
    text = "---\n" + "---\n".join(to_yaml(d) for d in documents)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file
    return path

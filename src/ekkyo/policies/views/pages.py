"""``/policies/``: error budget policies, their sign-off, state, events and exceptions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ekkyo.accounts.permissions import can_edit_team, editable_team_ids
from ekkyo.catalog.models import Service
from ekkyo.policies import services
from ekkyo.policies.forms import (
    ExceptionForm,
    NewPolicyForm,
    PolicyForm,
    RetireForm,
    RuleFormSet,
    SignerForm,
    SignForm,
)
from ekkyo.policies.models import Level, Policy, PolicyStatus
from ekkyo.policies.presenters import policy_json, policy_list
from ekkyo.teams.models import Team
from ekkyo.web.views.common import json_twin, page, wants_json


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/403.html", status=403)


def policy_or_404(pk: int) -> Policy:
    return get_object_or_404(Policy.objects.select_related("service__team", "team"), pk=pk)


@page
def policy_index(request: HttpRequest, as_json: bool = False) -> HttpResponse:
    team = request.GET.get("team", "").strip()
    rows = policy_list(team=team, today=timezone.localdate())
    if as_json or wants_json(request):
        return json_twin({"team": team, "policies": rows})
    uncovered = Service.objects.filter(
        ~Q(budget_policies__status=PolicyStatus.APPROVED),
        ~Q(team__budget_policies__status=PolicyStatus.APPROVED),
    ).select_related("team")
    if team:
        uncovered = uncovered.filter(team__slug=team)
    return render(
        request,
        "policies/list.html",
        {
            "rows": rows,
            "team": Team.objects.filter(slug=team).first() if team else None,
            "uncovered": list(uncovered.order_by("team__name", "name").distinct()),
            "can_create": editable_team_ids(request.user) != set(),
        },
    )


@page
def policy_new(request: HttpRequest) -> HttpResponse:
    editable = editable_team_ids(request.user)
    if editable == set():
        return forbidden(request)
    initial: dict[str, Any] = {"language": "ja" if request.LANGUAGE_CODE == "ja" else "en"}
    product = Service.objects.filter(name=request.GET.get("product", "")).first()
    if product is not None:
        initial.update(
            service=product.pk, title=_("Error budget policy: %(name)s") % {"name": product}
        )
    form = NewPolicyForm(request.POST or None, initial=initial, editable_teams=editable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = data["service"].team if data["service"] else data["team"]
        if not can_edit_team(request.user, owner):
            return forbidden(request)
        policy = services.create_policy(
            service=data["service"],
            team=data["team"],
            title=data["title"],
            language=data["language"],
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, _("Draft created with the usual four rules: adjust them."))
        return redirect("policies:edit", pk=policy.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "policies/new.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, policy: Policy, **forms: Any) -> dict[str, Any]:
    can_edit = can_edit_team(request.user, policy.owner_team)
    return {
        "policy": policy,
        "data": policy_json(policy),
        "can_edit": can_edit,
        "signed": services.sides_signed(policy),
        "problems": services.problems(policy),
        "signoffs": list(policy.signoffs.select_related("signer__user", "recorded_by")),
        "signers": list(policy.signers.select_related("user")),
        "signer_form": forms.get("signer_form") or SignerForm(),
        "sign_form": forms.get("sign_form") or SignForm(policy),
        "exception_form": forms.get("exception_form") or ExceptionForm(policy),
        "retire_form": RetireForm(),
        "levels": Level,
    }


@page
def policy_detail(request: HttpRequest, pk: int, as_json: bool = False) -> HttpResponse:
    policy = policy_or_404(pk)
    if as_json or wants_json(request):
        return json_twin(policy_json(policy))
    return render(request, "policies/detail.html", _detail_context(request, policy))


@page
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_or_404(pk)
    if not can_edit_team(request.user, policy.owner_team):
        return forbidden(request)
    form = PolicyForm(request.POST or None, instance=policy)
    formset = RuleFormSet(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            changed = form.has_changed() or formset.has_changed()
            form.save()
            rules = formset.save(commit=False)
            for obj in formset.deleted_objects:
                obj.delete()
            for position, rule in enumerate(rules):
                rule.position = rule.position or position
                rule.save()
            dropped = 0
            if changed:
                dropped = services.withdraw_signatures(
                    policy, actor=request.user, now=timezone.now(), why="edited"
                )
        if dropped:
            messages.warning(
                request,
                ngettext(
                    "The policy changed, so %(n)s signature was withdrawn: it is a draft until "
                    "both sides sign again.",
                    "The policy changed, so %(n)s signatures were withdrawn: it is a draft "
                    "until both sides sign again.",
                    dropped,
                )
                % {"n": dropped},
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("policies:detail", pk=policy.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "policies/edit.html",
        {"policy": policy, "form": form, "formset": formset},
        status=status,
    )


@require_POST
@page
def signer_add(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_or_404(pk)
    if not can_edit_team(request.user, policy.owner_team):
        return forbidden(request)
    form = SignerForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "policies/detail.html",
            _detail_context(request, policy, signer_form=form),
            status=400,
        )
    signer = form.save(commit=False)
    signer.policy = policy
    signer.save()
    messages.success(request, _("Approver added."))
    return redirect("policies:detail", pk=policy.pk)


@require_POST
@page
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_or_404(pk)
    if not can_edit_team(request.user, policy.owner_team):
        return forbidden(request)
    form = SignForm(policy, request.POST)
    if not form.is_valid():
        return render(
            request,
            "policies/detail.html",
            _detail_context(request, policy, sign_form=form),
            status=400,
        )
    try:
        result = services.sign(
            policy,
            form.cleaned_data["signer"],
            comment=form.cleaned_data["comment"],
            actor=request.user,
            now=timezone.now(),
        )
    except services.SignOffError as exc:
        for problem in exc.problems:
            form.add_error(None, problem)
        return render(
            request,
            "policies/detail.html",
            _detail_context(request, policy, sign_form=form),
            status=409,
        )
    if result.approved:
        messages.success(request, _("Both sides have signed: the policy is approved and in force."))
    else:
        messages.success(request, _("Signed. The other side signs next."))
    return redirect("policies:detail", pk=policy.pk)


@require_POST
@page
def exception_add(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_or_404(pk)
    if not can_edit_team(request.user, policy.owner_team):
        return forbidden(request)
    form = ExceptionForm(policy, request.POST)
    if not form.is_valid():
        return render(
            request,
            "policies/detail.html",
            _detail_context(request, policy, exception_form=form),
            status=400,
        )
    services.record_exception(policy, actor=request.user, now=timezone.now(), **form.cleaned_data)
    messages.success(request, _("Exception recorded: that budget use no longer counts."))
    return redirect("policies:detail", pk=policy.pk)


@require_POST
@page
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    policy = policy_or_404(pk)
    if not can_edit_team(request.user, policy.owner_team):
        return forbidden(request)
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the policy is retired."))
        return redirect("policies:detail", pk=policy.pk)
    services.retire(
        policy, actor=request.user, now=timezone.now(), reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("The policy is retired."))
    return redirect("policies:detail", pk=policy.pk)

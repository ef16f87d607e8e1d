"""``/account/``: the reader's settings (time zone, language) and personal API tokens.

A new token is shown in the response to the POST that creates it and never again: the
response is not cached and nothing keeps the clear text (no session, no message, no log).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ekkyo.accounts.models import ApiToken, Profile
from ekkyo.accounts.tokens import MAX_ACTIVE_TOKENS, TokenLimitError, create_token, revoke_token
from ekkyo.web.forms import ProfileForm, TokenForm
from ekkyo.web.views.common import page


def _render(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    token_form: TokenForm | None = None,
    new_token: str = "",
    new_row: ApiToken | None = None,
    status: int = 200,
) -> HttpResponse:
    profile = Profile.objects.filter(user=request.user).only("time_zone").first()
    if profile_form is None:
        profile_form = ProfileForm(
            initial={
                "time_zone": profile.time_zone if profile else "",
                "language": translation.get_language(),
            }
        )
    tokens = list(ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id"))
    context = {
        "profile_form": profile_form,
        "token_form": token_form or TokenForm(),
        "tokens": tokens,
        "active_count": sum(1 for t in tokens if t.revoked_at is None),
        "max_tokens": MAX_ACTIVE_TOKENS,
        "zone_in_use": str(request.zone),  # type: ignore[attr-defined]
        "new_token": new_token,
        "new_row": new_row,
    }
    response = render(request, "web/account.html", context, status=status)
    # Whatever this page shows is the reader's own; the creation response holds a secret.
    add_never_cache_headers(response)
    return response


@page
def account(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@page
def account_profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return _render(request, profile_form=form, status=400)
    Profile.objects.update_or_create(
        user=request.user, defaults={"time_zone": form.cleaned_data["time_zone"]}
    )
    language = form.cleaned_data["language"]
    translation.activate(language)
    messages.success(request, _("Your settings are saved."))
    response = redirect("account")
    # The same cookie as the header's language switcher (Django's set_language).
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_POST
@page
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, token_form=form, status=400)
    try:
        row, clear = create_token(request.user, form.cleaned_data["label"])
    except TokenLimitError:
        form.add_error(
            None,
            _("You have %(n)d active tokens, the most allowed. Revoke one you no longer use.")
            % {"n": MAX_ACTIVE_TOKENS},
        )
        return _render(request, token_form=form, status=409)
    # 201 with the page itself rather than a redirect: a redirect would need the clear
    # token kept somewhere until the next request.
    return _render(request, new_token=clear, new_row=row, status=201)


@require_POST
@page
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's token answers as if it did not exist: ids reveal nothing.
    row = ApiToken.objects.select_related("user").filter(pk=pk, user=request.user).first()
    if row is None:
        raise Http404("no such token")
    if revoke_token(row, request.user):
        messages.success(request, _("The token %(hint)s… is revoked.") % {"hint": row.hint})
    else:
        messages.info(request, _("The token %(hint)s… was already revoked.") % {"hint": row.hint})
    return redirect("account")

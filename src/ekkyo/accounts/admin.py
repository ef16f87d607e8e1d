"""Django admin for API tokens: SRE admins see everyone's tokens and revoke them.

Tokens are created by their owners (account page, ``ekkyo token create``), never here:
the admin could not show the clear token once and only once.  Nothing is edited in place
and nothing is deleted, so the list stays a record of every token that ever existed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ekkyo.accounts.models import ApiToken
from ekkyo.accounts.tokens import revoke_token


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("hint", "label", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("user__username", "label", "hint")
    list_select_related = ("user",)
    ordering = ("-created_at", "-id")
    # The hash stays out of sight: it is no secret, but no person needs it either.
    fields = ("user", "label", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(revoke_token(row, request.user) for row in queryset.select_related("user"))
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )

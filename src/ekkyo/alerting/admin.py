"""Admin for SRE admins: targets (secrets write-only), silences, and read-only history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from ekkyo.alerting.models import (
    SEVERITIES,
    AlertState,
    AlertTransition,
    Annotation,
    DeliveryAttempt,
    Notification,
    NotificationTarget,
    Silence,
)

SECRET_FIELDS = ("url", "routing_key", "hmac_secret")


class NotificationTargetForm(forms.ModelForm):
    severities = forms.MultipleChoiceField(
        choices=[(s, s) for s in SEVERITIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = NotificationTarget
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Secret inputs are always empty when the page loads (the value is never sent to
        # the browser): empty means "keep what is stored".
        for name in SECRET_FIELDS:
            if not data.get(name) and self.instance.pk is not None:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    form = NotificationTargetForm
    list_display = ("name", "team", "kind", "severities", "for_trial", "enabled", "source")
    list_filter = ("kind", "enabled", "for_trial", "source", "team")
    search_fields = ("name",)
    readonly_fields = ("created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("at", "worker", "ok", "retryable", "status_code", "error", "elapsed_ms")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("id", "state", "target_name", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", "state")
    search_fields = ("target_name", "dedup_key")
    inlines = [DeliveryAttemptInline]


@admin.register(AlertState)
class AlertStateAdmin(ReadOnly):
    list_display = ("slo", "objective", "severity", "long_window", "short_window", "status")
    list_filter = ("status", "severity")
    search_fields = ("slo__name",)


@admin.register(AlertTransition)
class AlertTransitionAdmin(ReadOnly):
    list_display = ("at", "slo", "objective", "kind", "effective_severity", "muted", "notify")
    list_filter = ("kind", "effective_severity", "muted")
    search_fields = ("slo__name", "dedup_key")


@admin.register(Silence)
class SilenceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "rrule", "time_zone", "exclude_from_budget")
    list_filter = ("kind", "exclude_from_budget")


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("at", "slo", "kind", "text", "author_name")
    list_filter = ("kind",)
    search_fields = ("slo__name", "text")

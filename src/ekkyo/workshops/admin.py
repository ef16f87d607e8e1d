"""Workshops in the Django admin: for SRE admins to look things up and fix typos.

Agreements and trial reviews are made on the pages, which go through the catalog's
services; here they are read-only so the audit trail stays whole.
"""

from django.contrib import admin

from ekkyo.workshops.models import (
    SLI,
    Feedback,
    Journey,
    ParkingItem,
    Participant,
    SignOff,
    TrialReview,
    Workshop,
)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0


class JourneyInline(admin.StackedInline):
    model = Journey
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "service", "held_on", "language", "agreed_at"]
    list_filter = ["language", "service__team"]
    search_fields = ["title", "service__name"]
    readonly_fields = ["agreed_at", "created_by", "created_at"]
    inlines = [ParticipantInline, JourneyInline]


@admin.register(SLI)
class SLIAdmin(admin.ModelAdmin):
    list_display = ["journey", "sli_type", "source", "target", "slo"]
    readonly_fields = ["slo", "evidence"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["workshop", "participant", "signed_at", "recorded_by"]


@admin.register(TrialReview)
class TrialReviewAdmin(ReadOnlyAdmin):
    list_display = ["slo", "decision", "actor", "at"]


admin.site.register([ParkingItem, Feedback])

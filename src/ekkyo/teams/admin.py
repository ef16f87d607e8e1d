"""Teams in the Django admin: teams and memberships, the maturity scale SRE admins edit,
interactions; notices and scorecard snapshots read-only (written by the worker)."""

from django.contrib import admin

from ekkyo.teams.models import (
    Interaction,
    MaturityAssessment,
    MaturityItem,
    MaturityLevel,
    MaturityRating,
    Membership,
    Notice,
    NoticeDelivery,
    ScorecardSettings,
    ScorecardSnapshot,
    Team,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "topology_type", "sre_engagement"]
    list_filter = ["topology_type", "sre_engagement"]
    search_fields = ["name", "name_ja", "slug"]
    inlines = [MembershipInline]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["from_team", "mode", "to_team", "starts_on", "expected_end_on", "ended_on"]
    list_filter = ["mode", "embedded_sre"]


@admin.register(MaturityLevel)
class MaturityLevelAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "name_ja"]


@admin.register(MaturityItem)
class MaturityItemAdmin(admin.ModelAdmin):
    list_display = ["position", "key", "title", "title_ja", "active"]
    list_editable = ["active"]
    list_display_links = ["key"]


class RatingInline(admin.TabularInline):
    model = MaturityRating
    extra = 0
    can_delete = False
    readonly_fields = ["item", "level", "note"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(MaturityAssessment)
class MaturityAssessmentAdmin(admin.ModelAdmin):
    list_display = ["team", "assessed_on", "assessed_by"]
    inlines = [RatingInline]


@admin.register(ScorecardSettings)
class ScorecardSettingsAdmin(admin.ModelAdmin):
    list_display = ["updated_at", "updated_by", "practising_min", "self_sufficient_min"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ScorecardSnapshot)
class ScorecardSnapshotAdmin(ReadOnly):
    list_display = ["team", "week_start", "level", "score"]
    list_filter = ["level"]


class DeliveryInline(admin.TabularInline):
    model = NoticeDelivery
    extra = 0
    can_delete = False
    readonly_fields = ["target_name", "status", "attempts", "sent_at", "last_error"]
    fields = readonly_fields


@admin.register(Notice)
class NoticeAdmin(ReadOnly):
    list_display = ["created_at", "kind", "key"]
    list_filter = ["kind"]
    inlines = [DeliveryInline]

"""Review pages under ``/reviews/`` (docs/reviews.md); pages with numbers have a JSON twin."""

from django.urls import path

from ekkyo.reviews.views import exports, items, series, sessions

app_name = "reviews"

urlpatterns = [
    path("", series.index, name="index"),
    path("index.json", series.index, {"as_json": True}, name="index-json"),
    path("series/new", series.new, name="series-new"),
    path("series/<slug:slug>", series.detail, name="series"),
    path("series/<slug:slug>.json", series.detail, {"as_json": True}, name="series-json"),
    path("series/<slug:slug>/edit", series.edit, name="series-edit"),
    path("series/<slug:slug>/sessions", series.create_session, name="session-new"),
    path("series/<slug:slug>/sessions.ics", exports.feed, name="feed"),
    path("sessions/<int:pk>", sessions.detail, name="session"),
    path("sessions/<int:pk>.json", sessions.detail, {"as_json": True}, name="session-json"),
    path("sessions/<int:pk>/present", sessions.present, name="present"),
    path("sessions/<int:pk>/agenda", sessions.regenerate, name="agenda"),
    path("sessions/<int:pk>/capture", sessions.capture, name="capture"),
    path("sessions/<int:pk>/attendance", sessions.attendance, name="attendance"),
    path("sessions/<int:pk>/facilitator", sessions.facilitator, name="facilitator"),
    path("sessions/<int:pk>/status", sessions.status, name="status"),
    path("sessions/<int:pk>/minutes", sessions.minutes_page, name="minutes"),
    path("sessions/<int:pk>/minutes.md", sessions.minutes_markdown, name="minutes-md"),
    path("items/", items.inventory, name="inventory"),
    path("items.json", items.inventory, {"as_json": True}, name="inventory-json"),
    path("items/triage", items.triage, name="triage"),
    path("items/<int:pk>", items.item_detail, name="item"),
    path("teams/<slug:slug>/signals.json", exports.team_signals_json, name="signals"),
]

"""Pages of the teams app, under ``/org/`` (see docs/teams.md)."""

from django.urls import path

from ekkyo.teams.views import org, scorecards, team_api, teammap

app_name = "teams"

urlpatterns = [
    path("", org.overview, name="overview"),
    path("overview.json", org.overview, {"as_json": True}, name="overview-json"),
    path("settings", org.thresholds, name="thresholds"),
    path("map", teammap.team_map, name="map"),
    path("map.json", teammap.team_map, {"as_json": True}, name="map-json"),
    path("teams/<slug:slug>/", team_api.team_api, name="team-api"),
    path("teams/<slug:slug>.json", team_api.team_api, {"as_json": True}, name="team-api-json"),
    path("teams/<slug:slug>/edit", team_api.edit, name="team-api-edit"),
    path("teams/<slug:slug>/interactions/new", team_api.interaction_new, name="interaction-new"),
    path(
        "teams/<slug:slug>/interactions/<int:pk>",
        team_api.interaction_edit,
        name="interaction-edit",
    ),
    path(
        "teams/<slug:slug>/interactions/<int:pk>/end",
        team_api.interaction_end,
        name="interaction-end",
    ),
    path("teams/<slug:slug>/scorecard", scorecards.scorecard, name="scorecard"),
    path(
        "teams/<slug:slug>/scorecard.json",
        scorecards.scorecard,
        {"as_json": True},
        name="scorecard-json",
    ),
    path("teams/<slug:slug>/maturity", scorecards.maturity, name="maturity"),
]

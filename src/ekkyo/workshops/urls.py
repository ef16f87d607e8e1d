"""Workshop pages under ``/workshops/`` (see docs/workshops.md)."""

from django.urls import path

from ekkyo.workshops.views import agreement, explore, export, journeys, trials, workshops

app_name = "workshops"

urlpatterns = [
    path("", workshops.workshop_list, name="list"),
    path("new", workshops.workshop_new, name="new"),
    path("trials", trials.trials, name="trials"),
    path("trials/<str:name>", trials.review, name="review"),
    path("<int:pk>/", workshops.record, name="record"),
    path("<int:pk>.json", workshops.record, {"as_json": True}, name="record-json"),
    path("<int:pk>/edit", workshops.basics, name="basics"),
    path("<int:pk>/participants", workshops.participants, name="participants"),
    path(
        "<int:pk>/participants/<int:participant_id>/delete",
        workshops.participant_delete,
        name="participant-delete",
    ),
    path("<int:pk>/context", workshops.context, name="context"),
    path("<int:pk>/journeys", journeys.journeys, name="journeys"),
    path("<int:pk>/journeys/<int:journey_id>", journeys.journey_edit, name="journey"),
    path(
        "<int:pk>/journeys/<int:journey_id>/delete",
        journeys.journey_delete,
        name="journey-delete",
    ),
    path("<int:pk>/journeys/<int:journey_id>/slis", journeys.sli_menu, name="sli-menu"),
    path("<int:pk>/slis", journeys.slis, name="slis"),
    path("<int:pk>/slis/<int:sli_id>", journeys.sli_detail, name="sli"),
    path("<int:pk>/slis/<int:sli_id>/delete", journeys.sli_delete, name="sli-delete"),
    path("<int:pk>/slis/<int:sli_id>/explore", explore.explore, name="explore"),
    path("<int:pk>/slis/<int:sli_id>/explore.json", explore.explore_json, name="explore-json"),
    path("<int:pk>/slis/<int:sli_id>/target", explore.choose_target, name="target"),
    path("<int:pk>/parking", agreement.parking, name="parking"),
    path("<int:pk>/parking/<int:item_id>/toggle", agreement.parking_toggle, name="parking-toggle"),
    path("<int:pk>/agreement", agreement.agreement, name="agreement"),
    path("<int:pk>/sign", agreement.sign, name="sign"),
    path("<int:pk>/export.md", export.markdown, name="export-md"),
    path("<int:pk>/export.pdf", export.pdf, name="export-pdf"),
]

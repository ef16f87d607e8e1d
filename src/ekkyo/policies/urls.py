"""Pages of the error budget policies, under ``/policies/`` (see docs/policies.md)."""

from django.urls import path

from ekkyo.policies.views import pages

app_name = "policies"

urlpatterns = [
    path("", pages.policy_index, name="list"),
    path("index.json", pages.policy_index, {"as_json": True}, name="list-json"),
    path("new", pages.policy_new, name="new"),
    path("<int:pk>/", pages.policy_detail, name="detail"),
    path("<int:pk>.json", pages.policy_detail, {"as_json": True}, name="detail-json"),
    path("<int:pk>/edit", pages.policy_edit, name="edit"),
    path("<int:pk>/signers", pages.signer_add, name="signers"),
    path("<int:pk>/sign", pages.sign, name="sign"),
    path("<int:pk>/exceptions", pages.exception_add, name="exceptions"),
    path("<int:pk>/retire", pages.retire, name="retire"),
]

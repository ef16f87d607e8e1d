from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "ekkyo.policies"
    label = "policies"
    verbose_name = "Error budget policies"

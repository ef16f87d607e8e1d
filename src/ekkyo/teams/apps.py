from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "ekkyo.teams"
    label = "teams"
    verbose_name = "Teams"

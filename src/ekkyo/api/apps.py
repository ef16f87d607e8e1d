from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ekkyo.api"
    label = "api"
    verbose_name = "HTTP API"

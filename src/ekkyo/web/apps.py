from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ekkyo.web"
    label = "web"
    verbose_name = "Web pages"

from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "ekkyo.workshops"
    label = "workshops"
    verbose_name = "SLI/SLO workshops"

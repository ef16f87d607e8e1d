from django.apps import AppConfig


class SeriesConfig(AppConfig):
    name = "ekkyo.series"
    label = "series"
    verbose_name = "SLI data"

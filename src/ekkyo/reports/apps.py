from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ekkyo.reports"
    label = "reports"
    verbose_name = "Reports"

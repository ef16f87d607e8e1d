from django.apps import AppConfig


class AlertingConfig(AppConfig):
    name = "ekkyo.alerting"
    label = "alerting"
    verbose_name = "Alerting"

from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "ekkyo.worker"
    label = "worker"
    verbose_name = "Worker and SLO status"

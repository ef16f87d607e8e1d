from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "ekkyo.catalog"
    label = "catalog"
    verbose_name = "Catalog"

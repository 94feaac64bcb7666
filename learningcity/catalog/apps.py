from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "learningcity.catalog"
    label = "catalog"
    verbose_name = "Catalog"

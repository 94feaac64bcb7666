from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "learningcity.network"
    label = "network"
    verbose_name = "City learning network"

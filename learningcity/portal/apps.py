from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "learningcity.portal"
    label = "portal"
    verbose_name = "Portal"

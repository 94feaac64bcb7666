from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "learningcity.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring the learning city")
    default_auto_field = "django.db.models.BigAutoField"

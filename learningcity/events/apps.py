from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "learningcity.events"
    label = "events"
    verbose_name = _("Learning Week and events")
    default_auto_field = "django.db.models.BigAutoField"

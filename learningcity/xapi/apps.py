from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class XapiConfig(AppConfig):
    name = "learningcity.xapi"
    label = "xapi"
    verbose_name = _("Learning record store (xAPI)")
    default_auto_field = "django.db.models.BigAutoField"

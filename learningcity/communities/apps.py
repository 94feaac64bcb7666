from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "learningcity.communities"
    label = "communities"
    verbose_name = _("Learning teams and organizations")
    default_auto_field = "django.db.models.BigAutoField"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "learningcity.funding"
    label = "funding"
    verbose_name = _("Inclusion and funding")
    default_auto_field = "django.db.models.BigAutoField"

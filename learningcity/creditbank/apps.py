from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditBankConfig(AppConfig):
    name = "learningcity.creditbank"
    label = "creditbank"
    verbose_name = _("Learning Credit Bank")
    default_auto_field = "django.db.models.BigAutoField"

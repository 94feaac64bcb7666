from django.db import models
from django.utils.translation import gettext_lazy as _


class CredentialKind(models.TextChoices):
    ACHIEVEMENT = "achievement", _("Achievement (Open Badge)")
    TRANSCRIPT = "transcript", _("Transcript (CLR)")

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other / not stated")


class Household(models.TextChoices):
    LOCAL = "local", _("Local household registration")
    NON_LOCAL = "non_local", _("Non-local household registration")


class AccessibilityNeed(models.TextChoices):
    LARGE_TEXT = "large_text", _("Large text")
    SCREEN_READER = "screen_reader", _("Screen reader")
    STEP_FREE = "step_free", _("Step-free access")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")
    SIGN_LANGUAGE = "sign_language", _("Sign language")
    EASY_READ = "easy_read", _("Easy-read materials")


class TargetGroup(models.TextChoices):
    AGED = "aged", _("The aged")
    DISABLED = "disabled", _("People with disabilities")
    LAID_OFF = "laid_off", _("Laid-off workers")
    MIGRANT = "migrant", _("Migrant workers")
    RESIDENT = "resident", _("Residents")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    CORRECTED = "corrected", _("Corrected")
    DECLINED = "declined", _("Declined, with the reason")

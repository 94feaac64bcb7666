from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    STATE = "state", _("State")
    ACTIVITY_PROFILE = "activity_profile", _("Activity profile")
    AGENT_PROFILE = "agent_profile", _("Agent profile")


class RefKind(models.TextChoices):
    ACTIVITY = "activity", _("Activity")
    AGENT = "agent", _("Agent")


class CreditOutcome(models.TextChoices):
    """What a statement did in the credit bank, and why not when it did nothing."""

    NONE = "", _("Not a completion")
    PENDING = "pending", _("Waiting to be read into the credit bank")
    CREATED = "created", _("Became a learning record")
    UNKNOWN_ACTIVITY = "unknown_activity", _("The activity is not registered")
    UNKNOWN_ACTOR = "unknown_actor", _("The actor is not a credit-bank account or a known email")
    NOT_PASSED = "not_passed", _("The result says the learner did not succeed")
    REFUSED = "refused", _("The credit bank refused the record")
    VOID_PENDING = "void_pending", _("Voided: the record waits to be revoked")
    REVOKED = "revoked", _("Voided: the record was revoked")
    VOID_REFUSED = "void_refused", _("Voided: the credit bank could not revoke the record")

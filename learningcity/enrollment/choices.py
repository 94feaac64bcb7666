from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("Applied, waiting for the draw")
    OFFERED = "offered", _("Offered a place")
    WAITLISTED = "waitlisted", _("On the waiting list")
    ACCEPTED = "accepted", _("Place accepted")
    DECLINED = "declined", _("Place declined")
    EXPIRED = "expired", _("Offer expired")
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Statuses that hold (or may still get) a seat: one such application per learner and class.
LIVE_STATUSES = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.OFFERED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.ENROLLED,
)
# Statuses that occupy a seat in the class.
SEAT_STATUSES = (ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED, ApplicationStatus.ENROLLED)


class Tier(models.IntegerChoices):
    FIRST_TIME = 0, _("First-time learner")
    RETURNING = 1, _("Returning learner")


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", _("Seed committed; applications open")
    DRAWN = "drawn", _("Drawn and published")


# Applications one person may send in a minute (a term allows a handful of choices; retries
# and a shaky connection fit many times over; a script hammering the form does not).
APPLY_PER_MINUTE = 30

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventLevel(models.TextChoices):
    MUNICIPAL = "municipal", _("City-wide")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / subdistrict")
    SITE = "site", _("Learning site")


class EventKind(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    EXHIBITION = "exhibition", _("Exhibition")
    READING_FESTIVAL = "reading_festival", _("Reading festival")
    LEARNING_WALK = "learning_walk", _("Learning walk")
    OPEN_DAY = "open_day", _("Open day")
    ONLINE_TALK = "online_talk", _("Online talk")
    PERFORMANCE = "performance", _("Performance")
    WORKSHOP = "workshop", _("Workshop")


class EventStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")


# A learner holds at most one of these per event.
LIVE_STATUSES = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.WAITLISTED,
    RegistrationStatus.ATTENDED,
)


class ReminderKind(models.TextChoices):
    DAY_BEFORE = "day_before", _("The day before")

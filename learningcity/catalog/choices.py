from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    CULTURE_ARTS = "culture_arts", _("Culture and arts")
    HEALTH = "health", _("Health and wellbeing")
    DIGITAL = "digital", _("Digital skills")
    LANGUAGES = "languages", _("Languages")
    VOCATIONAL = "vocational", _("Vocational skills")
    FAMILY = "family", _("Family education")
    LAW_CIVICS = "law_civics", _("Law and civics")
    SCIENCE = "science", _("Science")


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    BLENDED = "blended", _("Blended")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    AGED = "aged", _("Older residents")
    DISABLED = "disabled", _("People with disabilities")
    WORKERS = "workers", _("Workers and job seekers")
    MIGRANTS = "migrants", _("Migrant workers")
    FAMILIES = "families", _("Parents and families")


class Rationing(models.TextChoices):
    FIRST_COME = "first_come", _("First come, first served")
    LOTTERY = "lottery", _("Lottery after the application window")


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class ResourceKind(models.TextChoices):
    VIDEO = "video", _("Video")
    EBOOK = "ebook", _("E-book")
    MOOC = "mooc", _("Online course (MOOC)")
    AUDIO = "audio", _("Audio")
    ARTICLE = "article", _("Article")


class Weekday(models.IntegerChoices):
    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class DocumentKind(models.TextChoices):
    """What a search result is. The values sort as the results list them without a query."""

    CLASS = "class", _("Class")
    COURSE = "course", _("Course")
    RESOURCE = "resource", _("Online resource")


class TimeOfDay(models.TextChoices):
    """When a class starts: before noon, before six in the evening, or later."""

    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (12:00 to 18:00)")
    EVENING = "evening", _("Evening (from 18:00)")


class FeeFilter(models.TextChoices):
    FREE = "free", _("Free")
    PAID = "paid", _("With a fee")


class WindowState(models.TextChoices):
    """Where a class's application window stands at a moment."""

    UPCOMING = "upcoming", _("Not open yet")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")

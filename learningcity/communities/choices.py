from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamTopic(models.TextChoices):
    SINGING = "singing", _("Singing and choirs")
    CALLIGRAPHY = "calligraphy", _("Calligraphy and painting")
    PHOTOGRAPHY = "photography", _("Photography")
    DANCE = "dance", _("Dance")
    READING = "reading", _("Reading")
    FITNESS = "fitness", _("Tai chi and fitness")
    DIGITAL = "digital", _("Digital skills")
    LANGUAGES = "languages", _("Languages")
    CRAFTS = "crafts", _("Handicrafts")
    OTHER = "other", _("Other")


class TeamStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    ACTIVE = "active", _("Approved and active")
    REJECTED = "rejected", _("Not approved")
    DISSOLVED = "dissolved", _("Dissolved")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    DEPUTY = "deputy", _("Deputy leader")
    MEMBER = "member", _("Member")


class MembershipStatus(models.TextChoices):
    REQUESTED = "requested", _("Asked to join")
    ACTIVE = "active", _("Member")
    REFUSED = "refused", _("Request refused")
    LEFT = "left", _("Left the team")


# A membership that counts: one such row per learner and team.
LIVE_MEMBERSHIP = (MembershipStatus.REQUESTED, MembershipStatus.ACTIVE)


class ReviewOutcome(models.TextChoices):
    STAR = "star", _("Star learning team")
    GOOD = "good", _("Good")
    SATISFACTORY = "satisfactory", _("Satisfactory")
    NEEDS_IMPROVEMENT = "needs_improvement", _("Needs improvement")


class OrganizationType(models.TextChoices):
    ENTERPRISE = "enterprise", _("Learning enterprise")
    FAMILY = "family", _("Learning family")
    COMMUNITY = "community", _("Learning community")


class RecognitionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RECOGNISED = "recognised", _("Recognised")
    NOT_RECOGNISED = "not_recognised", _("Not recognised")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated, under review")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded")


class Availability(models.TextChoices):
    WEEKDAY_MORNING = "weekday_morning", _("Weekday mornings")
    WEEKDAY_AFTERNOON = "weekday_afternoon", _("Weekday afternoons")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")


class TeachingLanguage(models.TextChoices):
    MANDARIN = "zh", _("Mandarin")
    SHANGHAINESE = "wuu", _("Shanghainese")
    ENGLISH = "en", _("English")
    JAPANESE = "ja", _("Japanese")
    SIGN = "csl", _("Chinese Sign Language")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")

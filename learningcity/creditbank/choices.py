from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.catalog.choices import Category


class AccountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged into another account")


class CreditCategory(models.TextChoices):
    """The categories of learning the bank records; a record's credits keep its category."""

    DEGREE = "degree", _("Degree education")
    VOCATIONAL = "vocational", _("Vocational training")
    CULTURE_LEISURE = "culture_leisure", _("Culture and leisure")
    DIGITAL = "digital", _("Digital learning")
    ACTIVITY = "activity", _("Activities")


def category_for_course(catalog_category: str) -> str:
    """The credit category of a catalog course: vocational and digital skills keep theirs;
    every other community course (arts, health, languages, family, civics, science) is
    culture and leisure."""
    kept: dict[str, str] = {
        Category.VOCATIONAL: CreditCategory.VOCATIONAL,
        Category.DIGITAL: CreditCategory.DIGITAL,
    }
    return kept.get(catalog_category, CreditCategory.CULTURE_LEISURE)


class RecordStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    REVOKED = "revoked", _("Revoked")


class RecordChannel(models.TextChoices):
    WEB = "web", _("Web form")
    UPLOAD = "upload", _("File upload")
    API = "api", _("Batch API")
    ENROLLMENT = "enrollment", _("Class completion")
    XAPI = "xapi", _("Learning record store (xAPI)")
    PRIOR_LEARNING = "prior_learning", _("Recognition of prior learning")
    IMPORT = "import", _("Bulk import")
    EVENT = "event", _("Event attendance")


class StandardKind(models.TextChoices):
    CERTIFICATE = "certificate", _("Named certificate")
    COURSE_HOURS = "course_hours", _("Course by hours")
    LEISURE = "leisure", _("Leisure course")
    DIGITAL = "digital", _("Digital course")
    ACADEMIC = "academic", _("Academic course")


class Convertibility(models.TextChoices):
    """Whether credits of a category may become academic credit in a program."""

    DIRECT = "direct", _("Converts directly")
    VIA_EQUIVALENCE = "via_equivalence", _("Only through a listed equivalence")
    NEVER = "never", _("Never converts")


# The hard rules, as the conversion-policy migration writes them; a category whose row is
# missing falls back to these (so a wiped table never lets leisure convert).
DEFAULT_CONVERTIBILITY: dict[str, str] = {
    CreditCategory.DEGREE: Convertibility.DIRECT,
    CreditCategory.VOCATIONAL: Convertibility.VIA_EQUIVALENCE,
    CreditCategory.DIGITAL: Convertibility.VIA_EQUIVALENCE,
    CreditCategory.CULTURE_LEISURE: Convertibility.NEVER,
    CreditCategory.ACTIVITY: Convertibility.NEVER,
}


class PostingKind(models.TextChoices):
    RECOGNITION = "recognition", _("Recognition")
    REVERSAL = "reversal", _("Reversal")
    TRANSFER_OUT = "transfer_out", _("Moved to another account")
    TRANSFER_IN = "transfer_in", _("Moved from a merged account")


class RequirementArea(models.TextChoices):
    MAJOR = "major", _("Major")
    GENERAL = "general", _("General education")
    ELECTIVE = "elective", _("Elective")


class ProgramLevel(models.TextChoices):
    ASSOCIATE = "associate", _("Associate degree")
    BACHELOR = "bachelor", _("Bachelor's degree")
    CERTIFICATE = "certificate", _("Certificate programme")


class ConversionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for an assessor")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    APPEALED = "appealed", _("Appealed")
    UPHELD = "upheld", _("Appeal refused")
    OVERTURNED = "overturned", _("Appeal granted")


CLAIM_OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.APPEALED)

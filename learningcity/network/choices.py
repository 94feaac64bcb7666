from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWN = "town", _("Town / subdistrict")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")


AREA_LEVEL_DEPTH = {
    AreaLevel.CITY: 0,
    AreaLevel.DISTRICT: 1,
    AreaLevel.TOWN: 2,
    AreaLevel.NEIGHBOURHOOD: 3,
}


class ProviderSystem(models.TextChoices):
    GOVERNANCE = "governance", _("Governance")
    ADULT_EDUCATION = "adult_education", _("Adult-education institutions")
    NON_PUBLIC = "non_public", _("Non-public training institutions")
    WORKPLACE = "workplace", _("Workplace training")
    COMMUNITY = "community", _("Community and elder education")


class OrganizationKind(models.TextChoices):
    EDUCATION_COMMISSION = "education_commission", _("Municipal education commission")
    ADVISORY_COMMITTEE = "advisory_committee", _("Learning city advisory committee")
    ADVISORY_OFFICE = "advisory_office", _("Office of the advisory committee")
    SERVICE_CENTER = "service_center", _("Service Center / Open University")
    DISTRICT_OFFICE = "district_office", _("District learning city office")
    TOWN_OFFICE = "town_office", _("Town learning city office")
    UNIVERSITY_ADULT_SCHOOL = "university_adult_school", _("University adult-education school")
    DISTRICT_ADULT_SCHOOL = "district_adult_school", _("District adult-education institution")
    TRAINING_INSTITUTION = "training_institution", _("Non-public training institution")
    EMPLOYER = "employer", _("Employer (workplace training)")
    COMMUNITY_COLLEGE = "community_college", _("District community college")
    COMMUNITY_SCHOOL = "community_school", _("Town community school")
    NEIGHBOURHOOD_SITE = "neighbourhood_site", _("Neighbourhood learning site")
    ELDER_COLLEGE = "elder_college", _("Elder college")
    ELDER_SITE = "elder_site", _("Elder learning site")


KIND_SYSTEM: dict[str, str] = {
    OrganizationKind.EDUCATION_COMMISSION: ProviderSystem.GOVERNANCE,
    OrganizationKind.ADVISORY_COMMITTEE: ProviderSystem.GOVERNANCE,
    OrganizationKind.ADVISORY_OFFICE: ProviderSystem.GOVERNANCE,
    OrganizationKind.SERVICE_CENTER: ProviderSystem.GOVERNANCE,
    OrganizationKind.DISTRICT_OFFICE: ProviderSystem.GOVERNANCE,
    OrganizationKind.TOWN_OFFICE: ProviderSystem.GOVERNANCE,
    OrganizationKind.UNIVERSITY_ADULT_SCHOOL: ProviderSystem.ADULT_EDUCATION,
    OrganizationKind.DISTRICT_ADULT_SCHOOL: ProviderSystem.ADULT_EDUCATION,
    OrganizationKind.TRAINING_INSTITUTION: ProviderSystem.NON_PUBLIC,
    OrganizationKind.EMPLOYER: ProviderSystem.WORKPLACE,
    OrganizationKind.COMMUNITY_COLLEGE: ProviderSystem.COMMUNITY,
    OrganizationKind.COMMUNITY_SCHOOL: ProviderSystem.COMMUNITY,
    OrganizationKind.NEIGHBOURHOOD_SITE: ProviderSystem.COMMUNITY,
    OrganizationKind.ELDER_COLLEGE: ProviderSystem.COMMUNITY,
    OrganizationKind.ELDER_SITE: ProviderSystem.COMMUNITY,
}


def kinds_of_system(system: str) -> list[str]:
    return [kind for kind, kind_system in KIND_SYSTEM.items() if kind_system == system]


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class StaffRoleKind(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    REGISTRAR = "registrar", _("Registrar")
    ASSESSOR = "assessor", _("Assessor")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    AUDITOR = "auditor", _("Auditor")
    VIEWER = "viewer", _("Viewer")


class Action(models.TextChoices):
    VIEW = "view", _("view")
    CHANGE = "change", _("change")
    MANAGE_STAFF = "manage_staff", _("manage staff")
    ASSESS = "assess", _("assess learning")
    FINANCE = "finance", _("manage budgets and payments")


# What each role may do inside its scope. Auditors and viewers read; only admins and
# registrars change records; only admins grant roles; only assessors decide on credits; only
# finance officers see and move budgets, commitments, payments and fraud flags.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    StaffRoleKind.ADMIN: frozenset({Action.VIEW, Action.CHANGE, Action.MANAGE_STAFF}),
    StaffRoleKind.REGISTRAR: frozenset({Action.VIEW, Action.CHANGE}),
    StaffRoleKind.ASSESSOR: frozenset({Action.VIEW, Action.ASSESS}),
    StaffRoleKind.FINANCE_OFFICER: frozenset({Action.VIEW, Action.FINANCE}),
    StaffRoleKind.AUDITOR: frozenset({Action.VIEW}),
    StaffRoleKind.VIEWER: frozenset({Action.VIEW}),
}


# Roles that can change anything (records, credits, money, staff) log in with a one-time code
# as well as a password; auditors and viewers, who only read, do not have to.
SECOND_FACTOR_ROLES: frozenset[str] = frozenset(
    role for role, actions in ROLE_ACTIONS.items() if actions - {Action.VIEW}
)


class AccessibilityFeature(models.TextChoices):
    STEP_FREE = "step_free", _("Step-free access")
    ACCESSIBLE_TOILET = "accessible_toilet", _("Accessible toilet")
    HEARING_LOOP = "hearing_loop", _("Hearing loop")

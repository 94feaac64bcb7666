"""The admin in the matrix: every registered model's list as every actor, and the change pages
of district A's objects, which no one outside the objects' subtrees may open."""

from django.contrib import admin

from learningcity.network.tests.factories import City
from tests.authz.matrix import (
    ANY_STAFF,
    SUPERUSER,
    Actors,
    Page,
    Route,
    run_matrix,
    staff,
)

ONLY_SUPERUSER = frozenset({SUPERUSER})
# Every staff role can view something in its subtree, so the scoped lists open for all of them
# (each showing only its own subtree, checked below by what the lists show).
# The municipal office's people who may change things keep the population and the blueprint.
MUNICIPAL_KEEPERS = staff("change", levels=("municipal",))
# Governance bodies see their area's subtree; a provider sees its own organization's subtree.
OVER_TOWN_A1 = staff(levels=("municipal", "district", "town"))
OVER_SCHOOL_A = staff(levels=("municipal", "district", "town", "provider"))

# Who opens each model's list. Models whose admin is read-only without Django model
# permissions (funding, credentials, communities, the edition list, tasks, groups) are for the
# platform's administrators; staff work with them through the app's own pages.
LISTS: dict[str, frozenset[str]] = {
    "accounts.apitoken": ONLY_SUPERUSER,
    "accounts.user": ONLY_SUPERUSER,
    "auth.group": ONLY_SUPERUSER,
    "core.auditentry": ONLY_SUPERUSER,
    "django_tasks_database.dbtaskresult": ONLY_SUPERUSER,
    "catalog.class": ANY_STAFF,
    "catalog.course": ANY_STAFF,
    "catalog.resource": ANY_STAFF,
    "catalog.term": ANY_STAFF,
    "communities.learningteam": ONLY_SUPERUSER,
    "communities.nomination": ONLY_SUPERUSER,
    "communities.recognitionapplication": ONLY_SUPERUSER,
    "communities.recognitioncriterion": ONLY_SUPERUSER,
    "communities.volunteerinvitation": ONLY_SUPERUSER,
    "credentials.credential": ONLY_SUPERUSER,
    "credentials.issuerkey": ONLY_SUPERUSER,
    "credentials.statuslist": ONLY_SUPERUSER,
    "creditbank.account": ANY_STAFF,
    "creditbank.learningrecord": ANY_STAFF,
    "creditbank.posting": ANY_STAFF,
    "enrollment.application": ANY_STAFF,
    "enrollment.draw": ANY_STAFF,
    "events.edition": ONLY_SUPERUSER,
    "events.event": ANY_STAFF,
    "events.registration": ANY_STAFF,
    "funding.budget": ONLY_SUPERUSER,
    "funding.contract": ONLY_SUPERUSER,
    "funding.entitlementscheme": ONLY_SUPERUSER,
    "funding.fraudflag": ONLY_SUPERUSER,
    "funding.journaltransaction": ONLY_SUPERUSER,
    "funding.settlement": ONLY_SUPERUSER,
    "funding.subsidypolicy": ONLY_SUPERUSER,
    "funding.targetgrouprule": ONLY_SUPERUSER,
    "learners.learner": ANY_STAFF,
    "learners.targetgroupmembership": ANY_STAFF,
    "monitoring.blueprint": MUNICIPAL_KEEPERS,
    "monitoring.population": MUNICIPAL_KEEPERS,
    "network.area": ANY_STAFF,
    "network.learningsite": ANY_STAFF,
    "network.organization": ANY_STAFF,
    "network.staffrole": ANY_STAFF,
}


def _list(label: str, allowed: frozenset[str], **kwargs: object) -> Page:
    app, model = label.split(".")
    return Page(f"admin:{app}_{model}_changelist", allowed, **kwargs)  # type: ignore[arg-type]


ROUTES: list[Route] = [
    Page("admin:index", ANY_STAFF),
    *(_list(label, allowed) for label, allowed in LISTS.items()),
    # What the scoped lists show: school A's code only to those over it.
    _list("network.organization", ANY_STAFF, shows="school_code", seers=OVER_SCHOOL_A),
    _list("network.learningsite", ANY_STAFF, shows="site_name", seers=OVER_SCHOOL_A),
    # Change pages of district A's objects.
    Page(
        "admin:network_organization_change",
        OVER_SCHOOL_A,
        kwargs={"object_id": "{school_pk}"},
    ),
    Page(
        "admin:network_learningsite_change",
        OVER_SCHOOL_A,
        kwargs={"object_id": "{site_pk}"},
    ),
    # A provider's staff never see residents just because they work in the same town.
    Page(
        "admin:learners_learner_change",
        OVER_TOWN_A1,
        kwargs={"object_id": "{resident_pk}"},
    ),
    Page(
        "admin:network_area_change",
        OVER_TOWN_A1,
        kwargs={"object_id": "{town_pk}"},
    ),
]


def test_every_registered_model_has_a_list_row() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(LISTS)


def test_admin_matrix(city: City, actors: Actors) -> None:
    world = {
        "school_code": city.a.school.code,
        "school_pk": str(city.a.school.pk),
        "site_name": city.a.site.name_zh,
        "site_pk": str(city.a.site.pk),
        "resident_pk": str(actors.resident.pk),
        "town_pk": str(city.a.town.pk),
    }
    run_matrix(ROUTES, world, actors)

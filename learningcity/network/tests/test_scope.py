"""The scope every selector and service uses: who acts where."""

from learningcity.network.choices import Action
from learningcity.network.models import LearningSite, Organization, actor_scope
from learningcity.network.tests.factories import City


def test_district_officer_scope_is_their_district_subtree(city: City) -> None:
    scope = actor_scope(city.a.officer, Action.VIEW)

    assert scope.area_paths == (city.a.area.path,)
    assert scope.everything is False


def test_district_officer_sees_only_own_district_organizations(city: City) -> None:
    visible = set(
        Organization.objects.restrict(city.a.officer, Action.VIEW).values_list("code", flat=True)
    )

    assert visible == {"310101-OFFICE", "310101-TOWN", "310101-CC", "310101-CS"}


def test_provider_admin_sees_own_organization_subtree_only(city: City) -> None:
    visible = set(
        Organization.objects.restrict(city.a.school_admin, Action.VIEW).values_list(
            "code", flat=True
        )
    )

    assert visible == {"310101-CS"}


def test_viewer_role_cannot_change(city: City) -> None:
    assert Organization.objects.restrict(city.municipal_officer, Action.CHANGE).count() == 0
    assert Organization.objects.restrict(city.municipal_officer, Action.VIEW).count() == 9


def test_anonymous_has_empty_scope(city: City) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert actor_scope(AnonymousUser(), Action.VIEW).nothing
    assert LearningSite.objects.restrict(AnonymousUser(), Action.VIEW).count() == 0


def test_town_officer_sees_sites_in_town(city: City) -> None:
    sites = list(LearningSite.objects.restrict(city.a.town_officer, Action.VIEW))

    assert sites == [city.a.site]

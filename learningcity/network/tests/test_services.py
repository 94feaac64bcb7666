"""Changes to the network: who may make them, what they refuse, what they record."""

import pytest
from django.utils import translation

from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.models import AuditEntry
from learningcity.network import selectors, services
from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
from learningcity.network.models import Area, Organization, StaffRole
from learningcity.network.tests.factories import City, make_user


def test_area_paths_nest_by_code(city: City) -> None:
    assert city.a.neighbourhood.path == "310000/310101/310101001/310101001001/"
    assert set(selectors.area_subtree(city.a.area).values_list("code", flat=True)) == {
        "310101",
        "310101001",
        "310101001001",
    }


def test_area_level_must_follow_its_parent(city: City) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        services.area_create(
            actor=city.root,
            code="310101999",
            level=AreaLevel.NEIGHBOURHOOD,
            parent=city.a.area,
            name_zh="错层",
        )

    assert list(excinfo.value.fields) == ["parent"]
    assert not Area.objects.filter(code="310101999").exists()


def test_area_code_is_unique(city: City) -> None:
    with pytest.raises(Conflict) as excinfo:
        services.area_create(
            actor=city.root,
            code="310101001",
            level=AreaLevel.TOWN,
            parent=city.a.area,
            name_zh="重复",
        )

    assert list(excinfo.value.fields) == ["code"]


def test_district_officer_may_add_a_town_only_in_own_district(city: City) -> None:
    town = services.area_create(
        actor=city.a.officer,
        code="310101002",
        level=AreaLevel.TOWN,
        parent=city.a.area,
        name_zh="新街道",
    )

    assert town.path == "310000/310101/310101002/"
    with pytest.raises(PermissionDenied):
        services.area_create(
            actor=city.a.officer,
            code="310104002",
            level=AreaLevel.TOWN,
            parent=city.b.area,
            name_zh="越界",
        )


def test_subpopulations_cannot_exceed_population(city: City) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        services.area_create(
            actor=city.root,
            code="310101003",
            level=AreaLevel.TOWN,
            parent=city.a.area,
            name_zh="人口",
            population=10,
            population_over_65=11,
        )

    assert list(excinfo.value.fields) == ["population_over_65"]


def test_organization_path_extends_its_parent(city: City) -> None:
    assert city.a.school.path == f"{city.a.college.pk}/{city.a.school.pk}/"


def test_district_officer_registers_a_provider_in_own_district(city: City) -> None:
    org = services.organization_create(
        actor=city.a.officer,
        code="NP-1",
        kind=OrganizationKind.TRAINING_INSTITUTION,
        name_zh="黄浦培训中心",
        area=city.a.town,
    )

    assert org.provider_system == "non_public"
    assert AuditEntry.objects.filter(
        action="organization.create", subject="organization:NP-1"
    ).exists()


def test_district_officer_cannot_register_in_another_district(city: City) -> None:
    with pytest.raises(PermissionDenied):
        services.organization_create(
            actor=city.a.officer,
            code="NP-2",
            kind=OrganizationKind.TRAINING_INSTITUTION,
            name_zh="越界培训",
            area=city.b.town,
        )

    assert not Organization.objects.filter(code="NP-2").exists()


def test_college_admin_may_add_a_child_organization(city: City) -> None:
    college_admin = make_user()
    services.staff_role_grant(
        actor=city.root, user=college_admin, organization=city.a.college, role=StaffRoleKind.ADMIN
    )

    site_org = services.organization_create(
        actor=college_admin,
        code="NS-1",
        kind=OrganizationKind.NEIGHBOURHOOD_SITE,
        name_zh="居委学习点",
        area=city.a.neighbourhood,
        parent=city.a.school,
    )

    assert site_org.path.startswith(city.a.college.path)


def test_organization_update_refuses_unknown_fields(city: City) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        services.organization_update(
            actor=city.root, code="310101-CS", changes={"kind": "employer"}
        )

    assert list(excinfo.value.fields) == ["kind"]


def test_closing_an_organization_removes_its_staffs_scope(city: City) -> None:
    services.organization_update(
        actor=city.a.officer, code="310101-CS", changes={"status": "closed"}
    )
    fresh_admin = type(city.a.school_admin).objects.get(pk=city.a.school_admin.pk)

    with pytest.raises(NotFound):
        services.organization_update(actor=fresh_admin, code="310101-CS", changes={"phone": "1"})


def test_granting_a_role_needs_manage_staff_in_scope(city: City) -> None:
    user = make_user()

    with pytest.raises(PermissionDenied):
        services.staff_role_grant(
            actor=city.b.officer, user=user, organization=city.a.school, role=StaffRoleKind.VIEWER
        )
    services.staff_role_grant(
        actor=city.a.officer, user=user, organization=city.a.school, role=StaffRoleKind.VIEWER
    )

    user.refresh_from_db()
    assert user.is_staff is True
    assert StaffRole.objects.filter(user=user).count() == 1


def test_granting_the_same_role_twice_is_idempotent(city: City) -> None:
    user = make_user()
    for _ in range(2):
        services.staff_role_grant(
            actor=city.a.officer, user=user, organization=city.a.school, role=StaffRoleKind.VIEWER
        )

    assert StaffRole.objects.filter(user=user).count() == 1
    assert (
        AuditEntry.objects.filter(action="staff_role.grant", subject=f"user:{user.pk}").count() == 1
    )


def test_revoking_a_role_removes_scope(city: City) -> None:
    role = StaffRole.objects.get(user=city.a.school_admin)

    services.staff_role_revoke(actor=city.a.officer, staff_role=role)

    fresh = type(city.a.school_admin).objects.get(pk=city.a.school_admin.pk)
    assert Organization.objects.restrict(fresh, "view").count() == 0


def test_district_counts_sum_each_districts_subtree(city: City) -> None:
    counts = {c.code: (c.organizations, c.sites) for c in selectors.district_counts()}

    assert counts == {"310101": (4, 1), "310104": (4, 1)}


def test_a_role_that_can_change_records_requires_a_second_factor_until_revoked(
    city: City,
) -> None:
    user = make_user()
    services.staff_role_grant(
        actor=city.a.officer, user=user, organization=city.a.school, role=StaffRoleKind.VIEWER
    )
    user.refresh_from_db()
    assert user.requires_second_factor is False

    registrar = services.staff_role_grant(
        actor=city.a.officer, user=user, organization=city.a.school, role=StaffRoleKind.REGISTRAR
    )
    user.refresh_from_db()
    assert user.requires_second_factor is True

    services.staff_role_revoke(actor=city.a.officer, staff_role=registrar)
    user.refresh_from_db()
    assert user.requires_second_factor is False

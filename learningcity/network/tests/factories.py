"""Factory functions for the network: small, explicit, built through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from learningcity.accounts.models import User
from learningcity.accounts.services import user_create
from learningcity.network import services
from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
from learningcity.network.models import Area, LearningSite, Organization

_seq = itertools.count(1)


def make_root() -> User:
    return user_create(
        actor=None, username=f"root{next(_seq)}", password=None, is_staff=True, is_superuser=True
    )


def make_user(username: str | None = None, password: str | None = None, **kwargs: Any) -> User:
    return user_create(
        actor=None, username=username or f"user{next(_seq)}", password=password, **kwargs
    )


def make_area(
    *,
    actor: User,
    parent: Area | None,
    level: str,
    code: str | None = None,
    name_zh: str = "测试区",
    name_en: str = "Test",
    population: int = 1000,
) -> Area:
    return services.area_create(
        actor=actor,
        code=code or f"9{next(_seq):08d}",
        level=level,
        parent=parent,
        name_zh=name_zh,
        name_en=name_en,
        population=population,
        population_over_65=population // 10,
        population_non_local=population // 3,
    )


def make_org(
    *,
    actor: User,
    area: Area,
    kind: str = OrganizationKind.COMMUNITY_SCHOOL,
    parent: Organization | None = None,
    code: str | None = None,
    name_zh: str = "测试社区学校",
    name_en: str = "Test Community School",
) -> Organization:
    return services.organization_create(
        actor=actor,
        code=code or f"ORG{next(_seq):06d}",
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        area=area,
        parent=parent,
    )


def make_site(
    *,
    actor: User,
    organization: Organization,
    area: Area | None = None,
    name_zh: str = "测试学习点",
    name_en: str = "Test learning site",
    **kwargs: Any,
) -> LearningSite:
    return services.site_create(
        actor=actor,
        organization=organization,
        area=area or organization.area,
        name_zh=name_zh,
        name_en=name_en,
        address_zh="测试路1号",
        address_en="1 Test Road",
        **kwargs,
    )


def make_staff(
    *,
    actor: User,
    organization: Organization,
    role: str = StaffRoleKind.ADMIN,
    username: str | None = None,
    password: str | None = None,
) -> User:
    user = make_user(username=username, password=password)
    services.staff_role_grant(actor=actor, user=user, organization=organization, role=role)
    user.refresh_from_db()
    return user


@dataclass
class District:
    area: Area
    town: Area
    neighbourhood: Area
    office: Organization
    town_office: Organization
    college: Organization
    school: Organization
    site: LearningSite
    officer: User
    town_officer: User
    school_admin: User


@dataclass
class City:
    root: User
    city: Area
    commission: Organization
    municipal_officer: User
    a: District
    b: District


def make_district(root: User, city: Area, code: str, name_zh: str, name_en: str) -> District:
    area = make_area(
        actor=root,
        parent=city,
        level=AreaLevel.DISTRICT,
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        population=100_000,
    )
    town = make_area(
        actor=root,
        parent=area,
        level=AreaLevel.TOWN,
        code=f"{code}001",
        name_zh=f"{name_zh}一街道",
        name_en=f"{name_en} First Subdistrict",
    )
    neighbourhood = make_area(
        actor=root,
        parent=town,
        level=AreaLevel.NEIGHBOURHOOD,
        code=f"{code}001001",
        name_zh=f"{name_zh}一居委",
        name_en=f"{name_en} First Neighbourhood",
    )
    office = make_org(
        actor=root,
        area=area,
        kind=OrganizationKind.DISTRICT_OFFICE,
        code=f"{code}-OFFICE",
        name_zh=f"{name_zh}学习型城区办公室",
        name_en=f"{name_en} Learning District Office",
    )
    town_office = make_org(
        actor=root,
        area=town,
        kind=OrganizationKind.TOWN_OFFICE,
        parent=office,
        code=f"{code}-TOWN",
        name_zh=f"{name_zh}一街道办",
        name_en=f"{name_en} Subdistrict Office",
    )
    college = make_org(
        actor=root,
        area=area,
        kind=OrganizationKind.COMMUNITY_COLLEGE,
        code=f"{code}-CC",
        name_zh=f"{name_zh}社区学院",
        name_en=f"{name_en} Community College",
    )
    school = make_org(
        actor=root,
        area=town,
        kind=OrganizationKind.COMMUNITY_SCHOOL,
        parent=college,
        code=f"{code}-CS",
        name_zh=f"{name_zh}一街道社区学校",
        name_en=f"{name_en} Community School",
    )
    site = make_site(
        actor=root,
        organization=school,
        area=neighbourhood,
        name_zh=f"{name_zh}一居委学习点",
        name_en=f"{name_en} Learning Point",
        step_free=True,
        capacity=40,
    )
    officer = make_staff(
        actor=root,
        organization=office,
        username=f"officer-{code}",
        password="a-long-test-passphrase",
    )
    town_officer = make_staff(actor=root, organization=town_office, username=f"town-{code}")
    school_admin = make_staff(actor=root, organization=school, username=f"school-{code}")
    return District(
        area,
        town,
        neighbourhood,
        office,
        town_office,
        college,
        school,
        site,
        officer,
        town_officer,
        school_admin,
    )


def make_city() -> City:
    root = make_root()
    city = make_area(
        actor=root,
        parent=None,
        level=AreaLevel.CITY,
        code="310000",
        name_zh="上海市",
        name_en="Shanghai",
        population=1_000_000,
    )
    commission = make_org(
        actor=root,
        area=city,
        kind=OrganizationKind.EDUCATION_COMMISSION,
        code="SH-EDU",
        name_zh="上海市教育委员会",
        name_en="Shanghai Municipal Education Commission",
    )
    municipal_officer = make_staff(
        actor=root, organization=commission, role=StaffRoleKind.VIEWER, username="municipal"
    )
    a = make_district(root, city, "310101", "黄浦区", "Huangpu")
    b = make_district(root, city, "310104", "徐汇区", "Xuhui")
    return City(root, city, commission, municipal_officer, a, b)

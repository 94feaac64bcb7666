"""Every read of the network, scoped to who asks where it is not public."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from learningcity.core.errors import NotFound
from learningcity.network.choices import (
    KIND_SYSTEM,
    Action,
    AreaLevel,
    OrganizationStatus,
)
from learningcity.network.data import DistrictCount, Scope
from learningcity.network.models import (
    Area,
    LearningSite,
    Organization,
    StaffRole,
    actor_scope,
)


def scope_of(*, actor: Any, action: str = Action.VIEW) -> Scope:
    return actor_scope(actor, action)


def area_list(
    *, level: str | None = None, parent_code: str | None = None, q: str | None = None
) -> QuerySet[Area]:
    """Areas are public geography: anyone may list them."""
    qs = Area.objects.all()
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if q:
        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code=q))
    return qs.order_by("code")


def area_get(*, code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise NotFound(_("No such area."))
    return area


def area_subtree(area: Area) -> QuerySet[Area]:
    return Area.objects.filter(path__startswith=area.path)


def organization_list(
    *,
    viewer: Any,
    kind: str | None = None,
    system: str | None = None,
    area_code: str | None = None,
    parent_code: str | None = None,
    q: str | None = None,
    mine: bool = False,
) -> QuerySet[Organization]:
    """The public directory of active organizations; with `mine`, what the viewer manages
    (any status)."""
    if mine:
        qs = Organization.objects.restrict(viewer, Action.VIEW)
    else:
        qs = Organization.objects.filter(status=OrganizationStatus.ACTIVE)
    if kind:
        qs = qs.filter(kind=kind)
    if system:
        qs = qs.filter(kind__in=[k for k, s in KIND_SYSTEM.items() if s == system])
    if area_code:
        area = Area.objects.filter(code=area_code).only("path").first()
        qs = qs.filter(area__path__startswith=area.path) if area else qs.none()
    if parent_code:
        qs = qs.filter(parent__code=parent_code)
    if q:
        qs = qs.filter(Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(code__iexact=q))
    return qs.select_related("area", "parent").order_by("code")


def organization_get(*, code: str) -> Organization:
    """One organization of the public directory (active ones only)."""
    org = (
        Organization.objects.select_related("area", "parent")
        .filter(code=code, status=OrganizationStatus.ACTIVE)
        .first()
    )
    if org is None:
        raise NotFound(_("No such organization."))
    return org


def access_organization(*, viewer: Any, code: str, action: str = Action.VIEW) -> Organization:
    """An organization the viewer may act on; 404 both when missing and when out of scope."""
    org = (
        Organization.objects.restrict(viewer, action)
        .select_related("area", "parent")
        .filter(code=code)
        .first()
    )
    if org is None:
        raise NotFound(_("No such organization."))
    return org


def site_list(
    *,
    viewer: Any,
    area_code: str | None = None,
    organization_code: str | None = None,
    step_free: bool | None = None,
    accessible_toilet: bool | None = None,
    hearing_loop: bool | None = None,
    q: str | None = None,
    mine: bool = False,
) -> QuerySet[LearningSite]:
    if mine:
        qs = LearningSite.objects.restrict(viewer, Action.VIEW)
    else:
        qs = LearningSite.objects.filter(
            is_active=True, organization__status=OrganizationStatus.ACTIVE
        )
    if area_code:
        area = Area.objects.filter(code=area_code).only("path").first()
        qs = qs.filter(area__path__startswith=area.path) if area else qs.none()
    if organization_code:
        qs = qs.filter(organization__code=organization_code)
    for field, wanted in (
        ("step_free", step_free),
        ("accessible_toilet", accessible_toilet),
        ("hearing_loop", hearing_loop),
    ):
        if wanted is not None:
            qs = qs.filter(**{field: wanted})
    if q:
        qs = qs.filter(
            Q(name_zh__icontains=q)
            | Q(name_en__icontains=q)
            | Q(address_zh__icontains=q)
            | Q(address_en__icontains=q)
        )
    return qs.select_related("area", "organization").order_by("id")


def site_get(*, public_id: Any) -> LearningSite:
    site = (
        LearningSite.objects.select_related("area", "organization", "area__parent")
        .filter(public_id=public_id, is_active=True, organization__status=OrganizationStatus.ACTIVE)
        .first()
    )
    if site is None:
        raise NotFound(_("No such learning site."))
    return site


def access_site(*, viewer: Any, public_id: Any, action: str = Action.VIEW) -> LearningSite:
    site = (
        LearningSite.objects.restrict(viewer, action)
        .select_related("area", "organization")
        .filter(public_id=public_id)
        .first()
    )
    if site is None:
        raise NotFound(_("No such learning site."))
    return site


def staff_role_list(*, viewer: Any) -> QuerySet[StaffRole]:
    """Roles at organizations the viewer may manage staff for."""
    orgs = Organization.objects.restrict(viewer, Action.MANAGE_STAFF)
    return (
        StaffRole.objects.filter(organization__in=orgs)
        .select_related("user", "organization")
        .order_by("organization__code", "user__username", "role")
    )


def organization_count_by_system() -> dict[str, int]:
    """Active organizations of the public directory per provider system (one grouped query)."""
    per_kind = (
        Organization.objects.filter(status=OrganizationStatus.ACTIVE)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    totals: dict[str, int] = {}
    for kind, n in per_kind:
        system = KIND_SYSTEM[kind]
        totals[system] = totals.get(system, 0) + n
    return totals


def district_counts() -> list[DistrictCount]:
    """Per district: population, active providers and open sites (three grouped queries)."""
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))
    org_rows = (
        Organization.objects.filter(
            status=OrganizationStatus.ACTIVE,
            area__level__in=[AreaLevel.DISTRICT, AreaLevel.TOWN, AreaLevel.NEIGHBOURHOOD],
        )
        .values("area__path")
        .annotate(n=Count("id"))
    )
    site_rows = (
        LearningSite.objects.filter(is_active=True).values("area__path").annotate(n=Count("id"))
    )
    org_counts = _sum_by_district(districts, org_rows)
    site_counts = _sum_by_district(districts, site_rows)
    return [
        DistrictCount(
            code=d.code,
            name_zh=d.name_zh,
            name_en=d.name_en,
            population=d.population,
            organizations=org_counts.get(d.code, 0),
            sites=site_counts.get(d.code, 0),
        )
        for d in districts
    ]


def _sum_by_district(districts: list[Area], rows: Any) -> dict[str, int]:
    prefix_to_code = {d.path: d.code for d in districts}
    totals: dict[str, int] = {}
    for row in rows:
        path = row["area__path"]
        # The district's own path is the first two segments of any path below it.
        head = "/".join(path.split("/")[:2]) + "/"
        code = prefix_to_code.get(head)
        if code:
            totals[code] = totals.get(code, 0) + row["n"]
    return totals

import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from learningcity.accounts.api import api_auth, optional_auth
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.network import selectors, services
from learningcity.network.choices import OrganizationKind, OrganizationStatus

router = Router(tags=["network"], auth=optional_auth)

AreaLevelIn = Literal["city", "district", "town", "neighbourhood"]
ProviderSystemIn = Literal["governance", "adult_education", "non_public", "workplace", "community"]


class AreaOut(Schema):
    code: str
    level: str
    parent_code: str | None = Field(None, alias="parent.code")
    name_zh: str
    name_en: str
    population: int
    population_over_65: int
    population_non_local: int


class AreaFilters(Schema):
    level: AreaLevelIn | None = None
    parent: str | None = Field(None, description="Parent area code")
    q: str | None = Field(None, max_length=100)


@router.get("/areas", response=list[AreaOut], summary="List areas (public)")
@paginate(LimitOffsetPagination)
def list_areas(request: HttpRequest, filters: Query[AreaFilters]) -> Any:
    return selectors.area_list(
        level=filters.level, parent_code=filters.parent, q=filters.q
    ).select_related("parent")


@router.get("/areas/{code}", response=AreaOut, summary="One area (public)")
def get_area(request: HttpRequest, code: str) -> Any:
    return selectors.area_get(code=code)


class OrganizationOut(Schema):
    code: str
    kind: str
    provider_system: str
    name_zh: str
    name_en: str
    status: str
    area_code: str = Field(..., alias="area.code")
    parent_code: str | None = Field(None, alias="parent.code")
    phone: str
    website: str


class OrganizationFilters(Schema):
    kind: OrganizationKind | None = None
    system: ProviderSystemIn | None = None
    area: str | None = Field(None, description="Area code; includes its whole subtree")
    parent: str | None = Field(None, description="Parent organization code")
    q: str | None = Field(None, max_length=100)
    mine: bool = Field(False, description="Only organizations the caller manages (staff)")


@router.get(
    "/organizations",
    response=list[OrganizationOut],
    summary="List organizations: the public directory, or with mine=true the caller's",
)
@paginate(LimitOffsetPagination)
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]) -> Any:
    return selectors.organization_list(
        viewer=request.user,
        kind=filters.kind,
        system=filters.system,
        area_code=filters.area,
        parent_code=filters.parent,
        q=filters.q,
        mine=filters.mine,
    )


@router.get("/organizations/{code}", response=OrganizationOut, summary="One organization")
def get_organization(request: HttpRequest, code: str) -> Any:
    return selectors.organization_get(code=code)


class OrganizationPatch(Schema):
    name_zh: str | None = Field(None, min_length=1, max_length=150)
    name_en: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    website: str | None = Field(None, max_length=200)
    status: OrganizationStatus | None = None


@router.patch(
    "/organizations/{code}",
    response=OrganizationOut,
    auth=api_auth,
    summary="Change an organization in the caller's scope",
)
def patch_organization(request: HttpRequest, code: str, data: OrganizationPatch) -> Any:
    return services.organization_update(
        actor=request.user, code=code, changes=data.dict(exclude_unset=True)
    )


class SiteOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    name_zh: str
    name_en: str
    organization_code: str = Field(..., alias="organization.code")
    area_code: str = Field(..., alias="area.code")
    address_zh: str
    address_en: str
    latitude: Decimal | None
    longitude: Decimal | None
    rooms: int
    capacity: int
    step_free: bool
    accessible_toilet: bool
    hearing_loop: bool
    is_active: bool


class SiteFilters(Schema):
    area: str | None = Field(None, description="Area code; includes its whole subtree")
    organization: str | None = None
    step_free: bool | None = None
    accessible_toilet: bool | None = None
    hearing_loop: bool | None = None
    q: str | None = Field(None, max_length=100)
    mine: bool = False


@router.get("/sites", response=list[SiteOut], summary="List learning sites")
@paginate(LimitOffsetPagination)
def list_sites(request: HttpRequest, filters: Query[SiteFilters]) -> Any:
    return selectors.site_list(
        viewer=request.user,
        area_code=filters.area,
        organization_code=filters.organization,
        step_free=filters.step_free,
        accessible_toilet=filters.accessible_toilet,
        hearing_loop=filters.hearing_loop,
        q=filters.q,
        mine=filters.mine,
    )


@router.get("/sites/{site_id}", response=SiteOut, summary="One learning site")
def get_site(request: HttpRequest, site_id: uuid.UUID) -> Any:
    return selectors.site_get(public_id=site_id)


class SitePatch(Schema):
    name_zh: str | None = Field(None, min_length=1, max_length=150)
    name_en: str | None = Field(None, max_length=200)
    address_zh: str | None = Field(None, min_length=1, max_length=255)
    address_en: str | None = Field(None, max_length=255)
    latitude: Decimal | None = Field(None, ge=-90, le=90, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(None, ge=-180, le=180, max_digits=9, decimal_places=6)
    rooms: int | None = Field(None, ge=0, le=1000)
    capacity: int | None = Field(None, ge=0, le=100000)
    step_free: bool | None = None
    accessible_toilet: bool | None = None
    hearing_loop: bool | None = None
    is_active: bool | None = None


@router.patch(
    "/sites/{site_id}",
    response=SiteOut,
    auth=api_auth,
    summary="Change a learning site in the caller's scope",
)
def patch_site(request: HttpRequest, site_id: uuid.UUID, data: SitePatch) -> Any:
    return services.site_update(
        actor=request.user, public_id=site_id, changes=data.dict(exclude_unset=True)
    )


class StaffRoleOut(Schema):
    username: str = Field(..., alias="user.username")
    organization_code: str = Field(..., alias="organization.code")
    role: str


@router.get(
    "/staff-roles",
    response=list[StaffRoleOut],
    auth=api_auth,
    summary="Staff roles at organizations the caller manages",
)
@paginate(LimitOffsetPagination)
def list_staff_roles(request: HttpRequest) -> Any:
    return selectors.staff_role_list(viewer=request.user)

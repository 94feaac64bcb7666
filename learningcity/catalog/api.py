"""The catalog's JSON API: public search and reads; staff writes scoped to their providers."""

import datetime as dt
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from learningcity.accounts.api import api_auth, optional_auth
from learningcity.catalog import selectors, services
from learningcity.catalog.choices import (
    Audience,
    Category,
    ClassStatus,
    DocumentKind,
    FeeFilter,
    Level,
    Mode,
    Rationing,
    ResourceKind,
    TimeOfDay,
)
from learningcity.catalog.data import SearchFilters
from learningcity.catalog.models import Class, SearchDocument
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.core.pagination import LimitOffsetPagination
from learningcity.network import selectors as network_selectors
from learningcity.network.choices import Action

router = Router(tags=["catalog"], auth=optional_auth)

SEARCH_LIMIT_MAX = 100


# --- Search -----------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: str = Field("", max_length=200, description="Words in Chinese or English")
    kind: DocumentKind | None = None
    district: str | None = Field(None, max_length=12, description="Area code (its subtree)")
    town: str | None = Field(None, max_length=12, description="Area code (its subtree)")
    near: uuid.UUID | None = Field(None, description="A learning site: its town or nearby")
    within_km: int = Field(3, ge=1, le=50, description="Distance from `near`, in km")
    category: Category | None = None
    mode: Mode | None = None
    weekday: int | None = Field(None, ge=1, le=7, description="1 = Monday … 7 = Sunday")
    time_of_day: TimeOfDay | None = None
    fee: FeeFilter | None = None
    step_free: bool = False
    audience: Audience | None = None
    seats_left: bool = False
    term: str | None = Field(None, max_length=20, description="Term code")
    provider: str | None = Field(None, max_length=32, description="Organization code")
    limit: int = Field(20, ge=1, le=SEARCH_LIMIT_MAX)
    offset: int = Field(0, ge=0)

    def filters(self) -> SearchFilters:
        return SearchFilters(
            q=self.q,
            kind=self.kind or "",
            district=self.district or "",
            town=self.town or "",
            near=str(self.near) if self.near else "",
            within_km=self.within_km,
            category=self.category or "",
            mode=self.mode or "",
            weekday=self.weekday,
            time_of_day=self.time_of_day or "",
            fee=self.fee or "",
            step_free=self.step_free,
            audience=self.audience or "",
            seats_left=self.seats_left,
            term=self.term or "",
            provider=self.provider or "",
        )


def _changes(data: Schema) -> dict[str, Any]:
    """The fields a PATCH sent. None of the changeable fields may be emptied: an explicit null
    is a field error, not a crash."""
    changes = _plain(data.dict(exclude_unset=True))
    empty = sorted(name for name, value in changes.items() if value is None)
    if empty:
        message = _("This field cannot be empty.")
        raise ValidationFailed(
            _("Please correct the fields below."), fields={n: [message] for n in empty}
        )
    return changes


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Choices as their plain values and ids as text, as services and selectors take them."""
    return {k: str(v) if isinstance(v, Enum | uuid.UUID) else v for k, v in values.items()}


class FacetOut(Schema):
    value: str
    label: str
    count: int


class FacetsOut(Schema):
    kind: list[FacetOut]
    category: list[FacetOut]
    district: list[FacetOut]
    mode: list[FacetOut]
    weekday: list[FacetOut]


class SearchItemOut(Schema):
    kind: str
    id: str = Field(description="Course code, or the class's or resource's id")
    title_zh: str
    title_en: str
    category: str
    mode: str
    provider_code: str
    provider_name_zh: str
    fee: Decimal
    term: str | None = None
    weekday: int | None = None
    starts_at: dt.time | None = None
    ends_at: dt.time | None = None
    site_id: uuid.UUID | None = None
    site_name_zh: str | None = None
    district_code: str | None = None
    seats_left: int | None = None
    url: str | None = Field(None, description="A resource's link")

    @staticmethod
    def resolve_item(doc: SearchDocument) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": doc.kind,
            "category": doc.category,
            "mode": doc.mode,
            "fee": doc.fee,
            "provider_code": doc.provider.code,
            "provider_name_zh": doc.provider.name_zh,
            "district_code": doc.district.code if doc.district else None,
        }
        if doc.resource is not None:
            r = doc.resource
            item.update(id=str(r.public_id), title_zh=r.title_zh, title_en=r.title_en, url=r.url)
            return item
        assert doc.course is not None
        course = doc.course
        item.update(id=course.code, title_zh=course.title_zh, title_en=course.title_en)
        if doc.klass is not None:
            k = doc.klass
            item.update(
                id=str(k.public_id),
                term=k.term.code,
                weekday=k.weekday,
                starts_at=k.starts_at,
                ends_at=k.ends_at,
                site_id=k.site.public_id if k.site else None,
                site_name_zh=k.site.name_zh if k.site else None,
                seats_left=k.seats_left,
            )
        return item


class SearchOut(Schema):
    count: int
    items: list[SearchItemOut]
    facets: FacetsOut


@router.get(
    "/search",
    response=SearchOut,
    summary="Search courses, classes and online resources (public)",
    description=(
        "Words in Chinese or English (English words match as prefixes). Each facet counts "
        "the results of all the other filters."
    ),
)
def search_catalog(request: HttpRequest, params: Query[SearchQuery]) -> Any:
    found = selectors.catalog_search(filters=params.filters())
    page = found.documents[params.offset : params.offset + params.limit]
    return {
        "count": found.documents.count(),
        "items": [SearchItemOut.resolve_item(doc) for doc in page],
        "facets": found.facets,
    }


# --- Terms ------------------------------------------------------------------------------------


class TermOut(Schema):
    code: str
    name_zh: str
    name_en: str
    starts_on: dt.date
    ends_on: dt.date
    per_learner_cap: int
    max_choices: int


@router.get("/terms", response=list[TermOut], summary="List terms (public)")
@paginate(LimitOffsetPagination)
def list_terms(request: HttpRequest) -> Any:
    return selectors.term_list()


# --- Courses ----------------------------------------------------------------------------------


class CourseOut(Schema):
    code: str
    provider_code: str = Field(..., alias="provider.code")
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    category: str
    mode: str
    hours: Decimal
    level: str
    fee: Decimal
    currency: str
    audience: str
    is_active: bool


class CourseFilters(Schema):
    provider: str | None = Field(None, max_length=32, description="Organization code")
    category: Category | None = None
    mode: Mode | None = None
    audience: Audience | None = None
    q: str | None = Field(None, max_length=100)
    mine: bool = Field(False, description="Only courses the caller manages (staff)")


@router.get("/courses", response=list[CourseOut], summary="List courses")
@paginate(LimitOffsetPagination)
def list_courses(request: HttpRequest, filters: Query[CourseFilters]) -> Any:
    return selectors.course_list(viewer=request.user, **_plain(filters.dict()))


@router.get("/courses/{code}", response=CourseOut, summary="One course (public)")
def get_course(request: HttpRequest, code: str) -> Any:
    return selectors.course_get(code=code)


class CourseIn(Schema):
    provider: str = Field(..., max_length=32, description="Organization code")
    code: str = Field(..., min_length=1, max_length=40)
    title_zh: str = Field(..., min_length=1, max_length=200)
    title_en: str = Field("", max_length=200)
    description_zh: str = Field("", max_length=5000)
    description_en: str = Field("", max_length=5000)
    category: Category
    mode: Mode = Mode.IN_PERSON
    hours: Decimal = Field(..., gt=0, max_digits=6, decimal_places=1)
    level: Level = Level.BEGINNER
    fee: Decimal = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    audience: Audience = Audience.EVERYONE


@router.post(
    "/courses",
    response={201: CourseOut},
    auth=api_auth,
    summary="Publish a course of a provider in the caller's scope",
)
def create_course(request: HttpRequest, data: CourseIn) -> Any:
    provider = network_selectors.access_organization(
        viewer=request.user, code=data.provider, action=Action.CHANGE
    )
    course = services.course_create(
        actor=request.user, provider=provider, **_plain(data.dict(exclude={"provider"}))
    )
    return Status(201, course)


class CoursePatch(Schema):
    title_zh: str | None = Field(None, min_length=1, max_length=200)
    title_en: str | None = Field(None, max_length=200)
    description_zh: str | None = Field(None, max_length=5000)
    description_en: str | None = Field(None, max_length=5000)
    category: Category | None = None
    mode: Mode | None = None
    hours: Decimal | None = Field(None, gt=0, max_digits=6, decimal_places=1)
    level: Level | None = None
    fee: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    audience: Audience | None = None
    is_active: bool | None = None


@router.patch(
    "/courses/{code}",
    response=CourseOut,
    auth=api_auth,
    summary="Change a course in the caller's scope",
)
def patch_course(request: HttpRequest, code: str, data: CoursePatch) -> Any:
    return services.course_update(actor=request.user, code=code, changes=_changes(data))


# --- Classes ----------------------------------------------------------------------------------


class ClassOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    course_code: str = Field(..., alias="course.code")
    title_zh: str = Field(..., alias="course.title_zh")
    title_en: str = Field(..., alias="course.title_en")
    provider_code: str = Field(..., alias="course.provider.code")
    term: str = Field(..., alias="term.code")
    site_id: uuid.UUID | None = Field(None, alias="site.public_id")
    site_name_zh: str | None = Field(None, alias="site.name_zh")
    mode: str = Field(..., alias="course.mode")
    fee: Decimal = Field(..., alias="course.fee")
    teacher: str
    weekday: int
    starts_at: dt.time
    ends_at: dt.time
    first_session_on: dt.date
    sessions: int
    capacity: int
    seats_taken: int
    seats_left: int
    applications_open_at: dt.datetime
    applications_close_at: dt.datetime
    window: str = Field(description="upcoming, open or closed, now")
    rationing: str
    group_quota: int
    completion_min_attendance: int
    status: str

    @staticmethod
    def resolve_window(klass: Class) -> str:
        return selectors.window_state(klass)


class ClassFilters(Schema):
    term: str | None = Field(None, max_length=20, description="Term code")
    course: str | None = Field(None, max_length=40, description="Course code")
    provider: str | None = Field(None, max_length=32, description="Organization code")
    area: str | None = Field(None, max_length=12, description="Area code; its whole subtree")
    site: uuid.UUID | None = None
    mine: bool = Field(False, description="Every class the caller manages, in any status")


@router.get("/classes", response=list[ClassOut], summary="List classes")
@paginate(LimitOffsetPagination)
def list_classes(request: HttpRequest, filters: Query[ClassFilters]) -> Any:
    return selectors.class_list(viewer=request.user, **filters.dict())


@router.get("/classes/{class_id}", response=ClassOut, summary="One published class (public)")
def get_class(request: HttpRequest, class_id: uuid.UUID) -> Any:
    return selectors.class_get(public_id=class_id)


class ClassIn(Schema):
    course: str = Field(..., max_length=40, description="Course code")
    term: str = Field(..., max_length=20, description="Term code")
    site: uuid.UUID | None = Field(None, description="Learning site; none for online classes")
    weekday: int = Field(..., ge=1, le=7)
    starts_at: dt.time
    ends_at: dt.time
    first_session_on: dt.date
    sessions: int = Field(..., ge=1, le=500)
    capacity: int = Field(..., ge=1, le=100_000)
    applications_open_at: dt.datetime
    applications_close_at: dt.datetime
    online_url: str = Field("", max_length=200)
    teacher: str = Field("", max_length=100)
    rationing: Rationing = Rationing.LOTTERY
    group_quota: int = Field(0, ge=0, le=100_000)
    completion_min_attendance: int = Field(80, ge=0, le=100)
    status: Literal["draft", "published"] = "published"


def _aware(moment: dt.datetime) -> dt.datetime:
    """A time sent without a zone is read in the city's own (Asia/Shanghai)."""
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@router.post(
    "/classes",
    response={201: ClassOut},
    auth=api_auth,
    summary="Schedule a class of a course in the caller's scope",
    description="Send an `Idempotency-Key` header: a retry returns the first class.",
)
def create_class(request: HttpRequest, data: ClassIn) -> Any:
    course = selectors.access_course(viewer=request.user, code=data.course, action=Action.CHANGE)
    try:
        term = selectors.term_get(code=data.term)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"term": [exc.message]}) from None
    site = None
    if data.site is not None:
        try:
            site = network_selectors.site_get(public_id=data.site)
        except NotFound as exc:
            raise ValidationFailed(exc.message, fields={"site": [exc.message]}) from None
    values = _plain(data.dict(exclude={"course", "term", "site"}))
    values["applications_open_at"] = _aware(data.applications_open_at)
    values["applications_close_at"] = _aware(data.applications_close_at)
    klass = services.class_create_once(
        actor=request.user,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
        course=course,
        term=term,
        site=site,
        **values,
    )
    return Status(201, selectors.access_class(viewer=request.user, public_id=klass.public_id))


class ClassPatch(Schema):
    teacher: str | None = Field(None, max_length=100)
    online_url: str | None = Field(None, max_length=200)
    status: ClassStatus | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)
    applications_open_at: dt.datetime | None = None
    applications_close_at: dt.datetime | None = None
    group_quota: int | None = Field(None, ge=0, le=100_000)
    completion_min_attendance: int | None = Field(None, ge=0, le=100)


@router.patch(
    "/classes/{class_id}",
    response=ClassOut,
    auth=api_auth,
    summary="Change a class in the caller's scope",
)
def patch_class(request: HttpRequest, class_id: uuid.UUID, data: ClassPatch) -> Any:
    changes = _changes(data)
    for name in ("applications_open_at", "applications_close_at"):
        if name in changes:
            changes[name] = _aware(changes[name])
    klass = services.class_update(actor=request.user, public_id=class_id, changes=changes)
    return selectors.access_class(viewer=request.user, public_id=klass.public_id)


# --- Resources --------------------------------------------------------------------------------


class ResourceOut(Schema):
    id: uuid.UUID = Field(..., alias="public_id")
    provider_code: str = Field(..., alias="provider.code")
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    kind: str
    category: str
    url: str
    duration_minutes: int
    language: str


class ResourceFilters(Schema):
    category: Category | None = None
    kind: ResourceKind | None = None
    provider: str | None = Field(None, max_length=32)
    q: str | None = Field(None, max_length=100)


@router.get("/resources", response=list[ResourceOut], summary="List online resources (public)")
@paginate(LimitOffsetPagination)
def list_resources(request: HttpRequest, filters: Query[ResourceFilters]) -> Any:
    return selectors.resource_list(**_plain(filters.dict()))

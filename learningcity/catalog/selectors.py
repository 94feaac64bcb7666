"""Every read of the catalog. What residents may see is public; what staff manage is scoped
to the viewer (`access_*` answers 404 both for a missing row and for one out of scope)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from learningcity.catalog import search
from learningcity.catalog.choices import (
    Category,
    ClassStatus,
    DocumentKind,
    FeeFilter,
    Mode,
    TimeOfDay,
    Weekday,
    WindowState,
)
from learningcity.catalog.data import FacetCount, SearchFilters
from learningcity.catalog.errors import CatalogErrorCode
from learningcity.catalog.models import Class, Course, Resource, SearchDocument, Term
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.network.choices import Action, AreaLevel, OrganizationStatus
from learningcity.network.models import Area, LearningSite

ACTIVE = OrganizationStatus.ACTIVE
NOON, SIX_PM = dt.time(12), dt.time(18)
KM_PER_DEGREE = 111.195  # of latitude, on the mean Earth sphere


# --- Terms ------------------------------------------------------------------------------------


def term_list() -> QuerySet[Term]:
    return Term.objects.order_by("-starts_on", "code")


def term_get(*, code: str) -> Term:
    term = Term.objects.filter(code=code).first()
    if term is None:
        raise NotFound(_("No such term."))
    return term


# --- Courses ----------------------------------------------------------------------------------


def _area_path(code: str) -> str | None:
    return Area.objects.filter(code=code).values_list("path", flat=True).first()


def course_list(
    *,
    viewer: Any,
    provider: str | None = None,
    category: str | None = None,
    mode: str | None = None,
    audience: str | None = None,
    q: str | None = None,
    mine: bool = False,
) -> QuerySet[Course]:
    """The public catalog of offered courses; with `mine`, the courses the viewer manages
    (offered or not)."""
    if mine:
        qs = Course.objects.restrict(viewer, Action.VIEW)
    else:
        qs = Course.objects.filter(is_active=True, provider__status=ACTIVE)
    for field, value in (("category", category), ("mode", mode), ("audience", audience)):
        if value:
            qs = qs.filter(**{field: value})
    if provider:
        qs = qs.filter(provider__code=provider)
    if q:
        qs = qs.filter(Q(title_zh__icontains=q) | Q(title_en__icontains=q) | Q(code__iexact=q))
    return qs.select_related("provider").order_by("code")


def course_get(*, code: str) -> Course:
    """One course of the public catalog."""
    course = (
        Course.objects.select_related("provider", "provider__area")
        .filter(code=code, is_active=True, provider__status=ACTIVE)
        .first()
    )
    if course is None:
        raise NotFound(_("No such course."), code=CatalogErrorCode.COURSE_NOT_FOUND)
    return course


def access_course(*, viewer: Any, code: str, action: str = Action.VIEW) -> Course:
    course = (
        Course.objects.restrict(viewer, action).select_related("provider").filter(code=code).first()
    )
    if course is None:
        raise NotFound(_("No such course."), code=CatalogErrorCode.COURSE_NOT_FOUND)
    return course


# --- Classes ----------------------------------------------------------------------------------

CLASS_RELATED = ("course__provider", "term", "site__area", "site__organization")


def _public_classes() -> QuerySet[Class]:
    return Class.objects.filter(
        status=ClassStatus.PUBLISHED, course__is_active=True, course__provider__status=ACTIVE
    )


def class_list(
    *,
    viewer: Any,
    term: str | None = None,
    course: str | None = None,
    provider: str | None = None,
    area: str | None = None,
    site: uuid.UUID | None = None,
    mine: bool = False,
) -> QuerySet[Class]:
    """Published classes of offered courses; with `mine`, every class the viewer manages."""
    qs = Class.objects.restrict(viewer, Action.VIEW) if mine else _public_classes()
    if term:
        qs = qs.filter(term__code=term)
    if course:
        qs = qs.filter(course__code=course)
    if provider:
        qs = qs.filter(course__provider__code=provider)
    if area:
        path = _area_path(area)
        qs = qs.filter(site__area__path__startswith=path) if path else qs.none()
    if site:
        qs = qs.filter(site__public_id=site)
    return qs.select_related(*CLASS_RELATED).order_by(
        "-term__starts_on", "course__code", "weekday", "starts_at", "id"
    )


def class_get(*, public_id: Any) -> Class:
    """One published class of the public catalog."""
    klass = _public_classes().select_related(*CLASS_RELATED).filter(public_id=public_id).first()
    if klass is None:
        raise NotFound(_("No such class."), code=CatalogErrorCode.CLASS_NOT_FOUND)
    return klass


def access_class(*, viewer: Any, public_id: Any, action: str = Action.VIEW) -> Class:
    klass = (
        Class.objects.restrict(viewer, action)
        .select_related(*CLASS_RELATED)
        .filter(public_id=public_id)
        .first()
    )
    if klass is None:
        raise NotFound(_("No such class."), code=CatalogErrorCode.CLASS_NOT_FOUND)
    return klass


def window_state(klass: Class, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if now < klass.applications_open_at:
        return WindowState.UPCOMING
    if now < klass.applications_close_at:
        return WindowState.OPEN
    return WindowState.CLOSED


def current_classes_of(course: Course) -> QuerySet[Class]:
    """The published classes of a course in terms that have not ended."""
    return (
        _public_classes()
        .filter(course=course, term__ends_on__gte=timezone.localdate())
        .select_related("term", "site__area")
        .order_by("term__starts_on", "weekday", "starts_at", "id")
    )


# --- Resources --------------------------------------------------------------------------------


def resource_list(
    *,
    category: str | None = None,
    kind: str | None = None,
    provider: str | None = None,
    q: str | None = None,
) -> QuerySet[Resource]:
    qs = Resource.objects.filter(is_active=True, provider__status=ACTIVE)
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    if provider:
        qs = qs.filter(provider__code=provider)
    if q:
        qs = qs.filter(Q(title_zh__icontains=q) | Q(title_en__icontains=q))
    return qs.select_related("provider").order_by("id")


# --- Search -----------------------------------------------------------------------------------

DOCUMENT_RELATED = (
    "provider",
    "district",
    "course",
    "klass__term",
    "klass__site__area",
    "resource",
)
Narrowing = Callable[[QuerySet[SearchDocument]], QuerySet[SearchDocument]]


@dataclass
class CatalogSearch:
    """A search: its documents (lazy, ordered, ready to paginate) and its facets. Each facet
    counts the results of every other filter, so its options say what choosing them gives."""

    documents: QuerySet[SearchDocument]
    facets: dict[str, list[FacetCount]]
    districts: list[Area]


def _visible() -> QuerySet[SearchDocument]:
    """What residents may find: offered courses, published classes of terms not yet over,
    available resources, all of active providers."""
    today = timezone.localdate()
    return SearchDocument.objects.filter(
        Q(provider__status=ACTIVE)
        & (
            Q(kind=DocumentKind.RESOURCE, resource__is_active=True)
            | Q(kind=DocumentKind.COURSE, course__is_active=True)
            | Q(
                kind=DocumentKind.CLASS,
                course__is_active=True,
                klass__status=ClassStatus.PUBLISHED,
                klass__term__ends_on__gte=today,
            )
        )
    )


def _in_area(code: str) -> Narrowing:
    path = _area_path(code)
    if path is None:
        return lambda qs: qs.none()
    return lambda qs: qs.filter(klass__site__area__path__startswith=path)


def _near(site_id: str, within_km: int) -> Narrowing:
    """Classes in the site's town, or within `within_km` of it. Distances are measured on a
    plane tangent at the site (error well under 1 % at a city's scale), after a bounding box
    that lets the database skip far sites."""
    try:
        public_id = uuid.UUID(str(site_id))
    except ValueError:
        site = None
    else:
        site = LearningSite.objects.select_related("area").filter(public_id=public_id).first()
    if site is None:
        message = _("No such learning site.")
        raise ValidationFailed(message, fields={"near": [message]})
    parts = site.area.path.split("/")
    town = (
        Q(klass__site__area__path__startswith="/".join(parts[:3]) + "/")
        if len(parts) > 3
        else Q(pk__in=[])
    )
    if site.latitude is None or site.longitude is None:
        return lambda qs: qs.filter(town)
    lat, lon, km = float(site.latitude), float(site.longitude), float(within_km)
    ky = KM_PER_DEGREE
    kx = KM_PER_DEGREE * math.cos(math.radians(lat))
    dy = (Cast("klass__site__latitude", FloatField()) - lat) * ky
    dx = (Cast("klass__site__longitude", FloatField()) - lon) * kx
    box = Q(
        klass__site__latitude__range=(round(lat - km / ky, 6), round(lat + km / ky, 6)),
        klass__site__longitude__range=(round(lon - km / kx, 6), round(lon + km / kx, 6)),
    )
    return lambda qs: qs.alias(near_d2=dy * dy + dx * dx).filter(
        town | (box & Q(near_d2__lte=km * km))
    )


def _starting(time_of_day: str) -> Q:
    if time_of_day == TimeOfDay.MORNING:
        return Q(klass__starts_at__lt=NOON)
    if time_of_day == TimeOfDay.AFTERNOON:
        return Q(klass__starts_at__gte=NOON, klass__starts_at__lt=SIX_PM)
    if time_of_day == TimeOfDay.EVENING:
        return Q(klass__starts_at__gte=SIX_PM)
    return Q(pk__in=[])


def _filtering(q: Q) -> Narrowing:
    return lambda qs: qs.filter(q)


def _narrowings(f: SearchFilters) -> dict[str, Narrowing]:
    """One narrowing per filter given, named for the facet it must not narrow."""
    wanted: dict[str, Q] = {}
    if f.kind:
        wanted["kind"] = Q(kind=f.kind)
    if f.category:
        wanted["category"] = Q(category=f.category)
    if f.mode:
        wanted["mode"] = Q(mode=f.mode)
    if f.weekday is not None:
        wanted["weekday"] = Q(klass__weekday=f.weekday)
    if f.time_of_day:
        wanted["time_of_day"] = _starting(f.time_of_day)
    if f.fee:
        wanted["fee"] = Q(fee=0) if f.fee == FeeFilter.FREE else Q(fee__gt=0)
    if f.step_free:
        wanted["step_free"] = Q(klass__site__step_free=True)
    if f.audience:
        wanted["audience"] = Q(audience=f.audience)
    if f.seats_left:
        wanted["seats_left"] = Q(klass__seats_taken__lt=F("klass__capacity"))
    if f.term:
        wanted["term"] = Q(klass__term__code=f.term)
    if f.provider:
        wanted["provider"] = Q(provider__code=f.provider)
    narrowings: dict[str, Narrowing] = {name: _filtering(q) for name, q in wanted.items()}
    if f.district:
        narrowings["district"] = _in_area(f.district)
    if f.town:
        narrowings["town"] = _in_area(f.town)
    if f.near:
        narrowings["near"] = _near(f.near, f.within_km)
    return narrowings


def _counts(qs: QuerySet[SearchDocument], field: str) -> dict[Any, int]:
    return {row[field]: row["n"] for row in qs.order_by().values(field).annotate(n=Count("id"))}


def catalog_search(*, filters: SearchFilters, districts: list[Area] | None = None) -> CatalogSearch:
    """Search courses, classes and resources. Ranked by relevance when there is a query,
    else classes first in weekly order, then courses and resources. A bounded number of
    queries: one per area or site looked up, the districts, five facets; the documents
    themselves when iterated (and counted)."""
    terms = search.parse_query(filters.q) if filters.q.strip() else None
    base = _visible()
    if terms is not None:
        base = search.matching(base, terms)
    narrowings = _narrowings(filters)

    def narrowed(skip: str = "") -> QuerySet[SearchDocument]:
        qs = base
        for name, narrow in narrowings.items():
            if name != skip:
                qs = narrow(qs)
        return qs

    documents = narrowed().select_related(*DOCUMENT_RELATED)
    if terms is not None:
        documents = search.ranked(documents, terms).order_by("-rank", "kind", "id")
    else:
        documents = documents.order_by("kind", "klass__weekday", "klass__starts_at", "id")
    if districts is None:
        districts = list(Area.objects.filter(level=AreaLevel.DISTRICT).order_by("code"))
    classes = DocumentKind.CLASS
    kinds = _counts(narrowed("kind"), "kind")
    categories = _counts(narrowed("category"), "category")
    modes = _counts(narrowed("mode"), "mode")
    by_district = _counts(narrowed("district").filter(kind=classes), "district_id")
    weekdays = _counts(narrowed("weekday").filter(kind=classes), "klass__weekday")
    facets = {
        "kind": [FacetCount(v, str(label), kinds.get(v, 0)) for v, label in DocumentKind.choices],
        "category": [
            FacetCount(v, str(label), categories.get(v, 0)) for v, label in Category.choices
        ],
        "district": [FacetCount(d.code, d.name, by_district.get(d.pk, 0)) for d in districts],
        "mode": [FacetCount(v, str(label), modes.get(v, 0)) for v, label in Mode.choices],
        "weekday": [
            FacetCount(str(v), str(label), weekdays.get(v, 0)) for v, label in Weekday.choices
        ],
    }
    return CatalogSearch(documents=documents, facets=facets, districts=districts)

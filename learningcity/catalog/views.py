"""The public catalog: search courses, classes and online resources; a class; a course."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learningcity.catalog import search, selectors
from learningcity.catalog.choices import Rationing, WindowState
from learningcity.catalog.forms import CatalogSearchForm
from learningcity.catalog.models import Class
from learningcity.core.errors import NotFound, ValidationFailed
from learningcity.network import selectors as network_selectors
from learningcity.network.choices import AccessibilityFeature
from learningcity.network.models import Area, LearningSite

PAGE_SIZE = 20
# A course page lists its current classes; a page stays readable on an old phone.
COURSE_CLASSES_LIMIT = 100


def _near_site(form: CatalogSearchForm) -> LearningSite | None:
    near = form.cleaned_data.get("near") if form.is_valid() else None
    if not near:
        return None
    try:
        return network_selectors.site_get(public_id=near)
    except NotFound:
        return None


@require_safe
def catalog_search(request: HttpRequest) -> HttpResponse:
    """Search the catalog. Bad filter values come back as field errors (status 400) with the
    form filled in as sent."""
    form = CatalogSearchForm(request.GET)
    page = None
    status = 200
    if form.is_valid():
        try:
            found = selectors.catalog_search(filters=form.filters(), districts=form.districts)
        except ValidationFailed as exc:
            form.add_field_errors(exc.fields or {"__all__": [exc.message]})
        else:
            page = Paginator(found.documents, PAGE_SIZE).get_page(request.GET.get("page"))
            form.show_counts(found.facets)
    if form.errors:
        status = 400
    district_names = {d.pk: d.name for d in form.districts}
    context = {
        "form": form,
        "main_fields": form.main_fields(),
        "more_fields": form.more_fields(),
        "more_open": form.more_in_use() or bool(form.errors),
        "page": page,
        "near_site": _near_site(form) if page is not None else None,
        "district_names": district_names,
    }
    return render(request, "catalog/search.html", context, status=status)


def _district_of(area: Area) -> Area | None:
    code = search.district_code(area.path)
    if not code or code == area.code:
        return None
    try:
        return network_selectors.area_get(code=code)
    except NotFound:
        return None


def _apply_url(klass: Class) -> str | None:
    """Where a resident applies, once the enrollment pages provide the place."""
    try:
        return reverse("enrollment:apply", args=[klass.public_id])
    except NoReverseMatch:
        return None


@require_safe
def class_detail(request: HttpRequest, class_id: uuid.UUID) -> HttpResponse:
    try:
        klass = selectors.class_get(public_id=class_id)
    except NotFound:
        raise Http404(_("No such class.")) from None
    site = klass.site
    features = []
    if site is not None:
        features = [
            (AccessibilityFeature.STEP_FREE.label, site.step_free),
            (AccessibilityFeature.ACCESSIBLE_TOILET.label, site.accessible_toilet),
            (AccessibilityFeature.HEARING_LOOP.label, site.hearing_loop),
        ]
    context: dict[str, Any] = {
        "klass": klass,
        "course": klass.course,
        "provider": klass.course.provider,
        "site": site,
        "district": _district_of(site.area) if site is not None else None,
        "features": features,
        "window": selectors.window_state(klass, timezone.now()),
        "lottery": klass.rationing == Rationing.LOTTERY,
        "apply_url": _apply_url(klass),
        "WindowState": {state.name: state.value for state in WindowState},
    }
    return render(request, "catalog/class.html", context)


@require_safe
def course_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        course = selectors.course_get(code=code)
    except NotFound:
        raise Http404(_("No such course.")) from None
    classes = list(selectors.current_classes_of(course)[: COURSE_CLASSES_LIMIT + 1])
    context = {
        "course": course,
        "provider": course.provider,
        "classes": classes[:COURSE_CLASSES_LIMIT],
        "more_classes": len(classes) > COURSE_CLASSES_LIMIT,
    }
    return render(request, "catalog/course.html", context)

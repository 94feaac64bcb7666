"""The public directory of the city's learning network: search, an organization, a site."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learningcity.core.errors import NotFound
from learningcity.network import selectors
from learningcity.network.choices import (
    AccessibilityFeature,
    AreaLevel,
    OrganizationStatus,
    ProviderSystem,
)
from learningcity.network.forms import DirectoryForm, Show
from learningcity.network.models import Area, LearningSite, Organization

PAGE_SIZE = 20
# An organization page lists its sites and member organizations; a page stays readable on an
# old phone, and the directory holds the rest.
DETAIL_LIST_LIMIT = 200


def _district_code(area: Area) -> str | None:
    """The district an area lies in, read from its path ("310000/310101/...")."""
    if area.level == AreaLevel.CITY:
        return None
    parts = area.path.split("/")
    return parts[1] if len(parts) > 2 and parts[1] else None


def _district_of(area: Area) -> Area | None:
    if area.level == AreaLevel.DISTRICT:
        return area
    code = _district_code(area)
    if code is None:
        return None
    try:
        return selectors.area_get(code=code)
    except NotFound:
        return None


def _search(request: HttpRequest, showing: str, data: dict[str, Any]) -> Any:
    if showing == Show.SITES:
        features = set(data["features"])
        return selectors.site_list(
            viewer=request.user,
            area_code=data["district"] or None,
            q=data["q"] or None,
            step_free=True if AccessibilityFeature.STEP_FREE in features else None,
            accessible_toilet=True if AccessibilityFeature.ACCESSIBLE_TOILET in features else None,
            hearing_loop=True if AccessibilityFeature.HEARING_LOOP in features else None,
        )
    return selectors.organization_list(
        viewer=request.user,
        area_code=data["district"] or None,
        system=data["system"] or None,
        kind=data["kind"] or None,
        q=data["q"] or None,
    )


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """Search organizations or learning sites. Bad filter values come back as field errors
    (status 400) with the form filled in as sent."""
    showing = Show.parse(request.GET.get("show"))
    form = DirectoryForm(request.GET, showing=showing)
    page = None
    status = 200
    district_names = form.district_names
    results: list[tuple[Any, str | None]] = []
    if form.is_valid():
        page = Paginator(_search(request, showing, form.cleaned_data), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        # The district is named from the form's own choices, so a result costs no query.
        results = [
            (
                item,
                None
                if item.area.level == AreaLevel.DISTRICT
                else district_names.get(_district_code(item.area) or ""),
            )
            for item in page.object_list
        ]
    else:
        status = 400
    context = {
        "form": form,
        "fields": list(form),
        "showing": showing,
        "page": page,
        "results": results,
    }
    return render(request, "network/directory.html", context, status=status)


def _organization_or_404(code: str) -> Organization:
    try:
        return selectors.organization_get(code=code)
    except NotFound:
        raise Http404(_("No such organization.")) from None


def _site_or_404(site_id: uuid.UUID) -> LearningSite:
    try:
        return selectors.site_get(public_id=site_id)
    except NotFound:
        raise Http404(_("No such learning site.")) from None


def _bounded(name: str, qs: Any) -> dict[str, Any]:
    """The first DETAIL_LIST_LIMIT rows and the full count (counted only when cut short)."""
    rows = list(qs[:DETAIL_LIST_LIMIT])
    total = len(rows) if len(rows) < DETAIL_LIST_LIMIT else qs.count()
    return {name: rows, f"{name}_total": total}


@require_safe
def organization_detail(request: HttpRequest, code: str) -> HttpResponse:
    org = _organization_or_404(code)
    sites = selectors.site_list(viewer=request.user, organization_code=org.code)
    members = selectors.organization_list(viewer=request.user, parent_code=org.code)
    parent = org.parent
    context = {
        "org": org,
        "system_label": ProviderSystem(org.provider_system).label,
        "district": _district_of(org.area),
        "parent": parent,
        "parent_listed": parent is not None and parent.status == OrganizationStatus.ACTIVE,
        **_bounded("sites", sites),
        **_bounded("members", members),
        "limit": DETAIL_LIST_LIMIT,
    }
    return render(request, "network/organization.html", context)


@require_safe
def site_detail(request: HttpRequest, site_id: uuid.UUID) -> HttpResponse:
    site = _site_or_404(site_id)
    features = [
        (AccessibilityFeature.STEP_FREE.label, site.step_free),
        (AccessibilityFeature.ACCESSIBLE_TOILET.label, site.accessible_toilet),
        (AccessibilityFeature.HEARING_LOOP.label, site.hearing_loop),
    ]
    context = {
        "site": site,
        "org": site.organization,
        "district": _district_of(site.area),
        "features": features,
    }
    return render(request, "network/site.html", context)

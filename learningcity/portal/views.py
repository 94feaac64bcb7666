"""Pages across domains: the city at a glance, and the display preferences every page offers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from learningcity.core.context_processors import TEXT_SIZE_COOKIE
from learningcity.core.errors import DomainError, NotFound
from learningcity.core.models import bilingual
from learningcity.learners import selectors as learner_selectors
from learningcity.learners import services as learner_services
from learningcity.learners.models import Learner
from learningcity.learners.selectors import learner_count_by_district
from learningcity.network import selectors as network
from learningcity.network.choices import AreaLevel, ProviderSystem
from learningcity.network.data import DistrictCount
from learningcity.portal import selectors as portal_selectors
from learningcity.portal.forms import CorrectionAnswerForm, CorrectionForm

TEXT_SIZE_COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    organizations: int
    sites: int
    learners: int


@dataclass(frozen=True)
class SystemCount:
    system: str
    label: str
    count: int


@dataclass(frozen=True)
class Bar:
    name: str
    value: int
    label_x: int
    label_y: int
    bar_y: int
    width: float
    value_x: float
    value_y: int


@dataclass(frozen=True)
class Tick:
    value: int
    x: float


@dataclass(frozen=True)
class BarChart:
    """Geometry of a horizontal bar chart, computed here so the template only places it."""

    width: int
    height: int
    text_size: int
    plot_left: int
    plot_right: int
    top: int
    axis_y: int
    tick_label_y: int
    axis_label_x: int
    axis_label_y: int
    bar_height: int
    bars: list[Bar]
    ticks: list[Tick]


def _axis(maximum: int, intervals: int = 4) -> tuple[int, int]:
    """A round tick step (1, 2 or 5 × 10ⁿ) and how many steps reach `maximum`: at most
    `intervals`, and as few as cover it, so the longest bar nearly fills the plot."""
    top = max(maximum, 1)
    raw = top / intervals
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    step = next(f * magnitude for f in (1, 2, 5, 10) if f * magnitude >= raw)
    return step, -(-top // step)


def bar_chart(rows: list[tuple[str, int]], *, large_text: bool = False) -> BarChart:
    """One bar per row, each with its name written above it so names fit a narrow phone.

    The SVG scales with the page's width, not its font size, so the large-text mode draws
    the chart with larger lettering and rows instead."""
    text = 22 if large_text else 15
    width, plot_left = 400, 8
    plot_right = width - 3 * text
    bar_height = text + 4
    row_height = text + bar_height + 14
    top = text + 16
    step, intervals = _axis(max((value for _, value in rows), default=0))
    scale = (plot_right - plot_left) / (step * intervals)
    bars = []
    for index, (name, value) in enumerate(rows):
        label_y = top + index * row_height + text
        bar_y = label_y + 8
        bar_width = value * scale
        bars.append(
            Bar(
                name=name,
                value=value,
                label_x=plot_left + 6,
                label_y=label_y,
                bar_y=bar_y,
                width=bar_width,
                value_x=plot_left + bar_width + 6,
                value_y=bar_y + bar_height - 4,
            )
        )
    axis_y = top + len(rows) * row_height + 6
    ticks = [Tick(value=step * i, x=plot_left + step * i * scale) for i in range(intervals + 1)]
    return BarChart(
        width=width,
        height=axis_y + 2 * text + 30,
        text_size=text,
        plot_left=plot_left,
        plot_right=plot_right,
        top=top,
        axis_y=axis_y,
        tick_label_y=axis_y + text + 8,
        axis_label_x=(plot_left + plot_right) // 2,
        axis_label_y=axis_y + 2 * text + 22,
        bar_height=bar_height,
        bars=bars,
        ticks=ticks,
    )


def organizations_by_system() -> list[SystemCount]:
    totals = network.organization_count_by_system()
    return [
        SystemCount(system=system.value, label=str(system.label), count=totals.get(system, 0))
        for system in ProviderSystem
    ]


def district_rows(counts: list[DistrictCount], learners: dict[str, int]) -> list[DistrictRow]:
    return [
        DistrictRow(
            code=d.code,
            name=bilingual(d.name_zh, d.name_en),
            organizations=d.organizations,
            sites=d.sites,
            learners=learners.get(d.code, 0),
        )
        for d in counts
    ]


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    learners = learner_count_by_district()
    rows = district_rows(network.district_counts(), learners)
    city = network.area_list(level=AreaLevel.CITY).first()
    context = {
        "city_name": city.name if city else "",
        "districts": rows,
        "district_total": len(rows),
        "town_total": network.area_list(level=AreaLevel.TOWN).count(),
        "systems": organizations_by_system(),
        "site_total": network.site_list(viewer=request.user).count(),
        "step_free_total": network.site_list(viewer=request.user, step_free=True).count(),
        "learner_total": sum(learners.values()),
        "chart": bar_chart(
            [(row.name, row.sites) for row in rows],
            large_text=request.COOKIES.get(TEXT_SIZE_COOKIE) == "large",
        ),
    }
    return render(request, "portal/home.html", context)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Turn large text on or off for this browser; it is a display preference, not an account
    setting, so it lives in a cookie and works before anyone logs in."""
    response = HttpResponseRedirect(_safe_next(request))
    if request.POST.get("size") == "large":
        response.set_cookie(
            TEXT_SIZE_COOKIE,
            "large",
            max_age=TEXT_SIZE_COOKIE_AGE,
            samesite="Lax",
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(TEXT_SIZE_COOKIE, samesite="Lax")
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_data(request: HttpRequest) -> HttpResponse:
    """What the platform holds about me: download it all, and ask for a correction."""
    user: Any = request.user
    learner = Learner.objects.filter(user=user).first()
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and learner is not None and form.is_valid():
        try:
            learner_services.correction_request(
                actor=request.user, learner=learner, details=form.cleaned_data["details"]
            )
        except DomainError as error:
            form.add_error("details", error.message)
        else:
            messages.success(request, _("Your request is sent to your town office."))
            return HttpResponseRedirect(reverse("portal:my_data"))
    requests = learner.correction_requests.all() if learner is not None else []
    return render(
        request,
        "portal/my_data.html",
        {"learner": learner, "form": form, "requests": requests},
    )


@login_required
@require_safe
def my_data_download(request: HttpRequest) -> HttpResponse:
    data = portal_selectors.personal_data(user=request.user)  # type: ignore[arg-type]
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-learning-city-data.json"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def corrections(request: HttpRequest) -> HttpResponse:
    """Staff answer the correction requests of residents in their area."""
    if not request.user.is_staff:
        raise Http404
    forms_by_id: dict[str, CorrectionAnswerForm] = {}
    if request.method == "POST":
        try:
            public_id = str(uuid.UUID(request.POST.get("request", "")))
        except ValueError:
            raise Http404 from None  # not a request's id: no request anyone may answer
        form = CorrectionAnswerForm(request.POST)
        forms_by_id[public_id] = form
        if form.is_valid():
            try:
                learner_services.correction_answer(
                    actor=request.user,
                    public_id=public_id,
                    status=form.cleaned_data["status"],
                    answer=form.cleaned_data["answer"],
                )
            except NotFound:
                raise Http404 from None
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your answer is saved and shown to the resident."))
                return HttpResponseRedirect(reverse("portal:corrections"))
    found = list(learner_selectors.correction_requests(viewer=request.user)[:200])
    for item in found:
        item.form = forms_by_id.get(str(item.public_id), CorrectionAnswerForm())  # type: ignore[attr-defined]
    return render(request, "portal/corrections.html", {"requests": found})


@login_required
@require_safe
def id_access(request: HttpRequest) -> HttpResponse:
    """For auditors and offices: who saw a resident's full ID number, when and why."""
    if not request.user.is_staff:
        raise Http404
    entries = learner_selectors.id_number_reveals(viewer=request.user)
    return render(request, "portal/id_access.html", {"entries": entries})

"""Open data: the public page, CSV and XLSX downloads, and the documented schema. Anyone may
read them; every figure is privacy-safe (selectors.open_data)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from learningcity.monitoring import selectors
from learningcity.monitoring.choices import (
    COUNT_ROUNDING,
    DEFINITIONS,
    OPEN_DATA_DECIMALS,
    SMALL_CELL_THRESHOLD,
    Dimension,
    Indicator,
)
from learningcity.monitoring.data import Figure
from learningcity.monitoring.forms import OpenDataForm
from learningcity.monitoring.selectors import format_value
from learningcity.monitoring.views.pages import group_label, indicator_label, unit_label

ORDER = list(Indicator.values)
COLUMNS = [
    "indicator",
    "indicator_name",
    "unit",
    "period",
    "area_code",
    "area_name",
    "area_level",
    "dimension",
    "group",
    "group_name",
    "numerator",
    "denominator",
    "value",
    "suppressed",
]


def _filters(request: HttpRequest) -> tuple[OpenDataForm, dict[str, Any]]:
    form = OpenDataForm(request.GET or None)
    if form.is_valid():
        return form, {
            "indicator": form.cleaned_data["indicator"] or None,
            "period": form.cleaned_data["year"] or None,
        }
    return form, {"indicator": None, "period": None}


def _row(f: Figure) -> list[Any]:
    return [
        f.indicator,
        indicator_label(f.indicator),
        DEFINITIONS[f.indicator].unit,
        f.period,
        f.area_code,
        f.area_name,
        f.area_level,
        f.dimension,
        f.dimension_value,
        group_label(f.dimension, f.dimension_value),
        "" if f.numerator is None else str(f.numerator),
        "" if f.denominator is None else str(f.denominator),
        "" if f.value is None else str(f.value),
        "yes" if f.suppressed else "no",
    ]


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    period = filters["period"] or selectors.latest_period()
    indicator = filters["indicator"]
    figures = selectors.open_data(
        indicator=indicator, period=period, dimension=None if indicator else Dimension.ALL
    )
    tables: dict[str, list[dict[str, Any]]] = {}
    for f in figures:
        tables.setdefault(f.indicator, []).append(
            {
                "area": f.area_name,
                "group": group_label(f.dimension, f.dimension_value),
                "value": format_value(f.value, DEFINITIONS[f.indicator].unit),
                "suppressed": f.suppressed,
            }
        )
    context = {
        "form": form,
        "year": period,
        "tables": [
            {"code": code, "label": indicator_label(code), "unit": unit_label(code), "rows": rows}
            for code, rows in sorted(tables.items(), key=lambda item: ORDER.index(item[0]))
        ],
        "query": request.GET.urlencode(),
        "threshold": SMALL_CELL_THRESHOLD,
        "detailed": bool(indicator),
    }
    return render(request, "monitoring/open_data.html", context)


def _download_rows(request: HttpRequest) -> list[list[Any]]:
    _form, filters = _filters(request)
    return [_row(f) for f in selectors.open_data(**filters)]


@require_safe
def open_data_csv(request: HttpRequest) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_download_rows(request))
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="learning-city-indicators.csv"'
    return response


@require_safe
def open_data_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "indicators"
    sheet.append(COLUMNS)
    for row in _download_rows(request):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="learning-city-indicators.xlsx"'
    return response


def schema_fields() -> list[tuple[str, str]]:
    return [
        ("indicator", _("The indicator's code (see the list of indicators).")),
        ("indicator_name", _("The indicator's name, in the language of the request.")),
        ("unit", _("per cent, per_1000, per_10000, ratio, count, credits, yuan or points.")),
        ("period", _("The year. The current year covers the 12 months up to the last refresh.")),
        ("area_code", _("The area's statistical code (the city or a district).")),
        ("area_name", _("The area's name.")),
        ("area_level", _("city or district.")),
        ("dimension", _("The breakdown: all, age_band, household, target_group or level.")),
        ("group", _("The group within the breakdown (empty for all residents).")),
        ("group_name", _("The group's name.")),
        (
            "numerator",
            _("What is counted (rounded to the nearest %(n)s when it counts people).")
            % {"n": COUNT_ROUNDING},
        ),
        ("denominator", _("What it is divided by (empty for counts).")),
        (
            "value",
            _("The indicator's value, rounded to %(d)s decimal place(s).")
            % {"d": OPEN_DATA_DECIMALS},
        ),
        (
            "suppressed",
            _("yes when the cell is about fewer than %(n)s people: its figures are withheld.")
            % {"n": SMALL_CELL_THRESHOLD},
        ),
    ]


@require_safe
def schema(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "monitoring/schema.html",
        {
            "fields": schema_fields(),
            "threshold": SMALL_CELL_THRESHOLD,
            "rounding": COUNT_ROUNDING,
            "indicators": [
                (code, indicator_label(code), unit_label(code)) for code in Indicator.values
            ],
        },
    )

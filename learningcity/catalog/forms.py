"""The catalog search form: it validates the query string, so a bad value is a field error
the resident can read, never a server error. After a search, the options of the filters
that have facets show how many results each would give."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from learningcity.catalog import selectors
from learningcity.catalog.choices import (
    Audience,
    Category,
    DocumentKind,
    FeeFilter,
    Mode,
    TimeOfDay,
    Weekday,
)
from learningcity.catalog.data import FacetCount, SearchFilters
from learningcity.network import selectors as network_selectors
from learningcity.network.choices import AreaLevel
from learningcity.network.models import Area

ANY = [("", pgettext_lazy("filter choice", "Any"))]
DISTANCES = [(1, "1 km"), (2, "2 km"), (3, "3 km"), (5, "5 km"), (10, "10 km")]
# The filters whose options show counts.
FACETED = ("kind", "category", "district", "mode", "weekday")
# Drawn first; the others wait behind "More filters", open when one of them is in use.
MAIN_FIELDS = ("q", "district", "town", "within_km", "category")


class CatalogSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "A subject in Chinese or English, such as 摄影, 太极拳, photography or piano."
        ),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Show"), required=False, choices=ANY + DocumentKind.choices
    )
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    town = forms.ChoiceField(label=gettext_lazy("Town or subdistrict"), required=False)
    near = forms.UUIDField(required=False, widget=forms.HiddenInput)
    within_km = forms.TypedChoiceField(
        label=gettext_lazy("Distance from the learning site"),
        required=False,
        choices=DISTANCES,
        coerce=int,
        empty_value=None,
        initial=3,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Subject"), required=False, choices=ANY + Category.choices
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("In person or online"), required=False, choices=ANY + Mode.choices
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Day of the week"),
        required=False,
        choices=ANY + [(str(v), label) for v, label in Weekday.choices],
        coerce=int,
        empty_value=None,
    )
    time_of_day = forms.ChoiceField(
        label=gettext_lazy("Time of day"), required=False, choices=ANY + TimeOfDay.choices
    )
    fee = forms.ChoiceField(
        label=gettext_lazy("Fee"), required=False, choices=ANY + FeeFilter.choices
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Meant for"), required=False, choices=ANY + Audience.choices
    )
    term = forms.ChoiceField(label=gettext_lazy("Term"), required=False)
    step_free = forms.BooleanField(label=gettext_lazy("Step-free site only"), required=False)
    seats_left = forms.BooleanField(
        label=gettext_lazy("Only classes with seats left"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.districts: list[Area] = list(network_selectors.area_list(level=AreaLevel.DISTRICT))
        self._choices("district", [(d.code, d.name) for d in self.districts])
        self._choices("term", [(t.code, t.name) for t in selectors.term_list()])
        district = self.data.get("district") or ""
        towns = (
            network_selectors.area_list(level=AreaLevel.TOWN, parent_code=district)
            if district in {d.code for d in self.districts}
            else []
        )
        self._choices("town", [(t.code, t.name) for t in towns])
        if self.data.get("town") and self.data["town"] not in {t.code for t in towns}:
            # A town left over from another district: the district chosen last wins.
            values = self.data.dict() if isinstance(self.data, QueryDict) else dict(self.data)
            self.data = {**values, "town": ""}
        if not self.data.get("near"):
            del self.fields["within_km"]

    def _choices(self, name: str, options: list[tuple[Any, Any]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = ANY + options

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in MAIN_FIELDS if name in self.fields]

    def more_fields(self) -> list[forms.BoundField]:
        return [f for f in self.visible_fields() if f.name not in MAIN_FIELDS]

    def more_in_use(self) -> bool:
        return any(self.data.get(f.name) for f in self.more_fields())

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data.get("q", "").split())

    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        near: uuid.UUID | None = data.get("near")
        return SearchFilters(
            q=data["q"],
            kind=data["kind"],
            district=data["district"],
            town=data["town"],
            near=str(near) if near else "",
            within_km=data.get("within_km") or 3,
            category=data["category"],
            mode=data["mode"],
            weekday=data["weekday"],
            time_of_day=data["time_of_day"],
            fee=data["fee"],
            step_free=data["step_free"],
            audience=data["audience"],
            seats_left=data["seats_left"],
            term=data["term"],
        )

    def add_field_errors(self, fields: dict[str, list[str]]) -> None:
        for name, messages in fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    def show_counts(self, facets: dict[str, list[FacetCount]]) -> None:
        """Name each faceted option with the number of results choosing it would give."""
        for name in FACETED:
            counts = {f.value: f.count for f in facets.get(name, [])}
            field = cast(forms.ChoiceField, self.fields[name])
            options = cast(list[tuple[Any, Any]], field.choices)
            field.choices = [
                (
                    value,
                    _("%(option)s (%(count)s)") % {"option": label, "count": counts[str(value)]}
                    if str(value) in counts
                    else label,
                )
                for value, label in options
            ]

"""The directory's search form: it validates the query string, so a bad value is a field
error the user can read, never a server error."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from learningcity.network import selectors
from learningcity.network.choices import (
    AccessibilityFeature,
    AreaLevel,
    OrganizationKind,
    ProviderSystem,
)


class Show:
    """Which list the directory shows; anything unexpected shows organizations."""

    ORGANIZATIONS = "organizations"
    SITES = "sites"

    @classmethod
    def parse(cls, raw: str | None) -> str:
        return cls.SITES if raw == cls.SITES else cls.ORGANIZATIONS


ORGANIZATION_FIELDS = ("q", "district", "system", "kind")
SITE_FIELDS = ("q", "district", "features")

ANY = [("", pgettext_lazy("filter choice", "Any"))]


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text=_(
            "Part of a name in Chinese or English, such as 社区学院 or community college. "
            "For learning sites, part of the address also matches."
        ),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    system = forms.ChoiceField(
        label=_("Provider system"), required=False, choices=ANY + ProviderSystem.choices
    )
    kind = forms.ChoiceField(
        label=_("Kind of organization"), required=False, choices=ANY + OrganizationKind.choices
    )
    features = forms.MultipleChoiceField(
        label=_("Accessibility"),
        required=False,
        choices=AccessibilityFeature.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only sites that have every feature you tick."),
    )

    def __init__(self, *args: Any, showing: str = Show.ORGANIZATIONS, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only the filters of the list on show are drawn and checked: a stale site filter
        # left in the address must not block a search of organizations.
        wanted = SITE_FIELDS if showing == Show.SITES else ORGANIZATION_FIELDS
        for name in [name for name in self.fields if name not in wanted]:
            del self.fields[name]
        self.district_names = {
            d.code: d.name for d in selectors.area_list(level=AreaLevel.DISTRICT)
        }
        district = cast(forms.ChoiceField, self.fields["district"])
        district.choices = ANY + list(self.district_names.items())

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data.get("q", "").split())

"""The events pages' forms. They check the shape of the input; the services decide the rest,
and their refusals come back onto these forms as field errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from learningcity.events.choices import EventKind
from learningcity.events.models import Edition
from learningcity.network.models import Area, LearningSite, Organization

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class CalendarForm(forms.Form):
    """The calendar's filters; every one optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    on = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=_("Kind of event"), required=False)
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    hearing_loop = forms.BooleanField(label=_("Hearing loop"), required=False)

    def __init__(self, *args: Any, districts: list[Area], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        district_field: Any = self.fields["district"]
        district_field.choices = [("", _("All districts")), *[(d.code, d.name) for d in districts]]
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [("", _("All kinds")), *EventKind.choices]


class RegisterForm(forms.Form):
    """Made when the page is drawn: sending the same page twice registers once."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Ticket code"),
        max_length=200,
        help_text=_("Type the code printed under the QR code, or paste what a scanner read."),
        error_messages={"required": _("Type or scan the ticket's code.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EventForm(forms.Form):
    organizer = forms.ModelChoiceField(
        label=_("Organizer"),
        queryset=Organization.objects.none(),
        error_messages={"required": _("Choose who organizes the event.")},
    )
    kind = forms.ChoiceField(label=_("Kind of event"), choices=EventKind.choices)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    description_zh = forms.CharField(
        label=_("Description (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    site = forms.ModelChoiceField(
        label=_("Learning site"),
        queryset=LearningSite.objects.none(),
        required=False,
        help_text=_("Leave empty for an online talk."),
    )
    edition = forms.ModelChoiceField(
        label=_("Part of Lifelong Learning Week"),
        queryset=Edition.objects.none(),
        required=False,
    )
    starts_at = forms.DateTimeField(
        label=_("Starts (Beijing time)"),
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (Beijing time)"),
        input_formats=[DATETIME_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
    )
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100_000)
    counts_for_credit = forms.BooleanField(
        label=_("Attendance earns a culture-and-leisure learning record"), required=False
    )
    credit_hours = forms.DecimalField(
        label=_("Learning hours"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=1,
        help_text=_("Only when attendance earns a learning record."),
    )

    def __init__(
        self,
        *args: Any,
        organizers: QuerySet[Organization],
        sites: QuerySet[LearningSite],
        editions: QuerySet[Edition],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        organizer: Any = self.fields["organizer"]
        organizer.queryset = organizers
        only = list(organizers[:2])
        if len(only) == 1:
            self.initial.setdefault("organizer", only[0].pk)
        site: Any = self.fields["site"]
        site.queryset = sites
        edition: Any = self.fields["edition"]
        edition.queryset = editions

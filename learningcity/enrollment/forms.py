"""The enrollment pages' forms. They check the shape of the input (a number, a date, one of
the offered choices); the services decide everything else, and their refusals come back onto
these forms as field errors (see views.place_errors)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from learningcity.catalog.choices import Audience, Category, Level, Mode, Rationing, Weekday
from learningcity.catalog.models import Course, Term
from learningcity.network.models import LearningSite, Organization

# A select longer than this is hard to use on a phone and heavy to send; the field turns into
# a box for the code instead.
SELECT_LIMIT = 100
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class ApplyForm(forms.Form):
    """One ranked choice. The hidden key is made when the page is drawn, so sending the same
    page twice (a double tap, a reload after a slow answer) makes one application."""

    rank = forms.TypedChoiceField(
        label=_("Which of your choices is this class?"),
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("Choice 1 is the class you want most. Choices already used are not listed."),
        error_messages={"required": _("Choose where this class comes among your choices.")},
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, ranks: list[int] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if ranks is None:
            del self.fields["rank"]  # first come, first served: no ranking
            return
        rank = cast(forms.TypedChoiceField, self.fields["rank"])
        rank.choices = [(r, rank_label(r)) for r in ranks]


def rank_label(rank: int) -> str:
    if rank == 1:
        return str(_("Choice 1: the class I want most"))
    return str(_("Choice %(number)s")) % {"number": rank}


class RollCallForm(forms.Form):
    """Who is on the list as drawn (`shown`), and which of them are ticked present. Anyone
    shown and not ticked is absent; a learner enrolled after the page was drawn is left alone."""

    shown = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    present = forms.TypedMultipleChoiceField(coerce=int, required=False)
    all_present = forms.BooleanField(required=False)

    def __init__(self, *args: Any, enrolled: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(pk, str(pk)) for pk in enrolled]
        for name in ("shown", "present"):
            cast(forms.TypedMultipleChoiceField, self.fields[name]).choices = choices
        self.fields["shown"].error_messages["invalid_choice"] = _(
            "The class list changed since this page was opened. Check the names and save again."
        )
        self.fields["present"].error_messages["invalid_choice"] = self.fields[
            "shown"
        ].error_messages["invalid_choice"]

    def marks(self) -> dict[int, bool]:
        shown = self.cleaned_data["shown"]
        if self.cleaned_data["all_present"]:
            return dict.fromkeys(shown, True)
        present = set(self.cleaned_data["present"])
        return {pk: pk in present for pk in shown}


class _ScopedChoiceMixin:
    """A ModelChoiceField over what the user may act on: a list when short, a code box when
    long (a municipal login could otherwise be sent thousands of options)."""

    fields: dict[str, forms.Field]

    def _scope_field(self, name: str, queryset: QuerySet[Any], to_field: str) -> None:
        field = cast(forms.ModelChoiceField, self.fields[name])
        field.queryset = queryset
        field.to_field_name = to_field
        if queryset[: SELECT_LIMIT + 1].count() > SELECT_LIMIT:
            field.widget = forms.TextInput(attrs={"autocomplete": "off"})
            field.help_text = _("Type its code.")


class CourseForm(_ScopedChoiceMixin, forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organization.objects.none(), empty_label=None
    )
    code = forms.CharField(
        label=_("Course code"),
        max_length=40,
        help_text=_("Short and unique, such as HP-PIANO-1."),
    )
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.IN_PERSON)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.BEGINNER)
    hours = forms.DecimalField(
        label=_("Hours of learning"), max_digits=6, decimal_places=1, min_value=Decimal("0.5")
    )
    fee = forms.DecimalField(
        label=_("Fee (yuan)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0"),
    )
    audience = forms.ChoiceField(
        label=_("Intended audience"), choices=Audience.choices, initial=Audience.EVERYONE
    )
    description_zh = forms.CharField(
        label=_("Description (Chinese)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args: Any, providers: QuerySet[Organization], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._scope_field("provider", providers, "code")

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_INPUT)


class ClassForm(_ScopedChoiceMixin, forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.none(), empty_label=None
    )
    term = forms.ModelChoiceField(label=_("Term"), queryset=Term.objects.none(), empty_label=None)
    site = forms.ModelChoiceField(
        label=_("Learning site"),
        queryset=LearningSite.objects.none(),
        required=False,
        empty_label=_("Online (no site)"),
    )
    online_url = forms.URLField(
        label=_("Online classroom link"), required=False, assume_scheme="https"
    )
    teacher = forms.CharField(label=_("Teacher"), max_length=100, required=False)
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=Weekday.choices)
    starts_at = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    first_session_on = forms.DateField(
        label=_("First session"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sessions = forms.IntegerField(label=_("Number of sessions"), min_value=1, max_value=200)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000)
    rationing = forms.ChoiceField(
        label=_("How seats are given"), choices=Rationing.choices, initial=Rationing.LOTTERY
    )
    group_quota = forms.IntegerField(
        label=_("Seats reserved for target groups"),
        min_value=0,
        initial=0,
        help_text=_("Lottery classes only: these seats go first to residents in a target group."),
    )
    applications_open_at = forms.DateTimeField(
        label=_("Applications open (Beijing time)"),
        widget=_DateTimeInput(),
        input_formats=[DATETIME_INPUT],
    )
    applications_close_at = forms.DateTimeField(
        label=_("Applications close (Beijing time)"),
        widget=_DateTimeInput(),
        input_formats=[DATETIME_INPUT],
    )
    completion_min_attendance = forms.IntegerField(
        label=_("Attendance needed to complete (%)"), min_value=0, max_value=100, initial=80
    )

    def __init__(
        self,
        *args: Any,
        courses: QuerySet[Course],
        sites: QuerySet[LearningSite],
        terms: QuerySet[Term],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self._scope_field("course", courses, "code")
        course = cast(forms.ModelChoiceField, self.fields["course"])
        course.label_from_instance = _course_label  # type: ignore[method-assign,assignment]
        self._scope_field("site", sites, "public_id")
        cast(forms.ModelChoiceField, self.fields["term"]).queryset = terms
        cast(forms.ModelChoiceField, self.fields["term"]).to_field_name = "code"


def _course_label(course: Course) -> str:
    return f"{course.code} · {course.title}"

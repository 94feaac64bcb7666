"""The credit bank pages' forms. They check the shape of the input (a number, a date, one of
the offered choices); the services decide everything else, and their refusals come back onto
these forms as field errors (see views.place_errors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from learningcity.creditbank.choices import CreditCategory, RecordStatus, StandardKind
from learningcity.creditbank.data import RecordRow, StandardTerms
from learningcity.network.choices import ProviderSystem
from learningcity.network.models import Organization

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(**attrs: Any) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "decimal", **attrs})


class _Form(forms.Form):
    # Service field name → this form's field, where they differ.
    service_fields: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _organizations(field: forms.Field, queryset: QuerySet[Organization]) -> None:
    chooser = cast(forms.ModelChoiceField, field)
    chooser.queryset = queryset
    chooser.to_field_name = "code"


# Learners --------------------------------------------------------------------------------------


class ConvertForm(_Form):
    """Which of the convertible courses to apply for; none ticked means all of them."""

    courses = forms.MultipleChoiceField(
        label=_("Courses to convert"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, courses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["courses"]).choices = courses


class ClaimForm(_Form):
    service_fields = {"assessor": "assessor"}

    title = forms.CharField(
        label=_("What you learned"),
        max_length=200,
        help_text=_("For example: ten years in a community choir."),
    )
    description = forms.CharField(
        label=_("Describe the learning"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Where, when and for how long; what you can do now."),
    )
    category = forms.ChoiceField(label=_("Kind of learning"), choices=CreditCategory.choices)
    hours = forms.DecimalField(
        label=_("Hours of learning"),
        max_digits=7,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("10000"),
        widget=_number(step="0.5"),
    )
    certificate_code = forms.CharField(
        label=_("Certificate type (if you have one)"), max_length=40, required=False
    )
    assessor = forms.ModelChoiceField(
        label=_("Who should assess it"), queryset=Organization.objects.none(), empty_label=None
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        help_text=_("A PDF, or a photo (PNG or JPEG) of a certificate or record. At most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )

    def __init__(self, *args: Any, assessors: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organizations(self.fields["assessor"], assessors)


class ReasonForm(_Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason; the learner will read it.")},
    )


class AppealForm(_Form):
    reason = forms.CharField(
        label=_("Why the decision should change"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the decision should change.")},
    )


class ShareForm(_Form):
    days = forms.IntegerField(
        label=_("How many days the link works"),
        min_value=1,
        initial=30,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class DecideForm(_Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve or reject.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Give the reason for the decision; the learner will read it.")
        },
    )


# Provider staff --------------------------------------------------------------------------------


PASSED_CHOICES = [("", _("Not recorded")), ("yes", _("Passed")), ("no", _("Not passed"))]


class RecordForm(_Form):
    """One learning record from a provider's web form."""

    service_fields = {"learner": "account_number"}

    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organization.objects.none(), empty_label=None
    )
    account_number = forms.CharField(
        label=_("Learner's account number"),
        max_length=12,
        required=False,
        help_text=_("CB and ten digits. Or give the ID number below instead."),
    )
    id_number = forms.CharField(
        label=_("Learner's ID number"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    external_id = forms.CharField(
        label=_("Your record id"),
        max_length=80,
        help_text=_("The record's id in your own system; sending it again changes nothing."),
    )
    category = forms.ChoiceField(label=_("Kind of learning"), choices=CreditCategory.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE_INPUT)
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=7,
        decimal_places=1,
        min_value=Decimal("0"),
        initial=Decimal("0"),
        widget=_number(step="0.5"),
    )
    attendance_rate = forms.DecimalField(
        label=_("Attendance (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        widget=_number(),
    )
    passed = forms.ChoiceField(label=_("Result"), choices=PASSED_CHOICES, required=False)
    score = forms.DecimalField(
        label=_("Score (0–100)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        widget=_number(),
    )
    grade = forms.CharField(label=_("Grade"), max_length=10, required=False)
    course_code = forms.CharField(label=_("Course code"), max_length=40, required=False)
    certificate_code = forms.CharField(label=_("Certificate type"), max_length=40, required=False)
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=60, required=False
    )

    def __init__(self, *args: Any, providers: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organizations(self.fields["provider"], providers)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        named = data.get("account_number") or data.get("id_number")
        if not named and "account_number" not in self.errors:
            self.add_error("account_number", _("Name the learner by account number or ID number."))
        return data

    def row(self) -> RecordRow:
        data = self.cleaned_data
        passed = {"yes": True, "no": False}.get(data.get("passed") or "")
        return RecordRow(
            external_id=data["external_id"].strip(),
            category=data["category"],
            title=data["title"].strip(),
            completed_on=data["completed_on"],
            account_number=data["account_number"].strip().upper(),
            id_number=data["id_number"].strip(),
            course_code=data["course_code"].strip(),
            certificate_code=data["certificate_code"].strip(),
            certificate_number=data["certificate_number"].strip(),
            passed=passed,
            score=data.get("score"),
            grade=data["grade"].strip(),
            hours=data.get("hours") or Decimal("0"),
            attendance_rate=data.get("attendance_rate"),
        )


class UploadForm(_Form):
    service_fields = {"file": "file", "records": "file"}

    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Organization.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("File of records"),
        help_text=_("A CSV or Excel (.xlsx) file, one record a row, with a header row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    verify = forms.BooleanField(
        label=_("Verify the records at once"),
        help_text=_("For assessors: the records are recognised as they are saved."),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        providers: QuerySet[Organization],
        can_verify: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _organizations(self.fields["provider"], providers)
        if not can_verify:
            del self.fields["verify"]


class RecordFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Kind of learning"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Any status")),
            *RecordStatus.choices,
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("Any kind")),
            *CreditCategory.choices,
        ]


# Assessors: standards --------------------------------------------------------------------------


def _optional_decimal(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=7, decimal_places=1, required=False, widget=_number(), **kwargs
    )


class TermsForm(_Form):
    """The rules of one version of a standard (StandardTerms)."""

    kind = forms.ChoiceField(label=_("Kind of standard"), choices=StandardKind.choices)
    match_category = forms.ChoiceField(
        label=_("Applies to records of kind"), choices=CreditCategory.choices
    )
    match_certificate_code = forms.CharField(
        label=_("Certificate type it is for"), max_length=40, required=False
    )
    match_provider_system = forms.ChoiceField(
        label=_("Only for providers of"),
        choices=[("", _("Any provider system")), *ProviderSystem.choices],
        required=False,
    )
    credit_category = forms.ChoiceField(label=_("Credits count as"), choices=CreditCategory.choices)
    level = forms.IntegerField(label=_("Level (1–8)"), min_value=1, max_value=8)
    effective_from = forms.DateField(
        label=_("Applies to learning from"), widget=DATE_INPUT, initial=dt.date.today
    )
    credits_fixed = _optional_decimal(_("Credits per record"))
    hours_per_credit = _optional_decimal(_("Hours per credit"))
    max_credits_per_record = _optional_decimal(_("Most credits for one record"))
    validity_years = forms.IntegerField(
        label=_("Credits valid for (years)"), min_value=1, max_value=100, required=False
    )
    requires_pass = forms.BooleanField(label=_("Requires a pass"), required=False)
    min_attendance = forms.DecimalField(
        label=_("Minimum attendance (%)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        widget=_number(),
    )
    min_score = forms.DecimalField(
        label=_("Minimum score"), max_digits=5, decimal_places=2, required=False, widget=_number()
    )
    cap_per_year = _optional_decimal(_("Most credits per year"))
    cap_per_term = _optional_decimal(_("Most credits per half-year"))
    cap_per_institution = _optional_decimal(_("Most credits from one institution"))
    cap_certificates = forms.IntegerField(
        label=_("Most records recognised per learner"), min_value=1, required=False
    )

    def terms(self) -> StandardTerms:
        d = self.cleaned_data
        return StandardTerms(
            kind=d["kind"],
            match_category=d["match_category"],
            credit_category=d["credit_category"],
            level=d["level"],
            effective_from=d["effective_from"],
            match_certificate_code=d["match_certificate_code"].strip(),
            match_provider_system=d["match_provider_system"] or "",
            credits_fixed=d.get("credits_fixed"),
            hours_per_credit=d.get("hours_per_credit"),
            max_credits_per_record=d.get("max_credits_per_record"),
            validity_years=d.get("validity_years"),
            requires_pass=bool(d.get("requires_pass")),
            min_attendance=d.get("min_attendance"),
            min_score=d.get("min_score"),
            cap_per_year=d.get("cap_per_year"),
            cap_per_term=d.get("cap_per_term"),
            cap_per_institution=d.get("cap_per_institution"),
            cap_certificates=d.get("cap_certificates"),
        )


class StandardForm(TermsForm):
    owner = forms.ModelChoiceField(
        label=_("Kept by"), queryset=Organization.objects.none(), empty_label=None
    )
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("Such as NCRE-1."))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=150)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)

    field_order = ["owner", "code", "name_zh", "name_en"]

    def __init__(self, *args: Any, owners: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organizations(self.fields["owner"], owners)


class ReviseForm(TermsForm):
    change_note = forms.CharField(
        label=_("What changed in this version"),
        max_length=300,
        error_messages={"required": _("Say what changed in this version.")},
    )

    field_order = ["change_note"]


# Offices ---------------------------------------------------------------------------------------


class MergeForm(_Form):
    service_fields = {"duplicate": "duplicate_number", "keep": "keep_number"}

    keep_number = forms.CharField(label=_("Account to keep"), max_length=12)
    duplicate_number = forms.CharField(
        label=_("Duplicate account"),
        max_length=12,
        help_text=_("Its records and credits move to the account kept; it is then closed."),
    )
    id_number = forms.CharField(
        label=_("ID number on the resident's card (optional)"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why these are the same person"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why these accounts are the same person.")},
    )

    def clean_keep_number(self) -> str:
        return str(self.cleaned_data["keep_number"]).strip().upper()

    def clean_duplicate_number(self) -> str:
        return str(self.cleaned_data["duplicate_number"]).strip().upper()

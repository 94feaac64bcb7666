from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.creditbank.choices import CreditCategory
from learningcity.xapi.choices import CreditOutcome


class CredentialForm(forms.Form):
    name = forms.CharField(
        label=_("System name"),
        max_length=100,
        help_text=_("For example: our online course platform."),
    )


class RegistrationForm(forms.Form):
    activity_id = forms.CharField(
        label=_("Activity id (IRI)"),
        max_length=500,
        help_text=_("Exactly as your platform sends it, e.g. https://lms.example.org/course/42"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Credit category"), choices=CreditCategory.choices)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0, max_value=10000, decimal_places=1, initial=0
    )
    course_code = forms.CharField(label=_("Course code"), max_length=40, required=False)


class OutcomeFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What became of it"),
        choices=[("", _("Every completion"))]
        + [(v, label) for v, label in CreditOutcome.choices if v],
        required=False,
    )


class ReadGrantForm(forms.Form):
    grantee = forms.CharField(
        label=_("Code of the provider that may read"),
        max_length=32,
        help_text=_(
            "Ask the other provider for its code. Its systems may then read your statements, "
            "never change them."
        ),
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

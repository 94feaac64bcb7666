from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.learners.choices import CorrectionStatus


class CorrectionForm(forms.Form):
    details = forms.CharField(
        label=_("What is wrong, and what is right?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class CorrectionAnswerForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (CorrectionStatus.CORRECTED, CorrectionStatus.CORRECTED.label),
            (CorrectionStatus.DECLINED, CorrectionStatus.DECLINED.label),
        ],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Answer to the resident"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

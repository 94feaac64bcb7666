from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.funding.choices import ReportDimension


class FlagReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("clear", _("Clear the flag: the claim fits, the payment may go")),
            ("uphold", _("Uphold the flag: reject the claim and return the money")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log with your name."),
    )


class ReportForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Group by"), choices=ReportDimension.choices, initial=ReportDimension.LEVEL
    )
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("Leave empty for every year."),
    )

    def year(self) -> int | None:
        if self.is_valid():
            return self.cleaned_data.get("fiscal_year")
        return None

    def dimension(self) -> str:
        if self.is_valid():
            return str(self.cleaned_data["by"])
        return str(ReportDimension.LEVEL)

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from learningcity.monitoring.choices import Indicator


class OpenDataForm(forms.Form):
    indicator = forms.ChoiceField(
        label=_("Indicator"),
        required=False,
        choices=[("", _("Every indicator")), *Indicator.choices],
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)

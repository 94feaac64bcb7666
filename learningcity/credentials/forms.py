from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD = 2 * 1024 * 1024


class VerifyForm(forms.Form):
    """Paste a credential's JSON or upload its file."""

    document = forms.CharField(
        label=_("Credential (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"class": "json", "rows": 10, "spellcheck": "false"}),
        help_text=_("Paste the whole credential, from { to }."),
    )
    file = forms.FileField(
        label=_("Or upload the credential file"),
        required=False,
        help_text=_("A .json file, at most 2 MB."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                self.add_error("file", _("The file is larger than 2 MB."))
                return data
            try:
                data["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", _("The file is not a JSON text file."))
                return data
        elif data.get("document", "").strip():
            data["text"] = data["document"]
        else:
            self.add_error("document", _("Paste a credential or choose a file."))
        return data


class ShareForm(forms.Form):
    days = forms.IntegerField(
        label=_("The link works for (days)"), min_value=1, max_value=365, initial=30
    )

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from learningcity.accounts import services, tasks
from learningcity.core.ratelimit import client_address


def wait_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many failed attempts. For your safety, please wait %(minutes)d minute and try "
        "again. If you have forgotten your password, reset it or ask your community school "
        "for help.",
        "Too many failed attempts. For your safety, please wait %(minutes)d minutes and try "
        "again. If you have forgotten your password, reset it or ask your community school "
        "for help.",
        minutes,
    ) % {"minutes": minutes}


class LoginForm(AuthenticationForm):
    """Django's login form, counting failures: an account (or an address) that fails too often
    waits, longer each time, with the same answer whether or not the account exists."""

    username = forms.CharField(
        label=_("Username"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = services.login_wait(username=username, address=address)
        if wait:
            raise ValidationError(wait_message(wait), code="locked")
        try:
            cleaned = super().clean()
        except ValidationError:
            wait = services.login_failed(username=username, address=address)
            if wait:
                raise ValidationError(wait_message(wait), code="locked") from None
            raise
        if self.user_cache is not None:
            services.login_succeeded(username=username)
        return cleaned


class ResetForm(PasswordResetForm):
    """Django's reset form; the e-mail goes out from a background task, so the answer takes
    the same time whether or not an account has that address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        tasks.send_email.enqueue(subject=subject, body=body, to=to_email)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("The six-digit code your authenticator app shows now"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

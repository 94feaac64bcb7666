"""The credit bank's pages: a learner's own bank (resident.py), transcripts in HTML, PDF and
JSON (transcript.py), provider staff, assessors and offices (staff.py) and what anyone may
read (public.py).

Every page works without JavaScript. Every change is one service call; a service's refusal
(DomainError) becomes a message on the form in the reader's language, with a 4xx status,
never a server error."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.http import Http404, HttpRequest
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learningcity.core.errors import DomainError
from learningcity.creditbank.choices import CreditCategory
from learningcity.creditbank.data import Balance
from learningcity.creditbank.services import recognition
from learningcity.network.choices import Action
from learningcity.network.models import actor_scope

# The recognition note keeps reason codes ("LEISURE v2,low_attendance"); a learner reads
# sentences.
REASONS: dict[str, Promise] = {
    recognition.FAILED: gettext_lazy("The standard needs a pass, and no pass was recorded."),
    recognition.LOW_ATTENDANCE: gettext_lazy(
        "Attendance was below what the standard needs, so no credits were given."
    ),
    recognition.LOW_SCORE: gettext_lazy(
        "The score was below what the standard needs, so no credits were given."
    ),
    recognition.CAPPED_RECORD: gettext_lazy(
        "One record can earn only so many credits under this standard; the rest was cut."
    ),
    recognition.CAPPED_YEAR: gettext_lazy(
        "The yearly limit for this kind of learning was reached; only what fitted was given."
    ),
    recognition.CAPPED_TERM: gettext_lazy(
        "The half-year limit for this kind of learning was reached; only what fitted was given."
    ),
    recognition.CAPPED_INSTITUTION: gettext_lazy(
        "The limit for learning at one institution was reached; only what fitted was given."
    ),
    recognition.CAPPED_COUNT: gettext_lazy(
        "This certificate already counted once; it counts only once."
    ),
    recognition.NO_STANDARD: gettext_lazy(
        "No recognition standard covers this kind of learning yet, so it earns no credits."
    ),
    recognition.NO_HOURS: gettext_lazy("No hours were recorded, so no credits were given."),
}


@dataclass(frozen=True)
class Explanation:
    standard: str  # "LEISURE v2", or "" when none applied
    reasons: list[str]


def explain(note: str) -> Explanation:
    """The recognition note ("CODE vN,reason,reason" or a bare reason) in sentences."""
    parts = [p for p in (note or "").split(",") if p]
    standard = ""
    if parts and parts[0] not in REASONS:
        standard = parts.pop(0)
    return Explanation(standard=standard, reasons=[str(REASONS.get(p, p)) for p in parts])


def balance_context(balances: list[Balance], by_category: dict[str, Decimal]) -> dict[str, Any]:
    """What the balance partial shows: cards by category, a table by category and level."""
    labels = dict(CreditCategory.choices)
    return {
        "by_category": [
            (label, credits(by_category[value])) for value, label in CreditCategory.choices
        ],
        "total": credits(sum(by_category.values(), Decimal(0))),
        "level_rows": [
            (labels.get(b.category, b.category), b.level, credits(b.credits)) for b in balances
        ],
    }


def credits(value: Decimal) -> Decimal:
    """Credits with their one decimal place, as a sum from the database may lose it."""
    return Decimal(value).quantize(Decimal("0.1"))


def place_errors(form: forms.Form, error: DomainError) -> None:
    """Put a service's field errors on the form's fields (by the service's field name, or the
    form's own name for it); what has no visible field goes to the top of the form."""
    aliases: dict[str, str] = getattr(form, "service_fields", {})
    placed = False
    for name, messages in error.fields.items():
        target = aliases.get(name, name)
        if target in form.fields and not form[target].is_hidden:
            for message in messages:
                form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def error_fields(form: forms.Form) -> list[Any]:
    """The visible fields that have errors, for the error summary's links."""
    return [field for field in form if field.errors and not field.is_hidden]


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def require_scope(request: HttpRequest, action: str) -> None:
    """Staff pages answer 'not found' to anyone without the action somewhere."""
    if actor_scope(request.user, action).nothing:
        raise Http404(_("This page is for staff."))


def is_office(user: Any, action: str = Action.VIEW) -> bool:
    """A governance body (an office, the Service Center) sees residents of its area; with
    `action`, one where the user may do that (change, to merge accounts)."""
    scope = actor_scope(user, action)
    return scope.everything or bool(scope.area_paths)

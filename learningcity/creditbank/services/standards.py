"""Recognition standards, kept by assessors. A change is a new version; past decisions keep
the version they used."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from learningcity.core.errors import Conflict, NotFound, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import CreditCategory, StandardKind
from learningcity.creditbank.data import StandardTerms
from learningcity.creditbank.models import RecognitionStandard, StandardVersion
from learningcity.network.choices import Action, ProviderSystem
from learningcity.network.models import Organization


def terms_errors(terms: StandardTerms) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if terms.kind not in StandardKind.values:
        errors["kind"] = [_("Select a valid choice.")]
    if terms.match_category not in CreditCategory.values:
        errors["match_category"] = [_("Select a valid choice.")]
    if terms.credit_category not in CreditCategory.values:
        errors["credit_category"] = [_("Select a valid choice.")]
    if not 1 <= terms.level <= 8:
        errors["level"] = [_("A level is from 1 to 8.")]
    if terms.match_provider_system and terms.match_provider_system not in ProviderSystem.values:
        errors["match_provider_system"] = [_("Select a valid choice.")]
    if terms.kind == StandardKind.CERTIFICATE and not terms.match_certificate_code:
        errors["match_certificate_code"] = [_("Name the certificate type this standard is for.")]
    if terms.credits_fixed is None and not terms.hours_per_credit:
        message = _("Give either credits per record or hours per credit.")
        errors["credits_fixed"] = [message]
        errors["hours_per_credit"] = [message]
    positive = (
        "credits_fixed",
        "hours_per_credit",
        "max_credits_per_record",
        "cap_per_year",
        "cap_per_term",
        "cap_per_institution",
    )
    for name in positive:
        value = getattr(terms, name)
        if value is not None and (value <= 0 or value > Decimal("999")):
            errors[name] = [_("Enter a number greater than 0 and at most 999.")]
    for name in ("min_attendance", "min_score"):
        value = getattr(terms, name)
        if value is not None and not (0 <= value <= 100):
            errors[name] = [_("Enter a number from 0 to 100.")]
    if terms.validity_years is not None and not 1 <= terms.validity_years <= 100:
        errors["validity_years"] = [_("Enter a number of years from 1 to 100.")]
    if terms.cap_certificates is not None and terms.cap_certificates < 1:
        errors["cap_certificates"] = [_("Enter a whole number of at least 1.")]
    return errors


def _check(terms: StandardTerms) -> None:
    errors = terms_errors(terms)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)


def _version(
    standard: RecognitionStandard, number: int, terms: StandardTerms, **extra: Any
) -> StandardVersion:
    return StandardVersion.objects.create(
        standard=standard, version=number, **dataclasses.asdict(terms), **extra
    )


@transaction.atomic
def standard_create(
    *, actor: Any, owner: Organization, code: str, name_zh: str, name_en: str, terms: StandardTerms
) -> RecognitionStandard:
    if not Organization.objects.restrict(actor, Action.ASSESS).filter(pk=owner.pk).exists():
        raise NotFound(_("No such organization."))
    errors: dict[str, list[str]] = {}
    if not code.strip() or len(code) > 40:
        errors["code"] = [_("Give a code of 1 to 40 characters.")]
    if not name_zh.strip():
        errors["name_zh"] = [_("Give the standard's Chinese name.")]
    errors.update(terms_errors(terms))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    try:
        with transaction.atomic():
            standard = RecognitionStandard.objects.create(
                code=code.strip(), name_zh=name_zh.strip(), name_en=name_en.strip(), owner=owner
            )
    except IntegrityError:
        message = _("A standard with this code exists.")
        raise Conflict(message, fields={"code": [message]}) from None
    _version(standard, 1, terms, created_by_id=getattr(actor, "pk", None), change_note="")
    audit_record(
        actor=actor,
        action="creditbank.standard_create",
        subject=f"creditbank.standard:{standard.code}",
        data={"version": 1},
    )
    return standard


@transaction.atomic
def standard_revise(
    *, actor: Any, code: str, terms: StandardTerms, change_note: str
) -> StandardVersion:
    """A new version of a standard's rules; recognitions made before keep their version."""
    standard = (
        RecognitionStandard.objects.select_for_update()
        .filter(code=code, owner__in=Organization.objects.restrict(actor, Action.ASSESS))
        .first()
    )
    if standard is None:
        raise NotFound(_("No such standard."))
    if not change_note.strip():
        message = _("Say what changed in this version.")
        raise ValidationFailed(message, fields={"change_note": [message]})
    _check(terms)
    last = standard.versions.aggregate(n=Max("version"))["n"] or 0
    version = _version(
        standard,
        last + 1,
        terms,
        created_by_id=getattr(actor, "pk", None),
        change_note=change_note.strip()[:300],
    )
    audit_record(
        actor=actor,
        action="creditbank.standard_revise",
        subject=f"creditbank.standard:{standard.code}",
        reason=change_note,
        data={"version": version.version},
    )
    return version

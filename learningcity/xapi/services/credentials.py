"""Provider credentials (issued, authenticated, revoked) and activity registrations."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.core import clock
from learningcity.core.actors import PLATFORM
from learningcity.core.crypto import blind_index
from learningcity.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.creditbank.choices import CreditCategory
from learningcity.network.choices import Action
from learningcity.network.models import Organization
from learningcity.xapi.canonical import activity_hash
from learningcity.xapi.models import ActivityRegistration, Credential, Revocable
from learningcity.xapi.validation import iri

KEY_PREFIX = "lcx_"


Given = TypeVar("Given", bound=Revocable)


@dataclass(frozen=True)
class IssuedCredential:
    credential: Credential
    key: str
    secret: str  # shown once, never stored


def secret_digest(secret: str) -> str:
    # Secrets are random and long: a keyed hash is enough, and fast on every request.
    return blind_index(secret, context="xapi.credential")


def may_change(actor: Any, provider: Organization) -> None:
    """NotFound unless the actor may change the provider (its credentials, registrations and
    read grants)."""
    if actor is PLATFORM:
        return
    if not Organization.objects.restrict(actor, Action.CHANGE).filter(pk=provider.pk).exists():
        raise NotFound(_("No such provider."))


def audit_subject(provider: Organization) -> str:
    return f"network.organization:{provider.code}"


@transaction.atomic
def credential_create(*, actor: Any, provider: Organization, name: str) -> IssuedCredential:
    """Issue a key and secret for a provider's system; the secret is returned once."""
    may_change(actor, provider)
    name = name.strip()
    if not name or len(name) > 100:
        message = _("Name the system these credentials are for (at most 100 characters).")
        raise ValidationFailed(message, fields={"name": [message]})
    key = KEY_PREFIX + secrets.token_hex(10)
    secret = secrets.token_urlsafe(32)
    credential = Credential.objects.create(
        provider=provider,
        name=name,
        key=key,
        secret_digest=secret_digest(secret),
        issued_by_id=getattr(actor, "pk", None),
    )
    audit_record(
        actor=actor,
        action="xapi.credential_create",
        subject=audit_subject(provider),
        data={"key": key, "name": name},
    )
    return IssuedCredential(credential=credential, key=key, secret=secret)


@transaction.atomic
def credential_revoke(
    *, actor: Any, public_id: Any, provider: Organization | None = None
) -> Credential:
    """Revoke a credential the actor may change; when `provider` is given (the provider a page
    is about), only one of that provider's credentials."""
    credential, changed = revoke(
        Credential,
        actor=actor,
        public_id=public_id,
        provider=provider,
        missing=_("No such credential."),
    )
    if changed:
        audit_record(
            actor=actor,
            action="xapi.credential_revoke",
            subject=audit_subject(credential.provider),
            data={"key": credential.key},
        )
    return credential


def revoke(
    model: type[Given],
    *,
    actor: Any,
    public_id: Any,
    provider: Organization | None,
    missing: str,
    related: tuple[str, ...] = (),
) -> tuple[Given, bool]:
    """Revoke one of a provider's credentials or read grants (`model`) that the actor may
    change, of `provider` only when given; NotFound (`missing`) otherwise. Returns it as it
    now is, and whether this call revoked it (False: it was revoked already)."""
    objects: Any = model._default_manager  # a manager with `restrict`, as every scoped model
    visible = objects.all() if actor is PLATFORM else objects.restrict(actor, Action.CHANGE)
    if provider is not None:
        visible = visible.filter(provider=provider)
    found = visible.select_related("provider", *related).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(missing)
    changed = objects.filter(pk=found.pk, revoked_at__isnull=True).update(
        revoked_at=clock.now(), revoked_by_id=getattr(actor, "pk", None)
    )
    found.refresh_from_db()
    return found, bool(changed)


def credential_authenticate(key: str, secret: str) -> Credential | None:
    """The live credential for a key and secret, with its provider; None otherwise."""
    credential = (
        Credential.objects.select_related("provider")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if credential is None or not hmac.compare_digest(
        credential.secret_digest, secret_digest(secret)
    ):
        return None
    return credential


@transaction.atomic
def registration_create(
    *,
    actor: Any,
    provider: Organization,
    activity_id: str,
    title: str,
    category: str,
    hours: Decimal,
    course_code: str = "",
) -> ActivityRegistration:
    """Declare an activity id one of the provider's courses or resources: its completions
    become learning records with this title, category and hours."""
    may_change(actor, provider)
    errors: dict[str, list[str]] = {}
    activity_id = activity_id.strip()
    try:
        iri(activity_id, "activity_id")
    except ValidationFailed as exc:
        errors["activity_id"] = [exc.message]
    if len(activity_id) > 500:
        errors["activity_id"] = [_("An activity id has at most 500 characters.")]
    if not title.strip() or len(title) > 200:
        errors["title"] = [_("Give a title of at most 200 characters.")]
    if category not in CreditCategory.values:
        errors["category"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(CreditCategory.values)}
        ]
    if not (Decimal("0") <= hours <= Decimal("10000")):
        errors["hours"] = [_("Enter hours from 0 to 10000.")]
    if len(course_code) > 40:
        errors["course_code"] = [_("At most %(n)d characters.") % {"n": 40}]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    try:
        with transaction.atomic():
            registration = ActivityRegistration.objects.create(
                provider=provider,
                activity_id=activity_id,
                activity_hash=activity_hash(activity_id),
                title=title.strip(),
                category=category,
                hours=hours,
                course_code=course_code.strip(),
                created_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        message = _("This activity is registered already.")
        raise Conflict(message, fields={"activity_id": [message]}) from None
    audit_record(
        actor=actor,
        action="xapi.registration_create",
        subject=audit_subject(provider),
        data={"activity_id": activity_id, "category": category, "hours": str(hours)},
    )
    return registration


@transaction.atomic
def registration_delete(
    *, actor: Any, public_id: Any, provider: Organization | None = None
) -> None:
    """Remove a registered activity the actor may change; when `provider` is given (the
    provider a page is about), only one of that provider's activities."""
    registrations = ActivityRegistration.objects.restrict(actor, Action.CHANGE)
    if provider is not None:
        registrations = registrations.filter(provider=provider)
    registration = registrations.select_related("provider").filter(public_id=public_id).first()
    if registration is None:
        raise NotFound(_("No such registered activity."))
    if actor is not PLATFORM and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))
    audit_record(
        actor=actor,
        action="xapi.registration_delete",
        subject=audit_subject(registration.provider),
        data={"activity_id": registration.activity_id},
    )
    registration.delete()

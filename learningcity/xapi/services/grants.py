"""Read grants: a provider lets another provider's credentials read its statements.

Only someone who may change the granting provider (its administrators and registrars, and
those of the offices above it) grants and revokes. Granting a provider that holds a live grant
changes nothing, and revoking twice changes nothing; every change is one audit row. A grant is
leave to read statements, nothing more: the grantee's credentials never void or overwrite the
granter's statements, and documents (state, activity and agent profiles) stay private to the
provider that wrote them.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from learningcity.core.errors import PermissionDenied, ValidationFailed
from learningcity.core.services import audit_record
from learningcity.network.models import Organization
from learningcity.xapi.models import Credential, ReadGrant, Statement
from learningcity.xapi.services.credentials import audit_subject, may_change, revoke

REASON_MAX = 500


def _grantee(provider: Organization, code: str) -> Organization:
    code = code.strip()
    if not code:
        message = _("Enter the code of the provider that may read your statements.")
        raise ValidationFailed(message, fields={"grantee": [message]})
    grantee = Organization.objects.filter(code=code).first()
    if grantee is None:
        # Codes are typed by people: "310104-cs" finds 310104-CS when no other code matches.
        found = list(Organization.objects.filter(code__iexact=code)[:2])
        grantee = found[0] if len(found) == 1 else None
    if grantee is None:
        message = _("No provider has the code %(code)s.") % {"code": code}
        raise ValidationFailed(message, fields={"grantee": [message]})
    if grantee.pk == provider.pk:
        message = _("A provider reads its own statements already: enter another provider's code.")
        raise ValidationFailed(message, fields={"grantee": [message]})
    return grantee


@transaction.atomic
def read_grant_create(
    *, actor: Any, provider: Organization, grantee_code: str, reason: str = ""
) -> ReadGrant:
    """Let the provider with `grantee_code` read `provider`'s statements; returns the live
    grant, the one there was already when the grantee holds one (nothing changes then)."""
    may_change(actor, provider)
    reason = reason.strip()
    grantee = _grantee(provider, grantee_code)
    if len(reason) > REASON_MAX:
        message = _("At most %(n)d characters.") % {"n": REASON_MAX}
        raise ValidationFailed(message, fields={"reason": [message]})
    live = ReadGrant.objects.filter(provider=provider, grantee=grantee, revoked_at__isnull=True)
    existing = live.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            grant = ReadGrant.objects.create(
                provider=provider,
                grantee=grantee,
                reason=reason,
                created_by_id=getattr(actor, "pk", None),
            )
    except IntegrityError:
        # A concurrent request granted the same provider first: its grant is this one.
        return live.get()
    audit_record(
        actor=actor,
        action="xapi.read_grant_create",
        subject=audit_subject(provider),
        reason=reason,
        data={"grantee": grantee.code, "grant": str(grant.public_id)},
    )
    return grant


@transaction.atomic
def read_grant_revoke(
    *, actor: Any, public_id: Any, provider: Organization | None = None
) -> ReadGrant:
    """Revoke a grant given by a provider the actor may change; when `provider` is given (the
    provider a page is about), only one of that provider's grants. The grantee's credentials
    read none of the provider's statements from the next request on."""
    grant, changed = revoke(
        ReadGrant,
        actor=actor,
        public_id=public_id,
        provider=provider,
        missing=_("No such read grant."),
        related=("grantee",),
    )
    if changed:
        audit_record(
            actor=actor,
            action="xapi.read_grant_revoke",
            subject=audit_subject(grant.provider),
            data={"grantee": grant.grantee.code, "grant": str(grant.public_id)},
        )
    return grant


def void_check(*, credential: Credential, targets: Collection[uuid.UUID]) -> None:
    """Refuse a voiding statement whose target the credential reads through a grant: 403, as
    xAPI 1.0.3 (Data 2.3.2) says for a request from a source not authorized to void it, and
    the whole batch with it. A target of a provider that granted nothing is left as it was
    before grants: as if absent (stored, nothing voided), so the answer tells the credential
    nothing it could not read."""
    granters = ReadGrant.objects.filter(
        grantee_id=credential.provider_id, revoked_at__isnull=True
    ).values("provider_id")
    granted = (
        Statement.objects.filter(statement_id__in=list(targets), provider_id__in=granters)
        .values_list("statement_id", flat=True)
        .first()
    )
    if granted is not None:
        message = _(
            "Statement %(id)s is another provider's: a read grant lets you read it, and only "
            "that provider may void it."
        ) % {"id": granted}
        raise PermissionDenied(message, fields={"object": [message]})

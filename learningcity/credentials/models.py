"""Verifiable credentials: issuers' signing keys, the credentials issued, their status lists
and the links learners share. A credential's signed JSON is kept byte for byte as issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import TimeStampedModel
from learningcity.credentials.choices import CredentialKind


class IssuerKey(TimeStampedModel):
    """An Ed25519 key of an issuing organization. The newest active one signs; retired keys
    stay published in the issuer's controller document, so what they signed still verifies.
    The private key is held only encrypted (AES-GCM, core.crypto)."""

    organization = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuer"),
    )
    public_key_multibase = models.CharField(_("public key"), max_length=64, unique=True)
    private_key_encrypted = models.BinaryField(editable=False)
    active = models.BooleanField(_("signs new credentials"), default=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["organization_id", "id"]
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(active=True), name="one_active_key_per_issuer"
            )
        ]

    def __str__(self) -> str:
        return self.public_key_multibase


class StatusList(TimeStampedModel):
    """A Bitstring Status List of one issuer (131,072 entries); its signed credential is
    re-issued whenever a bit changes."""

    organization = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField()
    bits = models.BinaryField(editable=False)
    next_index = models.PositiveIntegerField(default=0)
    document = models.TextField(blank=True)

    class Meta:
        ordering = ["organization_id", "number"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="status_list_number_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.number}"


class Credential(TimeStampedModel):
    """One signed credential (an OpenBadgeCredential or a ClrCredential) for one learner.
    `source` is the opaque key of what it certifies ("creditbank.record:<uuid>"): issuing
    twice for one source returns the first credential."""

    kind = models.CharField(_("kind"), max_length=12, choices=CredentialKind.choices)
    issuer = models.ForeignKey(
        "network.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issuer"),
    )
    # The learner by public id: credentials sit beside learners and never import them.
    learner_public_id = models.UUIDField(_("learner"), db_index=True)
    name = models.CharField(_("name"), max_length=300)
    document = models.TextField(_("signed credential"))
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    status_index = models.PositiveIntegerField()
    source = models.CharField(max_length=120, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credential_status_entry_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "source"],
                condition=~Q(source=""),
                name="credential_once_per_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CredentialShare(TimeStampedModel):
    """A link that shows one credential to anyone holding it, until it expires."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="shares")
    token_digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("credential link")
        verbose_name_plural = _("credential links")

    def __str__(self) -> str:
        return f"{self.credential_id} until {self.expires_at:%Y-%m-%d}"

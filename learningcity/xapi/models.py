"""The learning record store: provider credentials, activity registrations, statements with an
indexed column for every filter, their related activities and agents, attachments, and the
state and profile documents."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from learningcity.core.models import uuid7
from learningcity.network.models import actor_scope, scope_q
from learningcity.xapi.choices import CreditOutcome, DocumentKind, RefKind


class ScopedByProvider(models.QuerySet[Any]):
    def restrict(self, actor: Any, action: str) -> Any:
        """Staff see what belongs to providers in their organization subtree (or area)."""
        scope = actor_scope(actor, action)
        return self.filter(
            scope_q(scope, area_lookup="provider__area__path", organization_lookup="provider__path")
        )


class Revocable(models.Model):
    """What a provider gives and may take back (a credential, a read grant): when and by whom
    it was revoked; services.credentials.revoke takes it back."""

    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class Credential(Revocable):
    """HTTP Basic credentials a provider's system uses against /xapi/. Only a keyed digest of
    the secret is stored; the statements sent with it have the provider as their authority."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    provider = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_digest = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByProvider.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("xAPI credential")
        verbose_name_plural = _("xAPI credentials")
        indexes = [models.Index(fields=["provider", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class ActivityRegistration(models.Model):
    """An activity id a provider declares as one of its courses or resources: completing or
    passing it becomes a learning record with these facts."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    provider = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    activity_id = models.CharField(_("activity id (IRI)"), max_length=500)
    activity_hash = models.CharField(max_length=40)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("credit category"), max_length=16)
    course_code = models.CharField(_("course code"), max_length=40, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=1, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedByProvider.as_manager()

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("registered activity")
        verbose_name_plural = _("registered activities")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "activity_hash"], name="xapi_registration_once"
            ),
            models.CheckConstraint(condition=models.Q(hours__gte=0), name="xapi_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.activity_id


class Statement(models.Model):
    """One stored statement: the JSON as the LRS returns it (with id, stored, authority and
    version set), and a column for every filter. The primary key orders `stored` for paging;
    filter values are SHA-1 digests of IRIs and agent identifiers, so indexes stay small."""

    id = models.BigAutoField(primary_key=True)
    statement_id = models.UUIDField(unique=True)
    provider = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    credential = models.ForeignKey(
        Credential, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    body = models.TextField()
    # sha256 of the statement in the form the specification compares (see normalize.py)
    fingerprint = models.CharField(max_length=64)
    verb_hash = models.CharField(max_length=40)
    actor_hash = models.CharField(max_length=40)
    # The object's digest: an activity's id or an agent's identifier.
    object_hash = models.CharField(max_length=40, blank=True)
    registration = models.UUIDField(null=True, blank=True)
    stored = models.DateTimeField()
    timestamp = models.DateTimeField()
    voided = models.BooleanField(default=False)
    # For a voiding statement, the statement it voids.
    voids = models.UUIDField(null=True, blank=True)
    # For any statement whose object is a StatementRef (voiding or not), the statement it
    # targets: a query's filters also match a statement through its targets (xAPI 1.0.3,
    # Part Three, 2.1.3).
    target = models.UUIDField(null=True, blank=True)
    attachments = models.JSONField(default=list, blank=True)  # sha2 digests
    credit_outcome = models.CharField(
        max_length=20, choices=CreditOutcome.choices, default=CreditOutcome.NONE, blank=True
    )
    credit_record = models.UUIDField(null=True, blank=True)
    credit_note = models.CharField(max_length=500, blank=True)

    objects = ScopedByProvider.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        indexes = [
            models.Index(fields=["provider", "id"], name="xapi_stmt_provider"),
            models.Index(fields=["provider", "actor_hash", "id"], name="xapi_stmt_actor"),
            # Not in id order, on purpose: a verb is shared by most statements, and an index
            # in id order tempts the planner (whose statistics lag a fast-growing table) to
            # walk all of a verb's statements backwards to find one agent's; this one only
            # serves a rare verb asked alone.
            models.Index(fields=["provider", "verb_hash"], name="xapi_stmt_verb_any"),
            models.Index(fields=["provider", "object_hash", "id"], name="xapi_stmt_object"),
            models.Index(fields=["provider", "registration", "id"], name="xapi_stmt_reg"),
            models.Index(fields=["provider", "stored"], name="xapi_stmt_stored"),
            # Small partial indexes: few statements void another or wait for the credit bank.
            models.Index(
                fields=["voids"], name="xapi_stmt_voids", condition=models.Q(voids__isnull=False)
            ),
            models.Index(
                fields=["provider", "id"],
                name="xapi_stmt_targeting",
                condition=models.Q(target__isnull=False),
            ),
            models.Index(
                fields=["provider", "id"],
                name="xapi_stmt_credit",
                condition=models.Q(credit_outcome__in=["pending", "void_pending"]),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class StatementRef(models.Model):
    """An activity or agent a statement relates to beyond its actor and object (the context,
    the authority, group members, the sub-statement): for the related_* filters. Most
    statements have none, so most inserts write no row here."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="refs")
    kind = models.CharField(max_length=8, choices=RefKind.choices)
    ref_hash = models.CharField(max_length=40)

    class Meta:
        verbose_name = _("statement reference")
        verbose_name_plural = _("statement references")
        indexes = [models.Index(fields=["ref_hash", "kind", "statement"], name="xapi_ref_hash")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref_hash}"


class Attachment(models.Model):
    """Attachment content, stored once per SHA-2 digest."""

    sha2 = models.CharField(max_length=128, unique=True)
    content_type = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.sha2


class Activity(models.Model):
    """The canonical definition of an activity, as its provider last sent it."""

    activity_hash = models.CharField(max_length=40, unique=True)
    activity_id = models.TextField()
    definition = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return self.activity_id


class Document(models.Model):
    """A state, activity profile or agent profile document, private to the provider whose
    credentials wrote it. The ETag is the SHA-1 of the content."""

    provider = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    activity_hash = models.CharField(max_length=40, blank=True)
    agent_hash = models.CharField(max_length=40, blank=True)
    registration = models.CharField(max_length=36, blank=True)
    document_id = models.CharField(max_length=255)
    content = models.BinaryField()
    content_type = models.CharField(max_length=255)
    etag = models.CharField(max_length=40)
    updated = models.DateTimeField()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "provider",
                    "kind",
                    "activity_hash",
                    "agent_hash",
                    "registration",
                    "document_id",
                ],
                name="xapi_document_once",
            )
        ]

    def __str__(self) -> str:
        return self.document_id


class ReadGrant(Revocable):
    """A provider's leave for another provider's credentials to read its statements: to read
    only (never to void or overwrite them), and statements only (documents stay private to the
    provider that wrote them). Revoking keeps the row, so who granted what, when and why
    stays on record; granting again after a revocation is a new row."""

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    # The granting provider: the owner of the statements.
    provider = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    grantee = models.ForeignKey(
        "network.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedByProvider.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("read grant")
        verbose_name_plural = _("read grants")
        constraints = [
            # One live grant per pair: granting twice changes nothing, even when concurrent.
            models.UniqueConstraint(
                fields=["provider", "grantee"],
                condition=models.Q(revoked_at__isnull=True),
                name="xapi_read_grant_live_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(provider=models.F("grantee")),
                name="xapi_read_grant_not_self",
            ),
        ]
        indexes = [
            # Every statement read asks which providers granted the credential's provider.
            models.Index(
                fields=["grantee", "provider"],
                name="xapi_read_grant_grantee",
                condition=models.Q(revoked_at__isnull=True),
            ),
            models.Index(fields=["provider", "created_at"], name="xapi_read_grant_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} → {self.grantee_id}"

from __future__ import annotations

import os
import time
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def uuid7() -> uuid.UUID:
    """A time-ordered UUID (RFC 9562 version 7): 48 bits of Unix milliseconds, then random.
    Tables of hundreds of millions of rows take new ids at the end of their index instead of
    at random places in it."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return uuid.UUID(int=value)


def bilingual(zh: str, en: str) -> str:
    """The text in the active language, falling back to the other when one is missing."""
    language = get_language() or settings.LANGUAGE_CODE
    return (en or zh) if language.startswith("en") else (zh or en)


class TimeStampedModel(models.Model):
    """Base for the project's models: a public UUID for outside references and timestamps."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One decision or change, who made it, when and why. Append-only and tamper-evident.

    Writers insert entries unsealed, inside their own transactions, and never wait for one
    another. A sealer (`core.auditlog.seal`) then gives each committed entry, in one strict
    order, its place in the chain (`sequence`) and its `digest`: SHA-256 over the entry's
    canonical content and the digest of the entry before it. Database triggers refuse every
    UPDATE and DELETE except the sealer's one-time setting of these two columns."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    subject = models.CharField(
        _("subject"), max_length=120, db_index=True, help_text="Opaque key, e.g. learner:<uuid>"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The place in the hash chain (1, 2, 3, ...) and the chained digest; empty until sealed.
    sequence = models.BigIntegerField(_("sequence"), null=True, blank=True, unique=True)
    digest = models.CharField(_("digest"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            # The sealer's queue: only the entries still waiting, in id order.
            models.Index(
                fields=["id"], condition=models.Q(sequence__isnull=True), name="audit_unsealed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.subject}"


class IdempotencyRecord(models.Model):
    """The first result of a retryable write, so a retry with the same key returns it."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    # A digest of the request, so reusing a key for a different request is refused.
    fingerprint = models.CharField(max_length=64)
    result = models.CharField(max_length=120, help_text="Opaque key of what the write made")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        constraints = [
            models.UniqueConstraint(fields=["actor", "action", "key"], name="idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
